"""Contract of the task queue: ids delivered per lane, each waiting id once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from npc_core.ports import Lane, TaskQueue

Take = Callable[[Lane], Awaitable[str | None]]


class QueueContract:
    """What every `TaskQueue` promises; subclasses bind `queue` and `take`.

    `take(lane)` removes and returns the next task id waiting in `lane`, or None
    when none is waiting (a real queue may wait briefly before answering None).
    """

    @pytest.fixture
    def queue(self) -> TaskQueue:
        raise NotImplementedError("bind queue to the adapter under test")

    @pytest.fixture
    def take(self) -> Take:
        raise NotImplementedError("bind take to the adapter under test")

    async def test_an_enqueued_id_is_taken_once(self, queue: TaskQueue, take: Take) -> None:
        """A worker receives what was enqueued, and only once."""
        await queue.enqueue("task-1", Lane.FREE)
        assert await take(Lane.FREE) == "task-1"
        assert await take(Lane.FREE) is None

    async def test_enqueueing_a_waiting_id_again_is_a_no_op(
        self, queue: TaskQueue, take: Take
    ) -> None:
        """The reconciler may enqueue an id that is still waiting without it running twice."""
        await queue.enqueue("task-1", Lane.PREMIUM, priority=5)
        await queue.enqueue("task-1", Lane.PREMIUM, priority=9)
        assert await take(Lane.PREMIUM) == "task-1"
        assert await take(Lane.PREMIUM) is None

    async def test_lanes_are_separate(self, queue: TaskQueue, take: Take) -> None:
        """Free work waits in the free lane, premium in the premium lane."""
        await queue.enqueue("free-1", Lane.FREE)
        await queue.enqueue("premium-1", Lane.PREMIUM)
        assert await take(Lane.PREMIUM) == "premium-1"
        assert await take(Lane.PREMIUM) is None
        assert await take(Lane.FREE) == "free-1"

    async def test_every_distinct_id_is_delivered(self, queue: TaskQueue, take: Take) -> None:
        """Nothing enqueued is lost: each distinct id comes out exactly once."""
        ids = [f"task-{n}" for n in range(12)]
        for task_id in ids:
            await queue.enqueue(task_id, Lane.FREE)
        taken = [await take(Lane.FREE) for _ in ids]
        assert sorted(t for t in taken if t is not None) == sorted(ids)
        assert await take(Lane.FREE) is None
