"""Tasks on saq and Redis: queue contract, worker, retries, reconciler, outage at submit.

npc is built by the composition root with `NPC_REDIS_URL` (and MariaDB), so the API
process runs no tasks itself: a `TaskWorker` in the test's event loop does, exactly as
`npc worker` would. Redis is the real server on 127.0.0.1:6379, on a database index of
its own that each test flushes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from saq import Status

from adapters.redis.client import connect
from adapters.redis.queue import SaqTaskQueue
from entrypoints.bootstrap import Container, build
from entrypoints.settings import Secret
from entrypoints.worker import TaskWorker
from npc_core.model import TaskStatus
from npc_core.ports import Lane, TaskQueue
from tests.contracts.queue import QueueContract
from tests.dify_server import DifyControl
from tests.dify_server.control import Fault, FaultSpec
from tests.integration.dify_support import (
    FAST,
    LIN_ZHOU,
    Npc,
    make_story,
    make_storyboard,
    npc,
)

pytest_plugins = ["tests.integration.deployment_fixtures"]

# Its own database index: the Redis adapter tests flush theirs.
REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
async def redis_url() -> str:
    client = connect(REDIS_URL)
    await client.flushdb()
    await client.aclose()
    return REDIS_URL


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = connect(redis_url)
    yield client
    await client.aclose()


class TestSaqQueueContract(QueueContract):
    """The saq queue keeps the `TaskQueue` contract on a real Redis."""

    @pytest.fixture
    def queue(self, redis: Redis) -> TaskQueue:
        return SaqTaskQueue(redis)

    @pytest.fixture
    def take(self, queue: SaqTaskQueue) -> object:
        async def take(lane: Lane) -> str | None:
            job = await queue.saq_queue(lane).dequeue(timeout=0.2)
            if job is None:
                return None
            await job.finish(Status.COMPLETE)
            return job.key

        return take


async def test_a_finished_job_can_be_enqueued_again(redis: Redis) -> None:
    """Only a live job blocks its key: once finished, the same task id may run again."""
    queue = SaqTaskQueue(redis)
    await queue.enqueue("task-1", Lane.FREE)
    assert await queue.live("task-1", Lane.FREE)
    job = await queue.saq_queue(Lane.FREE).dequeue(timeout=0.2)
    assert job is not None
    await queue.enqueue("task-1", Lane.FREE)  # running: a no-op
    await job.finish(Status.COMPLETE)
    assert not await queue.live("task-1", Lane.FREE)
    await queue.enqueue("task-1", Lane.FREE)
    assert await queue.live("task-1", Lane.FREE)


async def test_every_job_carries_an_explicit_policy(redis: Redis) -> None:
    """Timeout, heartbeat, retries, delay, backoff and TTL are set on the stored job."""
    queue = SaqTaskQueue(redis)
    await queue.enqueue("task-1", Lane.PREMIUM)
    job = await queue.saq_queue(Lane.PREMIUM).job("task-1")
    assert job is not None
    policy = queue.policy
    assert (job.timeout, job.heartbeat, job.retries) == (
        policy.timeout,
        policy.heartbeat,
        policy.retries,
    )
    assert (job.retry_delay, job.retry_backoff, job.ttl) == (
        policy.retry_delay,
        policy.retry_backoff,
        policy.ttl,
    )
    assert job.kwargs == {"task_id": "task-1"}


@contextlib.asynccontextmanager
async def working(api: Npc) -> AsyncIterator[Container]:
    """A worker for both lanes in this event loop; yields its container.

    The container is its own, built from the app's settings as `npc worker` builds one.
    """
    container = build(api.container.settings)
    worker = TaskWorker(container, list(Lane), concurrency=4)
    runner = asyncio.create_task(worker.run())
    try:
        yield container
    finally:
        worker.stop()
        await asyncio.wait_for(runner, 30)


def _redis_npc(
    tmp_path: Path,
    dify: tuple[str, DifyControl],
    database_url: str,
    redis_url: str,
    **overrides: Any,
) -> contextlib.AbstractAsyncContextManager[Npc]:
    return npc(
        tmp_path,
        dify,
        database_url=Secret(database_url),
        redis_url=Secret(redis_url),
        task_heartbeat_seconds=2,
        **overrides,
    )


async def _finished(api: Npc, auth: dict[str, str], task_id: str) -> dict[str, object]:
    """Poll the task's status route until the task ends.

    The test client blocks this event loop while a request waits, so the waiting
    happens here, where a worker in this loop can run.
    """
    for _ in range(300):
        r = await api.client.get(f"/api/tasks/status/{task_id}", headers=auth)
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        if body["status"] in {"completed", "failed"}:
            return body
        await asyncio.sleep(0.1)
    pytest.fail(f"task {task_id} did not end: {body}")


async def _stored_status(api: Npc, task_id: str) -> TaskStatus:
    """The task row's status (the HTTP surface shows pending as processing)."""
    probe = build(api.container.settings)
    try:
        async with probe.deps.uow() as uow:
            task = await uow.tasks.get(task_id)
    finally:
        await probe.stop()
    assert task is not None
    return task.status


