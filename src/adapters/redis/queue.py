"""The task queue on saq: one Redis queue per lane, the task id as the job key.

saq refuses a job whose key is still incomplete (queued, scheduled or running), so
enqueueing an id twice is a no-op while its job lives, and the reconciler may enqueue
every unfinished task without running any twice. A finished job's record expires
(`JobPolicy.ttl`); the task row, not the job, is what clients poll.

saq's defaults lose work (a 10 s timeout, no heartbeat, one attempt), so every job
carries an explicit policy. Priorities are not kept: saq orders a Redis queue by
arrival only, and premium work already has its own queue and workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Final

import attrs
from redis.exceptions import RedisError
from saq import Job
from saq.queue.redis import RedisQueue

from adapters.redis.client import COMMAND_TIMEOUT_SECONDS
from npc_core.errors import QueueUnavailable
from npc_core.ports import Lane

if TYPE_CHECKING:
    from redis.asyncio import Redis

JOB_FUNCTION: Final = "run_task"
QUEUE_NAMES: Final = {Lane.PREMIUM: "npc-premium", Lane.FREE: "npc-free"}


@attrs.frozen
class JobPolicy:
    """How saq runs a task's job; every field is set on every job."""

    timeout: int = 600  # seconds a run may take before saq cancels it
    heartbeat: int = 30  # seconds without a heartbeat before a sweep takes the worker for dead
    retries: int = 3  # attempts saq makes after crashes and timeouts (task retries are npc's)
    retry_delay: float = 1.0  # seconds before the first of those
    retry_backoff: float = 30.0  # exponential backoff with jitter, capped at this many seconds
    ttl: int = 3600  # seconds a finished job's record is kept

    def job(self, task_id: str, *, delay: float = 0.0) -> Job:
        """The job that runs `task_id`, due now or after `delay` seconds."""
        return Job(
            function=JOB_FUNCTION,
            kwargs={"task_id": task_id},
            key=task_id,
            timeout=self.timeout,
            heartbeat=self.heartbeat,
            retries=self.retries,
            retry_delay=self.retry_delay,
            retry_backoff=self.retry_backoff,
            ttl=self.ttl,
            scheduled=int(time.time() + delay) if delay > 0 else 0,
        )


class SaqTaskQueue:
    """The `TaskQueue` on Redis; `QueueUnavailable` when Redis cannot take the id.

    `redis` must be a blocking client (`connect(url, blocking=True)`): workers wait on
    it for jobs. Enqueueing bounds itself, so a hung Redis fails a submit in seconds.
    """

    def __init__(self, redis: Redis, policy: JobPolicy | None = None) -> None:
        self._redis = redis
        self.policy = policy or JobPolicy()
        self._queues = {lane: RedisQueue(redis, name=name) for lane, name in QUEUE_NAMES.items()}

    def saq_queue(self, lane: Lane) -> RedisQueue:
        """The saq queue of `lane` (what a worker of that lane consumes)."""
        return self._queues[lane]

    async def enqueue(self, task_id: str, lane: Lane, priority: int = 5) -> None:  # noqa: ARG002 - see module docstring
        """Queue `task_id` in `lane` unless its job is still waiting or running."""
        await self.enqueue_later(task_id, lane, 0.0)

    async def enqueue_later(self, task_id: str, lane: Lane, delay: float) -> None:
        """Queue `task_id` to start after `delay` seconds (a retry's backoff)."""
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT_SECONDS):
                await self._queues[lane].enqueue(self.policy.job(task_id, delay=delay))
        except (RedisError, OSError, TimeoutError) as error:
            raise QueueUnavailable(f"task queue unavailable: {error}") from error

    async def ping(self) -> None:
        """Raise unless Redis answers."""
        await self._redis.ping()  # type: ignore[misc] # redis-py types ping for sync and async

    async def live(self, task_id: str, lane: Lane) -> bool:
        """Whether a job for `task_id` waits or runs in `lane` now."""
        queue = self._queues[lane]
        score = await self._redis.zscore(queue.namespace("incomplete"), queue.job_id(task_id))
        return score is not None

    async def close(self) -> None:
        """Stop listening for job updates (the Redis client is closed by its owner)."""
        for queue in self._queues.values():
            # A Redis that is down at shutdown has nothing left to close.
            with contextlib.suppress(RedisError, OSError):
                await queue._pubsub.close()  # noqa: SLF001 - saq's disconnect would close our client too
