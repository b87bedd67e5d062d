"""A task handler beaten to the finish by a duplicate delivery: one unit of work at a time."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import cast

import attrs

from npc_core.model import Task, TaskStatus
from npc_core.ports import UnitOfWork
from npc_core.services import (
    StartComic,
    StartMonologue,
    StartVoice,
    start_comic,
    start_monologue,
    start_voice,
)
from npc_core.services.audio import handle_voice
from npc_core.services.comics import handle_comic
from npc_core.services.deps import Deps
from npc_core.services.monologues import handle_monologue
from tests.unit.services import flow
from tests.unit.services.world import LIN_ZHOU, World, make_world


class OneAtATime:
    """A unit-of-work factory that notes every unit opened while its task held another.

    The SQL adapter hands units one of a fixed number of pooled connections in turn; a
    task that asks for a second while holding one can wait for itself.
    """

    def __init__(self, units: Callable[[], UnitOfWork]) -> None:
        self._units = units
        self.held: Counter[asyncio.Task[object] | None] = Counter()
        self.nested = 0

    def __call__(self) -> UnitOfWork:
        # Services only use a unit through `async with`, which gives them the inner one.
        return cast("UnitOfWork", _Unit(self, self._units()))


class _Unit:
    def __init__(self, line: OneAtATime, inner: UnitOfWork) -> None:
        self._line = line
        self._inner = inner

    async def __aenter__(self) -> UnitOfWork:
        me = asyncio.current_task()
        if self._line.held[me]:
            self._line.nested += 1
        self._line.held[me] += 1
        return await self._inner.__aenter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._line.held[asyncio.current_task()] -= 1
        await self._inner.__aexit__(kind, error, trace)


Handler = Callable[[Deps, Task], Awaitable[Task]]


async def _queued(world: World) -> list[tuple[Task, Handler]]:
    """A monologue, a voice and a comic task, queued and not run, with their handlers."""
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    monologue_id = flow.field(await flow.monologue(world, user.id, board), "monologueId")
    audio_id = flow.field(await flow.voice(world, user.id, monologue_id), "audioId")
    return [
        (
            await start_monologue(world.deps, StartMonologue(user.id, board, LIN_ZHOU)),
            handle_monologue,
        ),
        (await start_voice(world.deps, StartVoice(user.id, monologue_id)), handle_voice),
        (await start_comic(world.deps, StartComic(user.id, board, audio_id)), handle_comic),
    ]


async def test_a_handler_whose_task_ended_meanwhile_opens_no_second_unit() -> None:
    """It answers the task as the other delivery stored it, from the unit it holds."""
    world = await make_world(free_daily=10)
    for queued, handler in await _queued(world):
        now = world.clock.now()
        running = queued.start(now)
        ended = running.complete({"by": "the other delivery"}, now)
        async with world.deps.uow() as uow:
            await uow.tasks.save(ended)
            await uow.commit()
        line = OneAtATime(world.deps.uow)
        answer = await handler(attrs.evolve(world.deps, uow=line), running)
        assert answer.status is TaskStatus.COMPLETED
        assert answer.result == {"by": "the other delivery"}, handler.__name__
        assert line.nested == 0, handler.__name__
