"""Servers for `bench_dify`: npc wired to a Dify URL by the composition root.

`python -m benchmarks._dify_servers --port N --dify-url URL` serves npc (in-memory
data, the real Dify adapter with the test server's keys, unbounded quotas) on
127.0.0.1 until SIGTERM. The Dify side is `python -m tests.dify_server`.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
from pathlib import Path
from typing import Final

BENCH_SECRET: Final = "bench-secret-bench-secret-bench-secret-0123"  # noqa: S105 - loopback
BENCH_QUOTA: Final = 1_000_000


def raise_open_file_limit(wanted: int = 65536) -> int:
    """Raise the soft limit on open files towards `wanted` (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def server_arguments(module: str, argv: list[str] | None) -> argparse.Namespace:
    """`--port` and `--dify-url` of a bench server; the open-file limit raised for its load."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dify-url", required=True, help="the Dify base URL, ending in /v1")
    args = parser.parse_args(argv)
    raise_open_file_limit()
    return args


def main(argv: list[str] | None = None) -> int:
    """Serve npc over the Dify adapter until terminated."""
    args = server_arguments("benchmarks._dify_servers", argv)

    from adapters.memory import MemoryStore  # noqa: PLC0415 - after the limit is raised
    from entrypoints.bootstrap import build  # noqa: PLC0415
    from entrypoints.http.app import create_app  # noqa: PLC0415
    from entrypoints.http.logs import configure_logging  # noqa: PLC0415
    from entrypoints.runtime import serve  # noqa: PLC0415
    from entrypoints.settings import Secret, Settings  # noqa: PLC0415
    from tests.dify_server import DifyControl  # noqa: PLC0415

    # Production's JSON lines; WARNING drops the per-request and per-run INFO lines.
    configure_logging(json_lines=True, level=logging.WARNING)
    keys = DifyControl().keys
    with tempfile.TemporaryDirectory(prefix="npc-bench-dify-") as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            jwt_secret=Secret(BENCH_SECRET),
            dify_base_url=args.dify_url,
            dify_keys={name: Secret(key) for name, key in keys.items()},
            offline_workflows=False,
            free_daily_quota=BENCH_QUOTA,
            premium_daily_quota=BENCH_QUOTA,
        )
        # In-memory data, so the figures are the Dify adapter's, not the database's;
        # served as `npc serve` serves (uvicorn, garbage collector tuned after start-up).
        serve(create_app(build(settings, store=MemoryStore())), "127.0.0.1", args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
