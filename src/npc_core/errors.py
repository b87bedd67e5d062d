"""Domain errors: one hierarchy, no transport codes.

NpcError
├── DomainValidationError      bad input; names each field
├── NotFound                   missing, or someone else's
├── Conflict                   stale version, duplicate, illegal state change
│   └── InvalidTransition
├── QuotaExceeded              daily AI actions used up
├── QueueUnavailable           the task queue cannot take work now
├── AuthenticationError
│   ├── TokenMissing / TokenInvalid / TokenExpired
│   └── IdentityRejected       the identity provider refused the login code
├── IdentityUnavailable        the identity provider could not be reached
└── UpstreamError              a workflow (or storage) call went wrong
    ├── WorkflowNotConfigured
    ├── UpstreamFailed
    ├── UpstreamBadOutput
    ├── UpstreamUnavailable
    │   ├── StorageUnavailable the object storage failed a call; worth retrying
    │   └── DatabaseUnavailable no database connection, or it died; worth retrying
    └── UpstreamTimeout

Every error has a stable machine `code`; the HTTP edge maps codes to statuses.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs


@attrs.frozen
class FieldIssue:
    """One bad field: a dotted path (`userFrames[2].order`) and why it is bad."""

    field: str
    reason: str


class NpcError(Exception):
    """Root of every error the core raises on purpose."""

    code: ClassVar[str] = "error"


class DomainValidationError(NpcError):
    """Input that breaks a rule; `issues` names each bad field."""

    code = "validation_error"

    def __init__(self, field: str, reason: str, *more: FieldIssue) -> None:
        self.issues: tuple[FieldIssue, ...] = (FieldIssue(field, reason), *more)
        super().__init__("; ".join(f"{i.field}: {i.reason}" for i in self.issues))

    @property
    def field(self) -> str:
        """The first bad field."""
        return self.issues[0].field

    def under(self, prefix: str) -> DomainValidationError:
        """The same issues, with their fields nested under `prefix`."""
        nested = [FieldIssue(f"{prefix}.{i.field}", i.reason) for i in self.issues]
        return DomainValidationError(nested[0].field, nested[0].reason, *nested[1:])


class NotFound(NpcError):
    """A missing resource; also another user's, so ids never leak."""

    code = "not_found"

    def __init__(self, entity: str, entity_id: str) -> None:
        self.entity = entity
        self.entity_id = entity_id
        super().__init__(f"{entity} {entity_id!r} not found")


class Conflict(NpcError):
    """The write lost a race (stale version) or would duplicate something."""

    code = "conflict"


class InvalidTransition(Conflict):
    """A state change the lifecycle does not allow (e.g. touching a finished task)."""


class QuotaExceeded(NpcError):
    """The user's daily AI actions are used up until `resets_at`."""

    code = "quota_exceeded"

    def __init__(self, limit: int, resets_at: datetime) -> None:
        self.limit = limit
        self.resets_at = resets_at
        super().__init__(
            f"daily quota of {limit} AI actions used up until {resets_at:%Y-%m-%dT%H:%M%z}"
        )


class QueueUnavailable(NpcError):
    """The task queue cannot take work now; the request may be retried shortly."""

    code = "queue_unavailable"


class AuthenticationError(NpcError):
    """The caller could not be identified."""

    code = "unauthenticated"


class TokenMissing(AuthenticationError):
    """No bearer token came with a request that needs one."""

    code = "token_missing"


class TokenInvalid(AuthenticationError):
    """The token is malformed, forged, or names no user."""

    code = "token_invalid"


class TokenExpired(AuthenticationError):
    """The token was valid once and has expired."""

    code = "token_expired"


class IdentityRejected(AuthenticationError):
    """The identity provider refused the login code (used, expired, forged)."""

    code = "wechat_code_invalid"


class IdentityUnavailable(NpcError):
    """The identity provider is busy or down; the login may be retried."""

    code = "identity_unavailable"

    def __init__(self, message: str, *, rate_limited: bool = False) -> None:
        self.rate_limited = rate_limited
        super().__init__(message)


class UpstreamError(NpcError):
    """A workflow run did not give a usable answer."""

    code = "upstream_failed"
    retryable: ClassVar[bool] = False

    def __init__(self, workflow: str, message: str) -> None:
        self.workflow = workflow
        self.message = message
        super().__init__(f"{workflow}: {message}")


class WorkflowNotConfigured(UpstreamError):
    """No Dify key is set for the workflow; `setting` names the variable to set."""

    code = "workflow_not_configured"

    def __init__(self, workflow: str, setting: str) -> None:
        self.setting = setting
        super().__init__(workflow, f"workflow not configured; set {setting}")


class UpstreamFailed(UpstreamError):
    """The workflow ran and failed (Dify status failed/stopped, or an error event)."""

    code = "upstream_failed"


class UpstreamBadOutput(UpstreamError):
    """The workflow finished without a required output, or with one of the wrong shape."""

    code = "upstream_bad_output"

    def __init__(self, workflow: str, key: str, reason: str = "missing") -> None:
        self.key = key
        super().__init__(workflow, f"output {key!r}: {reason}")


class UpstreamUnavailable(UpstreamError):
    """Dify could not be reached or refused for load; worth retrying later.

    `retry_after` is how many seconds to wait before trying again, when known.
    """

    code = "upstream_unavailable"
    retryable = True

    def __init__(self, workflow: str, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(workflow, message)


class UpstreamTimeout(UpstreamError):
    """The workflow did not answer within its deadline; worth retrying later."""

    code = "upstream_timeout"
    retryable = True


class StorageUnavailable(UpstreamUnavailable):
    """The object storage refused, failed or timed out a call; worth retrying later.

    Storage is an upstream service like Dify: task runs retry it and the HTTP edge
    answers 503, so it sits under `UpstreamUnavailable` (and keeps its code). Storage
    adapters report such failures as `OSError` (what a disk raises; the OSS adapter's
    errors are OSErrors too); the use cases raise this in their place. `key` names
    the file.
    """

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        super().__init__("storage", reason)
        # What a failed task's `error_message` shows: say what failed in plain words.
        self.args = (f"storage unavailable: {reason}",)


class DatabaseUnavailable(UpstreamUnavailable):
    """The database refused or dropped the connection, or none was free in time.

    Like storage, an upstream service: the HTTP edge answers 503 with `Retry-After`
    (and keeps the code), task runs retry. Nothing the unit of work wrote is kept: it
    never committed. `reason` says what failed, without the driver's message.
    """

    RETRY_AFTER_SECONDS: ClassVar[float] = 5.0

    def __init__(self, reason: str) -> None:
        super().__init__("database", reason, retry_after=self.RETRY_AFTER_SECONDS)
        self.args = (f"database unavailable: {reason}",)
