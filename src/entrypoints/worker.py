"""`npc worker`: runs queued tasks from Redis (saq), and reconciles the queue with the rows.

A worker process runs one saq worker per lane it serves, each with `concurrency` jobs
at once. A job runs a task by id through the core use case, sending saq a heartbeat
while it runs, so a killed worker's job is swept and run again by another worker.
A task the use case sends back for another attempt (a retryable upstream error) is
enqueued again after its backoff, once saq has finished the current job.

Every worker also runs the reconciler: once per `NPC_RECONCILE_SECONDS`, under a
Redis lock so one worker does it per period, it enqueues unfinished tasks that no job
carries (see `npc_core.services.tasks.reconcile`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from collections.abc import Sequence
from datetime import timedelta
from typing import Final

from saq import Job, Worker
from saq.types import Context as SaqContext
from saq.types import PartialTimersDict

from adapters.redis.queue import JOB_FUNCTION, SaqTaskQueue
from entrypoints.bootstrap import Container
from entrypoints.settings import ConfigurationError
from npc_core.model import TaskStatus
from npc_core.ports import Lane
from npc_core.services import Deps, execute_task, reconcile

logger = logging.getLogger(__name__)

RECONCILE_LOCK: Final = "npc:reconciler:lock"
# A task enqueued a moment ago is normally still on its way to a worker.
RECONCILE_GRACE: Final = timedelta(seconds=10)
RETRY_BASE_SECONDS: Final = 2.0
RETRY_CAP_SECONDS: Final = 60.0


class Context(SaqContext, total=False):
    """saq's job context with what npc puts in it."""

    deps: Deps
    tasks: SaqTaskQueue
    again: tuple[Lane, int]


def retry_delay(retry_count: int) -> float:
    """Seconds before attempt `retry_count + 1`: exponential, capped, with full jitter."""
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(retry_count - 1, 0))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - spreading retries, not secrecy


async def _heartbeat(job: Job, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await job.update()
        except Exception:  # a missed beat is retried next interval; the sweep allows two
            logger.warning("heartbeat of job %s failed", job.key, exc_info=True)


async def run_job(ctx: Context, *, task_id: str) -> str:
    """The saq job: run the task by id; returns its status for saq's record."""
    deps = ctx["deps"]
    queue = ctx["tasks"]
    beat = asyncio.create_task(_heartbeat(ctx["job"], max(queue.policy.heartbeat / 3, 0.2)))
    try:
        task = await execute_task(deps, task_id)
    finally:
        beat.cancel()
    if task is None:
        return "missing"
    if task.status is TaskStatus.PENDING:
        ctx["again"] = (Lane(str(task.payload.get("lane", Lane.FREE.value))), task.retry_count)
    return task.status.value


async def after_job(ctx: Context) -> None:
    """Enqueue a task sent back for another attempt, now that its job is finished."""
    again = ctx.get("again")
    job = ctx.get("job")
    if again is None or job is None:
        return
    lane, retry_count = again
    queue = ctx["tasks"]
    try:
        await queue.enqueue_later(job.key, lane, retry_delay(retry_count))
    except Exception:  # the row stays pending, and the reconciler enqueues it later
        logger.warning("could not enqueue task %s again", job.key, exc_info=True)


class TaskWorker:
    """The saq workers of one process, one per lane, plus the reconciler."""

    def __init__(
        self, container: Container, lanes: Sequence[Lane], concurrency: int, *, sweep: int = 0
    ) -> None:
        queue = container.deps.queue
        if not isinstance(queue, SaqTaskQueue):
            raise ConfigurationError("npc worker needs NPC_REDIS_URL (the task queue is on Redis)")
        self._container = container
        self._queue = queue
        timers: PartialTimersDict = {
            # Sweeping finds jobs whose worker stopped beating; check a few times per beat.
            "sweep": sweep or max(1, queue.policy.heartbeat // 3),
            "schedule": 1,
            "abort": 1,
            "worker_info": 10,
        }
        self.workers = [
            Worker[Context](
                queue.saq_queue(lane),
                functions=[(JOB_FUNCTION, run_job)],
                concurrency=concurrency,
                timers=timers,
                after_process=[after_job],
                # Waiting for a job returns now and then, so a stopping worker stops.
                dequeue_timeout=1.0,
                shutdown_grace_period_s=int(container.settings.task_timeout_seconds),
            )
            for lane in lanes
        ]
        for worker in self.workers:
            worker.SIGNALS = []  # the process handles signals once, for every worker
            worker.context.update({"deps": container.deps, "tasks": queue})
        self._stopping = asyncio.Event()

    async def run(self, *, own_container: bool = True) -> None:
        """Run until `stop` (or SIGINT/SIGTERM), then let running jobs finish.

        The container is started and stopped here unless something else owns it (an
        API app in the same process, in tests).
        """
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._stopping.set)
        if own_container:
            await self._container.start()
        tasks = [asyncio.create_task(worker.start()) for worker in self.workers]
        reconciler = asyncio.create_task(self._reconcile_forever())
        logger.info(
            "npc worker started",
            extra={"queues": [w.queue.name for w in self.workers]},
        )
        try:
            await self._stopping.wait()
        finally:
            reconciler.cancel()
            # Every lane finishes its running jobs at the same time, not one after another.
            await asyncio.gather(*(worker.stop() for worker in self.workers))
            await asyncio.gather(*tasks, return_exceptions=True)
            if own_container:
                await self._container.stop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    def stop(self) -> None:
        """Ask `run` to return."""
        self._stopping.set()

    async def reconcile_once(self) -> int:
        """Reconcile now if no other worker did this period; how many ids were enqueued."""
        period = self._container.settings.reconcile_seconds
        redis = self._queue.saq_queue(Lane.FREE).redis
        if not await redis.set(RECONCILE_LOCK, b"1", nx=True, ex=period):
            return 0
        grace = min(RECONCILE_GRACE, timedelta(seconds=period))
        return await reconcile(self._container.deps, older_than=grace)

    async def _reconcile_forever(self) -> None:
        while True:
            try:
                count = await self.reconcile_once()
                if count:
                    logger.info("reconciler enqueued %d unfinished task(s)", count)
            except Exception:
                logger.warning("reconciler pass failed; trying again next period", exc_info=True)
            await asyncio.sleep(self._container.settings.reconcile_seconds)
