"""A task queue that runs task ids itself, in asyncio tasks of this process (embedded mode).

Nothing survives the process: ids waiting at a crash or at `stop` are lost here, and
the task rows (the source of truth) stay pending until a reconciler enqueues them again.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import heapq
import itertools
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Final

from adapters.memory.queue import QueuedTask
from npc_core.ports import Lane

logger = logging.getLogger(__name__)

# Set inside each run's asyncio task (and inherited by tasks it spawns): which runner
# is running which id, so an id re-enqueued by its own run can be told apart.
_CURRENT_RUN: contextvars.ContextVar[tuple[InProcessTaskQueue, str] | None] = (
    contextvars.ContextVar("npc_in_process_run", default=None)
)

_CANCEL_GRACE_SECONDS: Final = 5.0

Run = Callable[[str], Awaitable[object]]


class InProcessTaskQueue:
    """The `TaskQueue` of the embedded mode: enqueued ids are run by `run(task_id)` here.

    - At most `concurrency` runs at once. Waiting ids start premium lane first, then
      higher priority, then in arrival order.
    - `premium_share` of the slots (rounded up, but leaving free work at least one)
      are kept for premium work: free work never fills the runner, so a premium task
      arriving during a burst of free work starts at once.
    - Enqueueing an id that is waiting or running is a no-op, except when the id's
      own run (or a task it spawned) enqueues it: it runs again once the current run
      ends (a retry). Only the first such re-enqueue per run counts.
    - An exception from `run` is logged and ends only that run.
    - Ids enqueued before `start` wait for it; ids enqueued while stopping or after
      `stop` are dropped (logged), since the task rows are the source of truth.
    """

    def __init__(self, run: Run, *, concurrency: int = 8, premium_share: float = 0.25) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not 0 <= premium_share < 1:
            raise ValueError("premium_share must be at least 0 and below 1")
        self._run = run
        self._concurrency = concurrency
        reserved = min(math.ceil(concurrency * premium_share), concurrency - 1)
        self._free_limit = concurrency - reserved
        self._arrivals = itertools.count()
        self._heaps: dict[Lane, list[tuple[int, int, str]]] = {lane: [] for lane in Lane}
        self._waiting: dict[str, QueuedTask] = {}
        self._running: dict[str, tuple[Lane, asyncio.Task[None]]] = {}
        self._again: dict[str, QueuedTask] = {}
        self._accepting = True
        self._started = False

    @property
    def concurrency(self) -> int:
        """How many runs may go at once."""
        return self._concurrency

    @property
    def free_limit(self) -> int:
        """How many free-lane runs may go at once (the rest of the slots are premium's)."""
        return self._free_limit

    async def enqueue(self, task_id: str, lane: Lane, priority: int = 5) -> None:
        """Schedule `task_id` to run, unless it is already waiting or running."""
        if not self._accepting:
            logger.info("runner stopped; task %s not enqueued", task_id)
            return
        if task_id in self._waiting:
            return
        queued = QueuedTask(task_id, lane, priority, next(self._arrivals))
        if task_id in self._running:
            if _CURRENT_RUN.get() == (self, task_id) and task_id not in self._again:
                self._again[task_id] = queued
            return
        self._push(queued)
        self._fill()

    def _push(self, queued: QueuedTask) -> None:
        self._waiting[queued.task_id] = queued
        heapq.heappush(self._heaps[queued.lane], (-queued.priority, queued.seq, queued.task_id))

    def _fill(self) -> None:
        """Start waiting ids while slots (and, for free work, free slots) are open."""
        if not self._started:
            return
        while len(self._running) < self._concurrency:
            if self._heaps[Lane.PREMIUM]:
                lane = Lane.PREMIUM
            elif self._heaps[Lane.FREE] and self._free_running() < self._free_limit:
                lane = Lane.FREE
            else:
                return
            _, _, task_id = heapq.heappop(self._heaps[lane])
            del self._waiting[task_id]
            task = asyncio.create_task(self._invoke(task_id), name=f"npc-task-{task_id}")
            self._running[task_id] = (lane, task)
            task.add_done_callback(functools.partial(self._finished, task_id))

    def _free_running(self) -> int:
        return sum(1 for lane, _ in self._running.values() if lane is Lane.FREE)

    async def _invoke(self, task_id: str) -> None:
        _CURRENT_RUN.set((self, task_id))
        try:
            await self._run(task_id)
        except Exception:
            logger.exception("task %s failed in the in-process runner", task_id)

    def _finished(self, task_id: str, task: asyncio.Task[None]) -> None:
        current = self._running.get(task_id)
        if current is not None and current[1] is task:
            del self._running[task_id]
        if task.cancelled():
            logger.warning("task %s was cancelled while running", task_id)
        again = self._again.pop(task_id, None)
        if again is not None and self._accepting:
            self._push(again)
        self._fill()

    async def start(self) -> None:
        """Start running waiting ids (again, after a `stop`)."""
        self._accepting = True
        self._started = True
        self._fill()

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - a grace period, not a deadline
        """Drop waiting ids, let running ones finish for `timeout` seconds, then cancel them.

        When it returns nothing waits and nothing runs (a run that ignores its
        cancellation for more than a few seconds is logged and abandoned).
        """
        self._accepting = False
        self._started = False
        dropped = list(self._waiting)
        self._waiting.clear()
        self._again.clear()
        for heap in self._heaps.values():
            heap.clear()
        if dropped:
            logger.info("runner stopping; %d waiting task(s) dropped", len(dropped))
        tasks = [task for _, task in self._running.values()]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=max(timeout, 0))
            for task in late:
                task.cancel()
            if late:
                _, stuck = await asyncio.wait(late, timeout=_CANCEL_GRACE_SECONDS)
                for task in stuck:
                    logger.error("task %s ignored its cancellation", task.get_name())
        self._running.clear()
        self._again.clear()

    async def join(self) -> None:
        """Wait until nothing waits and nothing runs; `RuntimeError` if ids wait unstarted."""
        while self._running or self._waiting:
            if not self._running:
                raise RuntimeError("ids are waiting but the runner is not started")
            tasks = [task for _, task in self._running.values()]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            # Done callbacks (bookkeeping, starting the next ids) run before we resume,
            # but yield once more so they surely have.
            await asyncio.sleep(0)

    def pending(self, lane: Lane | None = None) -> list[str]:
        """Return the waiting ids (of `lane` only, when given), premium first, in start order.

        An id whose run re-enqueued it shows in `running` until that run ends.
        """
        waiting = [q for q in self._waiting.values() if lane is None or q.lane is lane]
        return [q.task_id for q in sorted(waiting, key=QueuedTask.order)]

    def running(self) -> list[str]:
        """Return the ids running now, in the order they started."""
        return list(self._running)
