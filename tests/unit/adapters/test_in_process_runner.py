"""The in-process task runner: the queue contract as delivery, order, caps, retries, stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from adapters.memory import InProcessTaskQueue
from npc_core.ports import Lane, TaskQueue
from tests.contracts.queue import QueueContract, Take


async def settle() -> None:
    """Let scheduled asyncio tasks take their first steps."""
    for _ in range(10):
        await asyncio.sleep(0)


class Recorder:
    """A `run` that records each call, optionally waiting on a gate per call."""

    def __init__(self, *, gated: bool = False) -> None:
        self.calls: list[str] = []
        self.gate = asyncio.Event()
        if not gated:
            self.gate.set()
        self.active = 0
        self.max_active = 0

    async def __call__(self, task_id: str) -> None:
        self.calls.append(task_id)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await self.gate.wait()
        finally:
            self.active -= 1


class DeliveredQueue:
    """The runner seen through the queue contract: an id is "taken" once `run` received it.

    It forwards enqueues to a started runner and notes the lane each id was first
    enqueued in, so `take(lane)` can hand out what `run` received from that lane.
    """

    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.lanes: dict[str, Lane] = {}
        self.runner = InProcessTaskQueue(self._run, concurrency=4)

    async def _run(self, task_id: str) -> None:
        self.delivered.append(task_id)

    async def enqueue(self, task_id: str, lane: Lane, priority: int = 5) -> None:
        self.lanes.setdefault(task_id, lane)
        await self.runner.enqueue(task_id, lane, priority)

    async def take(self, lane: Lane) -> str | None:
        await self.runner.join()
        for task_id in self.delivered:
            if self.lanes[task_id] is lane:
                self.delivered.remove(task_id)
                return task_id
        return None


class TestInProcessQueueContract(QueueContract):
    """The pull-style contract read as push delivery: `take` returns what `run` received.

    The runner has no `take`; it calls `run(task_id)` itself. Exactly-once delivery of
    distinct ids, the no-op second enqueue and lane separation still hold, with
    "taken" meaning "run was called". Lane order and dedupe of *waiting* ids are
    pinned directly below.
    """

    @pytest.fixture
    async def delivered(self) -> AsyncIterator[DeliveredQueue]:
        queue = DeliveredQueue()
        await queue.runner.start()
        yield queue
        await queue.runner.stop(timeout=1)

    @pytest.fixture
    def queue(self, delivered: DeliveredQueue) -> DeliveredQueue:
        return delivered

    @pytest.fixture
    def take(self, delivered: DeliveredQueue) -> Take:
        return delivered.take


def test_the_runner_is_a_task_queue() -> None:
    """InProcessTaskQueue satisfies the TaskQueue port (checked by mypy here)."""
    queue: TaskQueue = InProcessTaskQueue(Recorder())
    assert queue is not None


@pytest.mark.parametrize(
    ("concurrency", "premium_share"), [(0, 0.25), (-1, 0.25), (4, -0.1), (4, 1.0)]
)
def test_nonsense_settings_are_refused(concurrency: int, premium_share: float) -> None:
    """Concurrency is at least 1; the premium share is in [0, 1)."""
    with pytest.raises(ValueError, match=r"concurrency|premium_share"):
        InProcessTaskQueue(Recorder(), concurrency=concurrency, premium_share=premium_share)


async def test_runs_every_enqueued_id() -> None:
    """Once started, each enqueued id is passed to `run` exactly once."""
    recorder = Recorder()
    runner = InProcessTaskQueue(recorder)
    await runner.start()
    for n in range(20):
        await runner.enqueue(f"t{n}", Lane.FREE if n % 2 else Lane.PREMIUM)
    await runner.join()
    assert sorted(recorder.calls) == sorted(f"t{n}" for n in range(20))
    assert runner.pending() == []
    assert runner.running() == []
    await runner.stop()


async def test_ids_enqueued_before_start_wait_for_it() -> None:
    """Before `start` nothing runs; ids wait and `join` refuses to wait forever."""
    recorder = Recorder()
    runner = InProcessTaskQueue(recorder)
    await runner.enqueue("t1", Lane.FREE)
    await settle()
    assert recorder.calls == []
    assert runner.pending() == ["t1"]
    with pytest.raises(RuntimeError, match="not started"):
        await runner.join()
    await runner.start()
    await runner.join()
    assert recorder.calls == ["t1"]
    await runner.stop()


async def test_concurrency_cap_is_respected() -> None:
    """No more than `concurrency` runs are in flight at once; the rest wait their turn."""
    recorder = Recorder(gated=True)
    runner = InProcessTaskQueue(recorder, concurrency=3)
    await runner.start()
    for n in range(10):
        await runner.enqueue(f"t{n}", Lane.PREMIUM)
    await settle()
    assert recorder.active == 3
    assert runner.running() == ["t0", "t1", "t2"]
    assert runner.pending() == [f"t{n}" for n in range(3, 10)]
    recorder.gate.set()
    async with asyncio.timeout(5):
        await runner.join()
    assert recorder.max_active == 3
    assert len(recorder.calls) == 10
    await runner.stop()


async def test_free_work_never_takes_the_premium_slots() -> None:
    """Free runs stop short of the slots kept for premium, so premium work starts at once."""
    recorder = Recorder(gated=True)
    runner = InProcessTaskQueue(recorder, concurrency=4, premium_share=0.25)
    assert runner.free_limit == 3
    await runner.start()
    for n in range(6):
        await runner.enqueue(f"free-{n}", Lane.FREE)
    await settle()
    assert runner.running() == ["free-0", "free-1", "free-2"]
    await runner.enqueue("premium-1", Lane.PREMIUM)
    await settle()
    assert runner.running() == ["free-0", "free-1", "free-2", "premium-1"]
    assert runner.pending() == ["free-3", "free-4", "free-5"]
    recorder.gate.set()
    async with asyncio.timeout(5):
        await runner.join()
    await runner.stop()


async def test_a_single_slot_still_runs_free_work() -> None:
    """With one slot nothing is reserved: free work must be able to run at all."""
    assert InProcessTaskQueue(Recorder(), concurrency=1, premium_share=0.9).free_limit == 1
    assert InProcessTaskQueue(Recorder(), concurrency=8, premium_share=0).free_limit == 8


async def test_premium_first_then_higher_priority_then_fifo() -> None:
    """With one slot, ids start premium lane first, higher priority first, else in arrival order."""
    recorder = Recorder()
    runner = InProcessTaskQueue(recorder, concurrency=1)
    arrivals = [
        ("free-low", Lane.FREE, 1),
        ("free-a", Lane.FREE, 5),
        ("premium-a", Lane.PREMIUM, 5),
        ("free-high", Lane.FREE, 9),
        ("premium-low", Lane.PREMIUM, 1),
        ("free-b", Lane.FREE, 5),
        ("premium-b", Lane.PREMIUM, 5),
        ("premium-high", Lane.PREMIUM, 9),
    ]
    for task_id, lane, priority in arrivals:
        await runner.enqueue(task_id, lane, priority)
    expected = [
        "premium-high",
        "premium-a",
        "premium-b",
        "premium-low",
        "free-high",
        "free-a",
        "free-b",
        "free-low",
    ]
    assert runner.pending() == expected
    assert runner.pending(Lane.FREE) == expected[4:]
    await runner.start()
    await runner.join()
    assert recorder.calls == expected
    await runner.stop()


async def test_premium_arriving_later_overtakes_waiting_free_work() -> None:
    """A premium id enqueued while free ids wait starts before them."""
    recorder = Recorder(gated=True)
    runner = InProcessTaskQueue(recorder, concurrency=1)
    await runner.start()
    await runner.enqueue("free-1", Lane.FREE)
    await runner.enqueue("free-2", Lane.FREE, priority=9)
    await runner.enqueue("premium-1", Lane.PREMIUM, priority=0)
    recorder.gate.set()
    await runner.join()
    assert recorder.calls == ["free-1", "premium-1", "free-2"]
    await runner.stop()


async def test_enqueueing_a_waiting_id_again_is_a_no_op() -> None:
    """A waiting id keeps its first lane and priority and runs once."""
    recorder = Recorder()
    runner = InProcessTaskQueue(recorder, concurrency=1)
    await runner.enqueue("other", Lane.FREE, priority=5)
    await runner.enqueue("t1", Lane.FREE, priority=1)
    await runner.enqueue("t1", Lane.PREMIUM, priority=9)
    assert runner.pending() == ["other", "t1"]
    await runner.start()
    await runner.join()
    assert recorder.calls == ["other", "t1"]
    await runner.stop()


async def test_enqueueing_a_running_id_from_outside_is_a_no_op() -> None:
    """A reconciler enqueueing an id that is running does not make it run twice."""
    recorder = Recorder(gated=True)
    runner = InProcessTaskQueue(recorder)
    await runner.start()
    await runner.enqueue("t1", Lane.FREE)
    await settle()
    assert runner.running() == ["t1"]
    await runner.enqueue("t1", Lane.FREE)
    assert runner.pending() == []
    recorder.gate.set()
    await runner.join()
    assert recorder.calls == ["t1"]
    await runner.stop()


async def test_an_id_re_enqueued_by_its_own_run_runs_again() -> None:
    """A retry enqueued by the running task's own run starts again after that run ends."""
    calls: list[str] = []
    overlap: list[bool] = []
    runner: InProcessTaskQueue

    async def run(task_id: str) -> None:
        calls.append(task_id)
        overlap.append(task_id in runner.pending())
        if calls.count(task_id) < 3:
            await runner.enqueue(task_id, Lane.FREE)
            await runner.enqueue(task_id, Lane.FREE)  # a second re-enqueue adds nothing
            assert task_id not in runner.pending()
            await asyncio.sleep(0)

    runner = InProcessTaskQueue(run)
    await runner.start()
    await runner.enqueue("retry-me", Lane.PREMIUM)
    async with asyncio.timeout(5):
        await runner.join()
    assert calls == ["retry-me"] * 3
    assert overlap == [False] * 3
    await runner.stop()


