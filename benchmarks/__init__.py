"""Benchmarks: `nox -s bench` (or `python -m benchmarks [name...]`) runs each `bench_*` module."""
