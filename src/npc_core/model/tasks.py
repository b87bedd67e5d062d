"""Async tasks: pending -> processing -> completed | failed, and nothing after that."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from npc_core.errors import DomainValidationError, InvalidTransition
from npc_core.model import _checks
from npc_core.model.json import JsonObject


class TaskType(StrEnum):
    """The kinds of long work."""

    MONOLOGUE_GENERATION = "monologue_generation"
    AUDIO_SYNTHESIS = "audio_synthesis"
    COMIC_RENDERING = "comic_rendering"


class TaskStatus(StrEnum):
    """Where a task is in its lifecycle; completed and failed are final."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def terminal(self) -> bool:
        """Whether nothing may change any more."""
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED)


@attrs.frozen
class Task:
    """Long work a client polls; the row is the truth, the queue only carries its id."""

    id: str
    user_id: str
    task_type: TaskType
    payload: JsonObject
    created_at: datetime
    updated_at: datetime
    status: TaskStatus = TaskStatus.PENDING
    progress: int = attrs.field(default=0, validator=_checks.integer_in(0, 100))
    result: JsonObject | None = None
    error_message: str | None = None
    priority: int = attrs.field(default=5, validator=_checks.integer_in(1, 10))
    retry_count: int = 0
    max_retries: int = attrs.field(default=3, validator=_checks.integer_in(0, 20))
    started_at: datetime | None = None
    completed_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.retry_count <= self.max_retries:
            raise DomainValidationError("retryCount", "must be between 0 and maxRetries")

    def _live(self, action: str) -> None:
        if self.status.terminal:
            raise InvalidTransition(f"task {self.id} is {self.status}; cannot {action}")

    def start(self, now: datetime) -> Task:
        """Begin (or, after a lost worker, resume) processing."""
        self._live("start")
        return attrs.evolve(
            self, status=TaskStatus.PROCESSING, started_at=self.started_at or now, updated_at=now
        )

    def advance(self, progress: int, now: datetime) -> Task:
        """Report progress; a lower figure than already reported leaves it unchanged."""
        self._live("report progress")
        _checks.check_integer("progress", progress, 0, 100)
        if self.status is not TaskStatus.PROCESSING:
            raise InvalidTransition(f"task {self.id} is {self.status}; start it first")
        return attrs.evolve(self, progress=max(self.progress, progress), updated_at=now)

    def complete(self, result: JsonObject, now: datetime) -> Task:
        """Finish with `result`."""
        self._live("complete")
        if self.status is not TaskStatus.PROCESSING:
            raise InvalidTransition(f"task {self.id} is {self.status}; start it first")
        return attrs.evolve(
            self,
            status=TaskStatus.COMPLETED,
            progress=100,
            result=result,
            error_message=None,
            completed_at=now,
            updated_at=now,
        )

    def fail(self, message: str, now: datetime, *, retryable: bool) -> Task:
        """Record a failed attempt: back to pending while retries remain, else failed."""
        self._live("fail")
        if retryable and self.retry_count < self.max_retries:
            return attrs.evolve(
                self,
                status=TaskStatus.PENDING,
                retry_count=self.retry_count + 1,
                error_message=message,
                updated_at=now,
            )
        return attrs.evolve(
            self, status=TaskStatus.FAILED, error_message=message, completed_at=now, updated_at=now
        )

    @property
    def will_retry(self) -> bool:
        """Whether the task waits for another attempt after a failure."""
        return self.status is TaskStatus.PENDING and self.retry_count > 0
