"""Recovering tasks: the reconciler, a queue that refuses work, and a lost run."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from npc_core.errors import QueueUnavailable
from npc_core.model import TaskStatus
from npc_core.ports import Lane
from npc_core.services import execute_task, reconcile, usage_today
from npc_core.services.monologues import StartMonologue, start_monologue
from npc_core.services.tasks import LOST_RUN, get_task
from tests.unit.services import flow
from tests.unit.services.world import LIN_ZHOU, make_world


class RefusingQueue:
    """A queue whose server is down."""

    async def enqueue(self, task_id: str, lane: Lane, priority: int = 5) -> None:
        raise QueueUnavailable(f"cannot enqueue {task_id} on {lane}/{priority}")


async def test_the_reconciler_enqueues_only_unfinished_tasks_past_the_grace() -> None:
    """Unfinished tasks untouched for the grace are enqueued; fresh and finished ones not."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    old = await start_monologue(world.deps, StartMonologue(user.id, board, LIN_ZHOU))
    world.queue.take()  # the queue lost it
    world.clock.advance(60)
    fresh = await start_monologue(world.deps, StartMonologue(user.id, board, LIN_ZHOU))
    world.queue.take()
    assert await reconcile(world.deps, older_than=timedelta(seconds=30)) == 1
    assert world.queue.pending() == [old.id]
    world.clock.advance(60)
    assert await reconcile(world.deps, older_than=timedelta(seconds=30)) == 2
    assert sorted(world.queue.pending()) == sorted([old.id, fresh.id])
    await world.drain()
    world.clock.advance(60)
    assert await reconcile(world.deps, older_than=timedelta(seconds=30)) == 0


async def test_a_queue_that_refuses_fails_the_task_and_gives_the_action_back() -> None:
    """`QueueUnavailable` reaches the caller; the row is failed (never runs) and quota is intact."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    used = (await usage_today(world.deps, user)).used
    deps = attrs.evolve(world.deps, queue=RefusingQueue())
    with pytest.raises(QueueUnavailable):
        await start_monologue(deps, StartMonologue(user.id, board, LIN_ZHOU))
    [task] = world.store.tasks.values()
    assert task.status is TaskStatus.FAILED
    assert task.error_message is not None
    assert "cannot enqueue" in task.error_message
    assert (await usage_today(world.deps, user)).used == used
    assert await reconcile(world.deps, older_than=timedelta(0)) == 0


async def test_a_task_delivered_again_while_processing_counts_the_lost_run() -> None:
    """A redelivered processing task (its worker died) costs one retry.

    With a retry left it runs and completes; with none it fails at once with the
    lost-run message and gives its quota action back.
    """
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    resumed = await start_monologue(world.deps, StartMonologue(user.id, board, LIN_ZHOU))
    lost = await start_monologue(world.deps, StartMonologue(user.id, board, LIN_ZHOU))
    while world.queue.take():
        pass
    world.store.tasks[resumed.id] = attrs.evolve(resumed, status=TaskStatus.PROCESSING)
    world.store.tasks[lost.id] = attrs.evolve(lost, status=TaskStatus.PROCESSING, max_retries=0)
    used = (await usage_today(world.deps, user)).used
    done = await execute_task(world.deps, resumed.id)
    assert done is not None
    assert (done.status, done.retry_count) == (TaskStatus.COMPLETED, 1)
    failed = await execute_task(world.deps, lost.id)
    assert failed is not None
    assert (failed.status, failed.error_message) == (TaskStatus.FAILED, LOST_RUN)
    assert (await get_task(world.deps, user.id, lost.id)).status is TaskStatus.FAILED
    assert (await usage_today(world.deps, user)).used == used - 1
