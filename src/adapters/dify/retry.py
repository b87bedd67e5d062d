"""When to try a Dify call again, and how long to wait first (DIFY.md Part A).

Worth another attempt: 429 (after its `Retry-After`), 500/502/503/504, connection
errors and timeouts. Never: any other 4xx. Waits grow exponentially with full
jitter, attempts are bounded, and no wait may run past the call's deadline; a
`Retry-After` longer than `max_retry_after` is not waited for but handed to the
caller, who tells the client when to come back.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import TypeVar

import attrs

T = TypeVar("T")
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class Trouble(StrEnum):
    """Why an attempt failed in a way worth retrying."""

    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    CONNECTION = "connection"
    TIMEOUT = "timeout"


class Retryable(Exception):
    """An attempt failed in a way another attempt may not."""

    def __init__(self, trouble: Trouble, detail: str, retry_after: float | None = None) -> None:
        self.trouble = trouble
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(f"{trouble}: {detail}")


class Exhausted(Exception):
    """No attempt succeeded: the last trouble, after how many attempts."""

    def __init__(self, last: Retryable, attempts: int) -> None:
        self.last = last
        self.attempts = attempts
        super().__init__(f"{last} (after {attempts} attempts)")


@attrs.frozen
class RetryPolicy:
    """Bounded attempts with jittered exponential backoff."""

    attempts: int = attrs.field(default=3, validator=attrs.validators.ge(1))
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0

    def backoff(self, failed: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        """The wait after the `failed`-th failed attempt: full jitter, at least `retry_after`."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (failed - 1))
        jittered = ceiling * rng()
        return jittered if retry_after is None else max(retry_after, jittered)


@attrs.define
class Attempts:
    """How many attempts a call has made so far (read after the call for its log line)."""

    count: int = 0


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    deadline: float,
    attempts: Attempts | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    """`attempt()` until it returns, retrying `Retryable` failures as `policy` allows.

    `deadline` is on `clock`'s scale. Raises `Exhausted` when attempts run out, when
    the next wait would pass the deadline, or when `Retry-After` asks for too long.
    """
    attempts = attempts if attempts is not None else Attempts()
    while True:
        attempts.count += 1
        try:
            return await attempt()
        except Retryable as trouble:
            if attempts.count >= policy.attempts:
                raise Exhausted(trouble, attempts.count) from trouble
            if trouble.retry_after is not None and trouble.retry_after > policy.max_retry_after:
                raise Exhausted(trouble, attempts.count) from trouble
            wait = policy.backoff(attempts.count, trouble.retry_after, rng)
            if clock() + wait >= deadline:
                raise Exhausted(trouble, attempts.count) from trouble
            await sleep(wait)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