async def test_a_re_enqueue_from_a_task_the_run_spawned_counts_as_its_own() -> None:
    """Work the run hands to a child task may schedule the retry too."""
    calls: list[str] = []
    runner: InProcessTaskQueue

    async def run(task_id: str) -> None:
        calls.append(task_id)
        if len(calls) == 1:
            await asyncio.create_task(runner.enqueue(task_id, Lane.FREE))

    runner = InProcessTaskQueue(run)
    await runner.start()
    await runner.enqueue("t1", Lane.FREE)
    async with asyncio.timeout(5):
        await runner.join()
    assert calls == ["t1", "t1"]
    await runner.stop()


async def test_a_failing_run_is_logged_and_others_go_on(caplog: pytest.LogCaptureFixture) -> None:
    """An exception from `run` is logged with the task id and stops nothing else."""
    calls: list[str] = []

    async def run(task_id: str) -> None:
        calls.append(task_id)
        if task_id.startswith("bad"):
            raise RuntimeError(f"{task_id} exploded")

    runner = InProcessTaskQueue(run, concurrency=2)
    await runner.start()
    with caplog.at_level(logging.ERROR, logger="adapters.memory.runner"):
        for task_id in ["bad-1", "good-1", "bad-2", "good-2"]:
            await runner.enqueue(task_id, Lane.FREE)
        await runner.join()
    assert sorted(calls) == ["bad-1", "bad-2", "good-1", "good-2"]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert {"bad-1", "bad-2"} == {r.args[0] for r in failures if isinstance(r.args, tuple)}
    assert all(r.exc_info is not None for r in failures)
    await runner.enqueue("good-3", Lane.FREE)
    await runner.join()
    assert calls[-1] == "good-3"
    await runner.stop()


