"""A task queue in memory: premium before free, higher priority first, then FIFO."""

from __future__ import annotations

import itertools

import attrs

from npc_core.ports import Lane


@attrs.frozen
class QueuedTask:
    """A task id waiting in a lane; `seq` keeps arrival order."""

    task_id: str
    lane: Lane
    priority: int
    seq: int

    def order(self) -> tuple[bool, int, int]:
        """Sort key of delivery: premium first, then higher priority, then arrival."""
        return (self.lane is not Lane.PREMIUM, -self.priority, self.seq)


class MemoryTaskQueue:
    """Carries task ids; an id already waiting is not queued twice.

    `enqueued` records every accepted enqueue, so tests can see which lane work went to.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, QueuedTask] = {}
        self._arrivals = itertools.count()
        self.enqueued: list[QueuedTask] = []

    async def enqueue(self, task_id: str, lane: Lane, priority: int = 5) -> None:
        """Queue `task_id` unless it is already waiting."""
        if task_id in self._waiting:
            return
        queued = QueuedTask(task_id, lane, priority, next(self._arrivals))
        self._waiting[task_id] = queued
        self.enqueued.append(queued)

    def take(self, lane: Lane | None = None) -> str | None:
        """Remove and return the next id (from `lane` only, when given), or None."""
        candidates = [q for q in self._waiting.values() if lane is None or q.lane is lane]
        if not candidates:
            return None
        chosen = min(candidates, key=QueuedTask.order)
        del self._waiting[chosen.task_id]
        return chosen.task_id

    def pending(self, lane: Lane | None = None) -> list[str]:
        """Return the waiting ids (of `lane` only, when given) in the order `take` returns them."""
        waiting = [q for q in self._waiting.values() if lane is None or q.lane is lane]
        return [q.task_id for q in sorted(waiting, key=QueuedTask.order)]
