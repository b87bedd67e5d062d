"""Task-backed work: submit a task, poll it, and run it by id (what a worker calls)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, timedelta

from npc_core.errors import (
    NotFound,
    NpcError,
    QueueUnavailable,
    StorageUnavailable,
    UpstreamError,
)
from npc_core.model import JsonObject, Membership, Task, TaskStatus, TaskType, User
from npc_core.ports import Lane, UnitOfWork
from npc_core.services.deps import Deps
from npc_core.services.quota import release, reserve

Handler = Callable[[Deps, Task], Awaitable[Task]]
# What a kind of task does once it has failed for good: delete what its runs stored.
Discard = Callable[[Deps, Task], Awaitable[None]]

LOST_RUN = "the worker running this task stopped before it finished"


def lane_for(user: User) -> Lane:
    """Premium members' work runs on its own queue."""
    return Lane.PREMIUM if user.membership is Membership.PREMIUM else Lane.FREE


async def submit(
    deps: Deps, user: User, task_type: TaskType, payload: JsonObject, priority: int = 5
) -> Task:
    """Take one AI action of the quota, store a pending task and enqueue its id.

    The quota day and lane travel in the payload, so a task that fails hours later
    gives the action back to the right day and a retry goes to the right queue.
    When the queue cannot take the id, the task is failed at once and the action given
    back before `QueueUnavailable` propagates: the client was told no, so no row may
    stay pending and run later behind its back.
    """
    day = await reserve(deps, user)
    now = deps.clock.now()
    lane = lane_for(user)
    task = Task(
        id=deps.ids.new_id(),
        user_id=user.id,
        task_type=task_type,
        payload={**payload, "quotaDay": day.isoformat(), "lane": lane.value},
        created_at=now,
        updated_at=now,
        priority=priority,
        max_retries=deps.settings.task_max_retries,
    )
    try:
        async with deps.uow() as uow:
            await uow.tasks.add(task)
            await uow.commit()
    except BaseException:
        await release(deps, user.id, day)
        raise
    try:
        await deps.queue.enqueue(task.id, lane, task.priority)
    except QueueUnavailable as error:
        await _fail(deps, task, str(error) or "task queue unavailable", {}, retryable=False)
        raise
    return task


async def get_task(deps: Deps, user_id: str, task_id: str) -> Task:
    """The user's task as it stands now."""
    async with deps.uow() as uow:
        task = await uow.tasks.get_owned(task_id, user_id)
    if task is None:
        raise NotFound("task", task_id)
    return task


async def report_progress(deps: Deps, task: Task, progress: int) -> Task:
    """Checkpoint progress on the task row, which is what clients poll."""
    async with deps.uow() as uow:
        current = await uow.tasks.get(task.id)
        if current is None or current.status is not TaskStatus.PROCESSING:
            return task
        advanced = current.advance(progress, deps.clock.now())
        await uow.tasks.save(advanced)
        await uow.commit()
    return advanced


async def finish(uow: UnitOfWork, deps: Deps, task: Task, result: JsonObject) -> Task | None:
    """Complete the task and charge usage in the caller's transaction.

    Returns None when the task already ended (a duplicate delivery got there first);
    the caller then writes nothing.
    """
    current = await uow.tasks.get(task.id)
    if current is None or current.status.terminal:
        return None
    done = current.complete(result, deps.clock.now())
    await uow.tasks.save(done)
    await uow.users.record_usage(task.user_id)
    return done


async def current_task(uow: UnitOfWork, task: Task) -> Task:
    """The task as stored now (after a duplicate delivery finished it first).

    Read through the caller's unit of work, which `finish` just read it through: a
    second unit opened inside the first would hold two pooled connections at once,
    and with every connection held by such a task each would wait for itself.
    """
    return await uow.tasks.get(task.id) or task


async def run_task(
    deps: Deps,
    task_id: str,
    handlers: Mapping[TaskType, Handler],
    discards: Mapping[TaskType, Discard] | None = None,
) -> Task | None:
    """Run a task by id: reload it, skip it if finished, else start, handle, and record the end.

    Safe to call twice for the same id. A retryable upstream error sends the task back
    to the queue while retries remain; anything else fails it at once, and a failed
    task gives its quota back and runs its kind's discard (`discards`).
    """
    discards = discards or {}
    async with deps.uow() as uow:
        task = await uow.tasks.get(task_id)
        if task is None or task.status.terminal:
            return task
        if task.status is TaskStatus.PROCESSING:
            # Queues deliver an id again only when its run was lost (a worker killed,
            # a job swept): that run counts as a failed attempt, so a task that kills
            # its workers stops after `max_retries` instead of looping for ever.
            task = task.fail(LOST_RUN, deps.clock.now(), retryable=True)
        if task.status is not TaskStatus.FAILED:
            task = task.start(deps.clock.now())
        await uow.tasks.save(task)
        await uow.commit()
    if task.status is TaskStatus.FAILED:
        await _failed_for_good(deps, task, discards)
        return task
    try:
        return await handlers[task.task_type](deps, task)
    except NpcError as error:
        retryable = isinstance(error, UpstreamError) and error.retryable
        return await _fail(deps, task, str(error), discards, retryable=retryable)
    except Exception:
        await _fail(deps, task, "internal error", discards, retryable=False)
        raise


async def reconcile(deps: Deps, *, older_than: timedelta, limit: int = 10_000) -> int:
    """Enqueue again every unfinished task untouched for `older_than`; how many were.

    The row is the truth and the queue only carries ids, so work lost between a commit
    and its enqueue, in a queue that restarted empty, or with a worker that died after
    its job record expired, is found here. Enqueueing an id whose job is still live is
    a no-op in every queue, so this never runs a task twice at once; `older_than` only
    spares the queue ids that were enqueued a moment ago anyway.
    """
    cutoff = deps.clock.now() - older_than
    async with deps.uow() as uow:
        stale = [
            task
            for status in (TaskStatus.PENDING, TaskStatus.PROCESSING)
            for task in await uow.tasks.with_status(status, limit)
            if task.updated_at <= cutoff
        ]
    for task in stale:
        lane = Lane(str(task.payload.get("lane", Lane.FREE.value)))
        await deps.queue.enqueue(task.id, lane, task.priority)
    return len(stale)


async def _failed_for_good(deps: Deps, task: Task, discards: Mapping[TaskType, Discard]) -> None:
    await release(deps, task.user_id, date.fromisoformat(str(task.payload["quotaDay"])))
    discard = discards.get(task.task_type)
    if discard is not None:
        # Storage down: the files stay; the task's outcome does not depend on them.
        with contextlib.suppress(StorageUnavailable):
            await discard(deps, task)


async def _fail(
    deps: Deps,
    task: Task,
    message: str,
    discards: Mapping[TaskType, Discard],
    *,
    retryable: bool,
) -> Task:
    async with deps.uow() as uow:
        current = await uow.tasks.get(task.id)
        if current is None or current.status.terminal:
            return current or task
        failed = current.fail(message, deps.clock.now(), retryable=retryable)
        await uow.tasks.save(failed)
        await uow.commit()
    if failed.status is TaskStatus.FAILED:
        await _failed_for_good(deps, failed, discards)
    else:
        lane = Lane(str(failed.payload.get("lane", Lane.FREE.value)))
        await deps.queue.enqueue(failed.id, lane, failed.priority)
    return failed