async def test_a_failed_id_can_be_enqueued_again() -> None:
    """After a run fails, the id is neither waiting nor running, so it may be retried."""
    calls: list[str] = []

    async def run(task_id: str) -> None:
        calls.append(task_id)
        if len(calls) == 1:
            raise RuntimeError("first attempt fails")

    runner = InProcessTaskQueue(run)
    await runner.start()
    await runner.enqueue("t1", Lane.FREE)
    await runner.join()
    await runner.enqueue("t1", Lane.FREE)
    await runner.join()
    assert calls == ["t1", "t1"]
    await runner.stop()


async def test_stop_lets_short_runs_finish() -> None:
    """Runs that end within the timeout complete normally at stop."""
    finished: list[str] = []

    async def run(task_id: str) -> None:
        await asyncio.sleep(0.01)
        finished.append(task_id)

    runner = InProcessTaskQueue(run)
    await runner.start()
    await runner.enqueue("t1", Lane.FREE)
    await runner.enqueue("t2", Lane.PREMIUM)
    await settle()
    await runner.stop(timeout=5)
    assert sorted(finished) == ["t1", "t2"]
    assert runner.running() == []


async def test_stop_cancels_long_runs_after_the_timeout_and_drops_waiting_ids() -> None:
    """After the timeout long runs are cancelled; waiting ids are dropped; nothing is left."""
    cancelled: list[str] = []
    started: list[str] = []

    async def run(task_id: str) -> None:
        started.append(task_id)
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(task_id)
            raise

    runner = InProcessTaskQueue(run, concurrency=1)
    await runner.start()
    await runner.enqueue("long", Lane.PREMIUM)
    await runner.enqueue("waiting", Lane.FREE)
    await settle()
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with asyncio.timeout(5):
        await runner.stop(timeout=0.05)
    assert loop.time() - began < 2
    assert cancelled == ["long"]
    assert started == ["long"]
    assert runner.running() == []
    assert runner.pending() == []
    await runner.enqueue("after-stop", Lane.PREMIUM)
    await settle()
    assert started == ["long"]
    assert runner.pending() == []


async def test_a_run_re_enqueued_while_stopping_is_dropped() -> None:
    """A retry scheduled by a run that finishes during stop does not run."""
    calls: list[str] = []
    runner: InProcessTaskQueue

    async def run(task_id: str) -> None:
        calls.append(task_id)
        await asyncio.sleep(0.01)
        await runner.enqueue(task_id, Lane.FREE)

    runner = InProcessTaskQueue(run)
    await runner.start()
    await runner.enqueue("t1", Lane.FREE)
    await settle()
    await runner.stop(timeout=5)
    await settle()
    assert calls == ["t1"]
    assert runner.pending() == []
    assert runner.running() == []


async def test_start_after_stop_runs_new_work() -> None:
    """A stopped runner can be started again and runs what is enqueued then."""
    recorder = Recorder()
    runner = InProcessTaskQueue(recorder)
    await runner.start()
    await runner.stop()
    await runner.start()
    await runner.enqueue("t1", Lane.FREE)
    await runner.join()
    assert recorder.calls == ["t1"]
    await runner.stop()