async def _monologue_task(api: Npc, auth: dict[str, str], board_id: str) -> str:
    r = await api.client.post(
        "/api/monologue/generate?wait=0",
        headers=auth,
        json={"storyboardId": board_id, "characterId": LIN_ZHOU, "frameContext": []},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["taskId"])


async def test_a_worker_runs_the_task_the_api_submitted(
    tmp_path: Path, dify: tuple[str, DifyControl], database_url: str, redis_url: str
) -> None:
    """With NPC_REDIS_URL the API only enqueues; a worker process runs the task to completion.

    Without a worker the task stays pending (the API runs nothing itself); once a worker
    runs, the same task completes and usage is charged once.
    """
    async with _redis_npc(tmp_path, dify, database_url, redis_url) as api:
        assert api.container.runner is None
        auth = await api.login()
        board_id = await make_storyboard(api, auth, await make_story(api, auth))
        task_id = await _monologue_task(api, auth, board_id)
        await asyncio.sleep(0.5)
        assert await _stored_status(api, task_id) is TaskStatus.PENDING  # no worker, no run
        async with working(api):
            body = await _finished(api, auth, task_id)
        assert body["status"] == "completed", body
        profile = await api.client.get("/api/user/profile", headers=auth)
        assert profile.json()["usageToday"]["used"] == 3  # story, storyboard, monologue
        assert len(api.dify.run_requests("monologue_generation")) == 1


async def test_a_retryable_upstream_error_is_retried_after_a_backoff(
    tmp_path: Path, dify: tuple[str, DifyControl], database_url: str, redis_url: str
) -> None:
    """Dify unavailable past the adapter's retries sends the task back to the queue.

    The worker enqueues it again after a backoff, and the next attempt completes it.
    """
    async with _redis_npc(tmp_path, dify, database_url, redis_url) as api:
        auth = await api.login()
        board_id = await make_storyboard(api, auth, await make_story(api, auth))
        fault = FaultSpec(Fault.UNAVAILABLE, retry_after=None)
        api.dify.fail("monologue_generation", *[fault] * FAST.retry.attempts)
        async with working(api) as worker:
            task_id = await _monologue_task(api, auth, board_id)
            body = await _finished(api, auth, task_id)
            assert body["status"] == "completed", body
            async with worker.deps.uow() as uow:
                task = await uow.tasks.get(task_id)
        assert task is not None
        assert task.status is TaskStatus.COMPLETED
        assert task.retry_count == 1
        assert len(api.dify.run_requests("monologue_generation")) == FAST.retry.attempts + 1


async def test_the_reconciler_enqueues_a_task_no_job_carries(
    tmp_path: Path, dify: tuple[str, DifyControl], database_url: str, redis_url: str, redis: Redis
) -> None:
    """A pending row whose job was lost (Redis emptied) is found and run by the reconciler."""
    async with _redis_npc(tmp_path, dify, database_url, redis_url, reconcile_seconds=1) as api:
        auth = await api.login()
        board_id = await make_storyboard(api, auth, await make_story(api, auth))
        task_id = await _monologue_task(api, auth, board_id)
        await redis.flushdb()  # the job is gone; the row is still pending
        await asyncio.sleep(0.5)
        assert await _stored_status(api, task_id) is TaskStatus.PENDING
        async with working(api):
            body = await _finished(api, auth, task_id)
        assert body["status"] == "completed", body


async def test_submitting_while_the_queue_is_down_answers_503_and_leaves_nothing_pending(
    tmp_path: Path, dify: tuple[str, DifyControl], database_url: str
) -> None:
    """No Redis: 503 `queue_unavailable`, and nothing is left to run.

    The task row is failed, so it never runs, and the quota action is given back.
    """
    dead = "redis://127.0.0.1:1/0"
    async with _redis_npc(tmp_path, dify, database_url, dead) as api:
        auth = await api.login()
        board_id = await make_storyboard(api, auth, await make_story(api, auth))
        before = (await api.client.get("/api/user/profile", headers=auth)).json()["usageToday"]
        r = await api.client.post(
            "/api/monologue/generate",
            headers=auth,
            json={"storyboardId": board_id, "characterId": LIN_ZHOU, "frameContext": []},
        )
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "queue_unavailable"
        assert r.headers["retry-after"] == "5"
        after = (await api.client.get("/api/user/profile", headers=auth)).json()["usageToday"]
        assert after["used"] == before["used"]
        probe = build(api.container.settings)
        async with probe.deps.uow() as uow:
            pending = await uow.tasks.with_status(TaskStatus.PENDING, 100)
            failed = await uow.tasks.with_status(TaskStatus.FAILED, 100)
        await probe.stop()
        assert pending == []
        assert len(failed) == 1
        assert failed[0].error_message is not None
        assert "queue" in failed[0].error_message
