"""Readiness probes and the works list."""

from __future__ import annotations

import asyncio

import attrs
import pytest

from npc_core.errors import NotFound
from npc_core.model import PageRequest
from npc_core.services import get_work, list_works, liveness, readiness
from tests.unit.services import flow
from tests.unit.services.world import make_world


async def test_readiness_reports_each_probe() -> None:
    """A failing probe and a hanging one are reported by name; the rest are ok."""
    world = await make_world()

    async def ok() -> None:
        return None

    async def broken() -> None:
        raise ConnectionError

    async def hangs() -> None:
        await asyncio.sleep(60)

    deps = attrs.evolve(world.deps, probes={"database": ok, "redis": broken, "storage": hangs})
    report = await readiness(deps)
    assert report.checks == {
        "database": "ok",
        "redis": "error: ConnectionError",
        "storage": "timeout",
    }
    assert not report.ready
    assert (await readiness(attrs.evolve(deps, probes={"database": ok}))).ready
    assert await liveness()


async def test_works_are_listed_newest_first_and_owner_only() -> None:
    """Works page newest first; another user's work is NotFound."""
    world = await make_world(free_daily=20)
    alice, bob = await world.user("alice"), await world.user("bob")
    await flow.storyboard(world, alice.id)
    world.clock.advance(60)
    await flow.storyboard(world, alice.id)
    page = await list_works(world.deps, alice.id, PageRequest(1, 1))
    assert page.total == 2
    assert page.has_more
    newest = page.items[0]
    assert newest.created_at == world.clock.now()
    detail = await get_work(world.deps, alice.id, newest.id)
    assert detail.storyboard is not None
    assert detail.storyboard.work_id == newest.id
    assert (await list_works(world.deps, bob.id, PageRequest())).total == 0
    with pytest.raises(NotFound):
        await get_work(world.deps, bob.id, newest.id)
