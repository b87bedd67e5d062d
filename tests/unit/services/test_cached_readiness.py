"""Readiness with a failing cache: still ready, but degraded."""

from __future__ import annotations

import asyncio

import attrs
import pytest

from npc_core.services import health, readiness
from tests.unit.services.test_cached_library import DownCache, NoCache
from tests.unit.services.world import make_world


class SlowCache(NoCache):
    """A cache whose ping never answers."""

    async def ping(self) -> None:
        await asyncio.Event().wait()


async def ok() -> None:
    return None


async def test_a_failing_cache_leaves_the_api_ready_but_degraded() -> None:
    """The cache is an optional check: its failure degrades readiness without failing it."""
    world = await make_world()
    deps = attrs.evolve(world.deps, probes={"database": ok}, cache=DownCache())
    report = await readiness(deps)
    assert report.checks == {"database": "ok"}
    assert report.optional == {"cache": "error: ConnectionRefusedError"}
    assert report.ready
    assert report.degraded


async def test_a_healthy_cache_is_reported_ok_and_not_degraded() -> None:
    """With everything answering the report is ready and not degraded, the cache listed."""
    world = await make_world()
    report = await readiness(attrs.evolve(world.deps, probes={"database": ok}))
    assert report.optional == {"cache": "ok"}
    assert report.ready
    assert not report.degraded


async def test_a_failing_required_probe_is_not_ready_whatever_the_cache() -> None:
    """A required probe failing is not ready (and so degraded), even with the cache fine."""
    world = await make_world()

    async def broken() -> None:
        raise ConnectionError

    report = await readiness(attrs.evolve(world.deps, probes={"database": broken}))
    assert not report.ready
    assert report.degraded


async def test_a_hanging_cache_ping_times_out_as_degraded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache that never answers its ping is reported as a timeout, not waited for."""
    monkeypatch.setattr(health, "PROBE_TIMEOUT_SECONDS", 0.01)
    world = await make_world()
    async with asyncio.timeout(5):
        report = await readiness(attrs.evolve(world.deps, probes={}, cache=SlowCache()))
    assert report.optional == {"cache": "timeout"}
    assert report.ready
    assert report.degraded


async def test_redis_probes_are_optional_and_a_cache_probe_replaces_the_ping() -> None:
    """`cache` and `queue` probes (Redis) degrade without failing; a `cache` probe is used."""
    world = await make_world()

    async def down() -> None:
        raise ConnectionRefusedError

    probes = {"database": ok, "queue": down, "cache": down}
    report = await readiness(attrs.evolve(world.deps, probes=probes))
    assert report.checks == {"database": "ok"}
    assert report.optional == {
        "cache": "error: ConnectionRefusedError",
        "queue": "error: ConnectionRefusedError",
    }
    assert report.ready
    assert report.degraded
