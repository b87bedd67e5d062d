"""The retry policy: what is retried, how long it waits, and when it gives up (fake clock)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.dify.retry import (
    Attempts,
    Exhausted,
    Retryable,
    RetryPolicy,
    Trouble,
    parse_retry_after,
    retrying,
)


@attrs.define
class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    now: float = 0.0
    sleeps: list[float] = attrs.field(factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(
    *troubles: Retryable, result: str = "ok"
) -> tuple[list[int], Callable[[], Awaitable[str]]]:
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) <= len(troubles):
            raise troubles[len(calls) - 1]
        return result

    return calls, attempt


async def test_a_success_after_troubles_returns_and_counts_attempts() -> None:
    """Two retryable failures, then success: the result, three attempts, two waits."""
    fake = FakeTime()
    _, attempt = failing(
        Retryable(Trouble.SERVER_ERROR, "HTTP 502"), Retryable(Trouble.CONNECTION, "reset")
    )
    attempts = Attempts()
    result = await retrying(
        attempt,
        RetryPolicy(attempts=3),
        deadline=100,
        attempts=attempts,
        clock=fake.clock,
        sleep=fake.sleep,
        rng=lambda: 1.0,
    )
    assert result == "ok"
    assert attempts.count == 3
    assert fake.sleeps == [0.5, 1.0]  # base 0.5 doubled, full jitter at its ceiling


async def test_attempts_are_bounded() -> None:
    """After `attempts` failures the last trouble is raised as Exhausted; no more calls."""
    fake = FakeTime()
    calls, attempt = failing(*[Retryable(Trouble.SERVER_ERROR, "HTTP 500")] * 5)
    with pytest.raises(Exhausted) as caught:
        await retrying(
            attempt,
            RetryPolicy(attempts=3),
            deadline=100,
            clock=fake.clock,
            sleep=fake.sleep,
        )
    assert len(calls) == 3
    assert caught.value.attempts == 3
    assert caught.value.last.detail == "HTTP 500"


async def test_retry_after_is_honoured() -> None:
    """A 429's Retry-After is waited for, even when the backoff would be shorter."""
    fake = FakeTime()
    _, attempt = failing(Retryable(Trouble.RATE_LIMITED, "HTTP 429", retry_after=3.0))
    await retrying(
        attempt,
        RetryPolicy(),
        deadline=100,
        clock=fake.clock,
        sleep=fake.sleep,
        rng=lambda: 0.0,
    )
    assert fake.sleeps == [3.0]


async def test_a_retry_after_too_long_is_handed_back_at_once() -> None:
    """Retry-After beyond `max_retry_after` is not waited for: Exhausted carries it."""
    fake = FakeTime()
    calls, attempt = failing(Retryable(Trouble.RATE_LIMITED, "HTTP 429", retry_after=120.0))
    with pytest.raises(Exhausted) as caught:
        await retrying(
            attempt,
            RetryPolicy(max_retry_after=30),
            deadline=1000,
            clock=fake.clock,
            sleep=fake.sleep,
        )
    assert len(calls) == 1
    assert fake.sleeps == []
    assert caught.value.last.retry_after == 120.0


async def test_no_wait_runs_past_the_deadline() -> None:
    """When the next wait would end after the deadline, the call gives up instead of sleeping."""
    fake = FakeTime()
    calls, attempt = failing(*[Retryable(Trouble.TIMEOUT, "read timeout")] * 5)
    with pytest.raises(Exhausted):
        await retrying(
            attempt,
            RetryPolicy(attempts=5, base_delay=1.0),
            deadline=1.5,
            clock=fake.clock,
            sleep=fake.sleep,
            rng=lambda: 1.0,
        )
    assert fake.sleeps == [1.0]  # the second wait (2 s) would pass 1.5
    assert len(calls) == 2


async def test_other_errors_are_not_retried() -> None:
    """An error that is not Retryable (a 400, a bug) goes straight through after one attempt."""
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(1)
        raise ValueError("bad request")

    with pytest.raises(ValueError, match="bad request"):
        await retrying(attempt, RetryPolicy(), deadline=100)
    assert calls == [1]


@given(
    st.integers(min_value=1, max_value=20),
    st.floats(min_value=0, max_value=1),
    st.one_of(st.none(), st.floats(min_value=0, max_value=60)),
)
def test_backoff_is_jittered_within_its_ceiling(
    failed: int, draw: float, retry_after: float | None
) -> None:
    """A wait is between 0 and min(max_delay, base * 2^(n-1)), and never below Retry-After."""
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    wait = policy.backoff(failed, retry_after, lambda: draw)
    ceiling = min(8.0, 0.5 * 2 ** (failed - 1))
    if retry_after is None:
        assert 0 <= wait <= ceiling
    else:
        assert wait >= retry_after
        assert wait <= max(retry_after, ceiling)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("inf", None),
        ("nan", None),
    ],
)
def test_retry_after_headers_parse(header: str | None, seconds: float | None) -> None:
    """Retry-After is delta-seconds or an HTTP date; nonsense and non-finite values are None."""
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == seconds
