"""Tasks: pending -> processing -> completed | failed, and nothing after that."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError, InvalidTransition
from npc_core.model import Task, TaskStatus, TaskType

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
Step = Callable[[Task, datetime], Task]

ALLOWED = {
    TaskStatus.PENDING: {TaskStatus.PENDING, TaskStatus.PROCESSING, TaskStatus.FAILED},
    TaskStatus.PROCESSING: {
        TaskStatus.PROCESSING,
        TaskStatus.PENDING,
        TaskStatus.COMPLETED,
        TaskStatus.FAILED,
    },
    TaskStatus.COMPLETED: {TaskStatus.COMPLETED},
    TaskStatus.FAILED: {TaskStatus.FAILED},
}


def _task(**changes: object) -> Task:
    fields: dict[str, object] = {
        "id": "t1",
        "user_id": "u1",
        "task_type": TaskType.AUDIO_SYNTHESIS,
        "payload": {"monologueId": "m1"},
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Task(**{**fields, **changes})  # type: ignore[arg-type]


def _start(task: Task, now: datetime) -> Task:
    return task.start(now)


def _advance(progress: int) -> Step:
    return lambda task, now: task.advance(progress, now)


def _complete(task: Task, now: datetime) -> Task:
    return task.complete({"url": "https://x/a.mp3"}, now)


def _fail(retryable: bool) -> Step:
    return lambda task, now: task.fail("boom", now, retryable=retryable)


steps = st.one_of(
    st.just(_start),
    st.integers(0, 100).map(_advance),
    st.just(_complete),
    st.booleans().map(_fail),
)


@given(st.integers(0, 5), st.lists(steps, max_size=15))
def test_any_sequence_of_steps_keeps_the_lifecycle_rules(
    max_retries: int, sequence: list[Step]
) -> None:
    """Status moves only along the lifecycle, progress never falls, retries stay bounded.

    Once completed or failed, every further step raises `InvalidTransition`.
    """
    task = _task(max_retries=max_retries)
    for tick, step in enumerate(sequence, start=1):
        now = NOW + timedelta(seconds=tick)
        if task.status.terminal:
            with pytest.raises(InvalidTransition):
                step(task, now)
            continue
        try:
            after = step(task, now)
        except InvalidTransition:
            # Only a pending task refuses a step: progress or completion before starting.
            assert task.status is TaskStatus.PENDING
            assert step is not _start
            continue
        assert after.status in ALLOWED[task.status]
        assert after.progress >= task.progress
        assert 0 <= after.retry_count <= after.max_retries
        assert after.retry_count >= task.retry_count
        assert after.updated_at == now
        task = after


@given(st.sampled_from([TaskStatus.COMPLETED, TaskStatus.FAILED]), steps)
def test_a_finished_task_refuses_every_step(status: TaskStatus, step: Step) -> None:
    """Completed and failed are final: every transition raises `InvalidTransition`."""
    task = _task(status=status, progress=100 if status is TaskStatus.COMPLETED else 40)
    with pytest.raises(InvalidTransition):
        step(task, NOW)


def test_the_happy_path() -> None:
    """Pending, processing with progress, then completed with the result at 100 %."""
    task = _task()
    assert task.status is TaskStatus.PENDING
    running = task.start(NOW).advance(30, NOW).advance(60, NOW)
    assert (running.status, running.progress, running.started_at) == (
        TaskStatus.PROCESSING,
        60,
        NOW,
    )
    done = running.complete({"url": "u"}, NOW + timedelta(seconds=9))
    assert (done.status, done.progress, done.result) == (TaskStatus.COMPLETED, 100, {"url": "u"})
    assert done.completed_at == NOW + timedelta(seconds=9)
    assert done.status.terminal


def test_progress_never_goes_back() -> None:
    """A lower progress figure than already reported leaves progress as it was."""
    task = _task().start(NOW).advance(70, NOW)
    assert task.advance(20, NOW).progress == 70


def test_resuming_keeps_the_first_start_time() -> None:
    """Starting an already processing task (a lost worker) keeps `started_at`."""
    later = NOW + timedelta(minutes=1)
    assert _task().start(NOW).start(later).started_at == NOW


@pytest.mark.parametrize("step", [_advance(10), _complete])
def test_a_pending_task_must_start_first(step: Step) -> None:
    """Progress or completion before processing is an invalid transition."""
    with pytest.raises(InvalidTransition):
        step(_task(), NOW)


def test_a_retryable_failure_goes_back_to_pending_until_retries_run_out() -> None:
    """Retryable failures re-queue the task max_retries times, then it fails for good."""
    task = _task(max_retries=2)
    for attempt in (1, 2):
        task = task.start(NOW).fail("timeout", NOW, retryable=True)
        assert (task.status, task.retry_count, task.will_retry) == (
            TaskStatus.PENDING,
            attempt,
            True,
        )
    task = task.start(NOW).fail("timeout", NOW, retryable=True)
    assert (task.status, task.retry_count, task.error_message) == (TaskStatus.FAILED, 2, "timeout")
    assert not task.will_retry


def test_a_permanent_failure_is_final_at_once() -> None:
    """A failure that is not retryable fails the task whatever retries remain."""
    task = _task().start(NOW).fail("bad output", NOW, retryable=False)
    assert task.status is TaskStatus.FAILED
    assert task.retry_count == 0
    with pytest.raises(InvalidTransition):
        task.start(NOW)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": 0}, "priority"),
        ({"priority": 11}, "priority"),
        ({"progress": -1}, "progress"),
        ({"progress": 101}, "progress"),
        ({"max_retries": -1}, "maxRetries"),
        ({"max_retries": 21}, "maxRetries"),
        ({"retry_count": 4, "max_retries": 3}, "retryCount"),
        ({"retry_count": -1}, "retryCount"),
    ],
)
def test_task_fields_are_validated(changes: dict[str, object], field: str) -> None:
    """Priority 1-10, progress 0-100 and retry_count <= max_retries, naming the field."""
    with pytest.raises(DomainValidationError) as caught:
        _task(**changes)
    assert caught.value.field == field


@given(st.integers(1, 10), st.integers(0, 100))
def test_priorities_and_progress_in_range_are_accepted(priority: int, progress: int) -> None:
    """Every priority 1-10 and progress 0-100 makes a valid task."""
    task = _task(priority=priority, progress=progress)
    assert (task.priority, task.progress) == (priority, progress)


@pytest.mark.parametrize("progress", [-1, 101, float("nan")])
def test_reported_progress_outside_0_to_100_is_refused(progress: float) -> None:
    """`advance` with a figure outside 0-100 is a validation error naming `progress`."""
    with pytest.raises(DomainValidationError) as caught:
        _task().start(NOW).advance(progress, NOW)  # type: ignore[arg-type]
    assert caught.value.field == "progress"


def test_only_completed_and_failed_are_terminal() -> None:
    """`terminal` holds for completed and failed only."""
    assert {s for s in TaskStatus if s.terminal} == {TaskStatus.COMPLETED, TaskStatus.FAILED}
