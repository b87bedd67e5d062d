"""The circuit breaker of the Redis adapters, on a fake clock, and the cache behind it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import cast

import pytest
import redis.exceptions
from redis.asyncio import Redis

from adapters.redis.breaker import Breaker
from adapters.redis.cache import RedisCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> Breaker:
    return Breaker("test", cooldown=5, warn_every=60, clock=clock)


def test_closed_until_a_failure(breaker: Breaker) -> None:
    """A new breaker lets every call through and reports healthy."""
    assert breaker.healthy
    assert all(breaker.allows() for _ in range(3))


def test_a_failure_opens_it_for_the_cooldown(breaker: Breaker, clock: FakeClock) -> None:
    """After a failure no call goes through until the cooldown has passed."""
    breaker.failed("get", ConnectionError("refused"))
    assert not breaker.healthy
    assert not breaker.allows()
    clock.now += 4.9
    assert not breaker.allows()


def test_after_the_cooldown_one_caller_tries(breaker: Breaker, clock: FakeClock) -> None:
    """Once the cooldown is over exactly one call is let through; the rest wait another one."""
    breaker.failed("get", ConnectionError("refused"))
    clock.now += 5
    assert breaker.allows()
    assert not breaker.allows()
    clock.now += 5
    assert breaker.allows()


def test_success_closes_and_failure_reopens(breaker: Breaker, clock: FakeClock) -> None:
    """The trial call's success closes the breaker; its failure opens it for a new cooldown."""
    breaker.failed("get", ConnectionError("refused"))
    clock.now += 5
    assert breaker.allows()
    breaker.failed("get", ConnectionError("refused"))
    assert not breaker.allows()
    clock.now += 5
    assert breaker.allows()
    breaker.succeeded()
    assert breaker.healthy
    assert all(breaker.allows() for _ in range(3))


def test_warnings_are_rate_limited(
    breaker: Breaker, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Many failures within a minute log one warning; the next says how many it left out."""
    caplog.set_level(logging.INFO, logger="adapters.redis.breaker")
    for _ in range(50):
        breaker.failed("get", ConnectionError("refused"))
    assert len(caplog.records) == 1
    clock.now += 60
    breaker.failed("get", ConnectionError("refused"))
    assert len(caplog.records) == 2
    assert "49 similar warnings suppressed" in caplog.records[1].getMessage()


def test_recovery_is_logged_once_and_rearms_warnings(
    breaker: Breaker, caplog: pytest.LogCaptureFixture
) -> None:
    """Recovery logs once; a new outage right after it is reported at once."""
    caplog.set_level(logging.INFO, logger="adapters.redis.breaker")
    breaker.failed("get", ConnectionError("refused"))
    breaker.succeeded()
    breaker.succeeded()
    breaker.failed("get", ConnectionError("refused"))
    levels = [record.levelname for record in caplog.records]
    assert levels == ["WARNING", "INFO", "WARNING"]


class DeadRedis:
    """A client whose every command fails as a refused connection would, counting calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def _fail(self, *_args: object, **_kwargs: object) -> None:
        self.calls += 1
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    get = set = unlink = ping = _fail

    async def scan_iter(self, **_kwargs: object) -> AsyncIterator[bytes]:
        await self._fail()
        yield b""  # never reached; makes this an async generator, as redis-py's is


async def test_a_dead_redis_costs_the_cache_one_call_per_cooldown(clock: FakeClock) -> None:
    """Misses, skipped writes and no exceptions, while Redis is asked once per cooldown only."""
    dead = DeadRedis()
    cache = RedisCache(cast("Redis", dead), breaker=Breaker("test cache", cooldown=5, clock=clock))
    for _ in range(20):
        assert await cache.get("k") is None
        await cache.set("k", b"v", 60)
        await cache.delete("k")
        await cache.delete_prefix("k")
    assert dead.calls == 1
    assert not cache.healthy
    clock.now += 5
    assert await cache.get("k") is None
    assert await cache.get("k") is None
    assert dead.calls == 2
    with pytest.raises(redis.exceptions.ConnectionError):
        await cache.ping()  # readiness always asks Redis itself
    assert dead.calls == 3
