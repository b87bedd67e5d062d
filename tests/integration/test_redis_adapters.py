"""The Redis cache, quota ledger and idempotency store against a real Redis.

The port contracts run on database `NPC_TEST_REDIS_DB` (default 15) of the Redis on
127.0.0.1:6379, emptied before each test. Their `advance` shifts every TTL in that
database (`shift_ttls`), since the idempotency contract needs 61 s to pass; one test
below sleeps for real to show that Redis itself expires what the adapters store.
Outage tests run a `redis-server` of their own and kill it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import pytest
import redis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.redis.breaker import Breaker
from adapters.redis.cache import RedisCache
from adapters.redis.client import connect
from adapters.redis.idempotency import RedisIdempotencyStore
from adapters.redis.ledger import TTL_SECONDS, RedisQuotaLedger
from adapters.sql import SqlQuotaLedger, create_engine, migrate, sqlite_file_url
from npc_core.ports import QuotaLedger
from tests.contracts.cache import Advance, CacheContract
from tests.contracts.idempotency import IdempotencyContract
from tests.contracts.ledger import LedgerContract
from tests.contracts.sql import empty_tables
from tests.integration.redis_support import RedisServer, shift_ttls

# The fixtures `redis_url`, `redis_client` and `redis_server`.
pytest_plugins = ["tests.integration.redis_support"]

DAY = date(2025, 3, 1)
COUNTER = b"npc:quota:u1:2025-03-01"


class FakeClock:
    """Monotonic seconds that move only when told: breaker cooldowns without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = sqlite_file_url(Path(tmp_path_factory.mktemp("sqlite")) / "npc.sqlite3")
    migrate.upgrade(url)
    return url


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url)
    await empty_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def durable(engine: AsyncEngine) -> SqlQuotaLedger:
    return SqlQuotaLedger(engine)


class TestRedisCache(CacheContract):
    @pytest.fixture
    def cache(self, redis_client: Redis) -> RedisCache:
        return RedisCache(redis_client)

    @pytest.fixture
    def advance(self, redis_url: str) -> Advance:
        async def advance(seconds: float) -> None:
            shift_ttls(redis_url, seconds)

        return advance


class TestRedisLedger(LedgerContract):
    @pytest.fixture
    def ledger(self, redis_client: Redis) -> RedisQuotaLedger:
        return RedisQuotaLedger(redis_client)


class TestRedisLedgerOverSql(LedgerContract):
    @pytest.fixture
    def ledger(self, redis_client: Redis, durable: SqlQuotaLedger) -> RedisQuotaLedger:
        return RedisQuotaLedger(redis_client, durable)


class TestRedisIdempotency(IdempotencyContract):
    @pytest.fixture
    def idempotency(self, redis_client: Redis) -> RedisIdempotencyStore:
        return RedisIdempotencyStore(redis_client)

    @pytest.fixture
    def advance(self, redis_url: str) -> Callable[[float], None]:
        return lambda seconds: shift_ttls(redis_url, seconds)


async def test_redis_itself_expires_what_the_adapters_store(redis_client: Redis) -> None:
    """Cache values and idempotency keys stored for 1 s are gone 1.1 s later, in real time.

    (The contracts above move TTLs instead of waiting; this shows the TTLs are real.)
    """
    cache = RedisCache(redis_client)
    store = RedisIdempotencyStore(redis_client)
    await cache.set("k", b"v", 1)
    assert await store.claim("u1", "k", 1)
    await asyncio.sleep(1.1)
    assert await cache.get("k") is None
    assert await store.claim("u1", "k", 1)


async def test_each_adapter_keeps_to_its_namespace(redis_client: Redis) -> None:
    """Keys live under `npc:cache:`, `npc:quota:`, `npc:idem:`; clearing the cache spares the rest.

    Glob characters in a prefix are literal: `delete_prefix("a*")` spares `a-b`.
    """
    cache = RedisCache(redis_client)
    await cache.set("a*b", b"1", 60)
    await cache.set("a-b", b"2", 60)
    await RedisQuotaLedger(redis_client).try_reserve("u1", DAY, 5)
    await RedisIdempotencyStore(redis_client).claim("u1:POST:/api/x", "key", 60)
    assert sorted(await redis_client.keys()) == [
        b"npc:cache:a*b",
        b"npc:cache:a-b",
        b"npc:idem:14:u1:POST:/api/x:key",
        COUNTER,
    ]
    await cache.delete_prefix("a*")
    assert await cache.get("a-b") == b"2"
    await cache.delete_prefix("")
    assert sorted(await redis_client.keys()) == [b"npc:idem:14:u1:POST:/api/x:key", COUNTER]


async def test_delete_prefix_works_through_many_batches(redis_client: Redis) -> None:
    """`delete_prefix` removes every matching key when they span many SCAN/UNLINK batches."""
    cache = RedisCache(redis_client, scan_count=10)
    for n in range(95):
        await cache.set(f"movie:1:{n}", b"v", 60)
    await cache.set("movie:2:0", b"v", 60)
    await cache.delete_prefix("movie:1:")
    assert await redis_client.keys() == [b"npc:cache:movie:2:0"]


# Keys that the prefixes below would match if their glob characters were wildcards.
LOOK_ALIKES = ("ab1", "a1", "a", "b1", "\\1", "*1", "x")


@pytest.mark.parametrize("prefix", ["a*", "a?", "[ab]", "a\\", "\\*", "^"])
async def test_delete_prefix_takes_glob_characters_literally(
    redis_client: Redis, prefix: str
) -> None:
    """A prefix full of glob characters removes its own keys and no look-alike."""
    cache = RedisCache(redis_client)
    for key in (f"{prefix}1", f"{prefix}2", *LOOK_ALIKES):
        await cache.set(key, b"v", 60)
    await cache.delete_prefix(prefix)
    assert set(await redis_client.keys()) == {f"npc:cache:{key}".encode() for key in LOOK_ALIKES}


async def test_idempotency_scopes_and_keys_cannot_collide(redis_client: Redis) -> None:
    """(scope "a:b", key "c") and (scope "a", key "b:c") are different keys."""
    store = RedisIdempotencyStore(redis_client)
    assert await store.claim("a:b", "c", 60)
    assert await store.claim("a", "b:c", 60)


async def test_a_missing_counter_is_seeded_from_the_durable_count(
    redis_client: Redis, durable: SqlQuotaLedger
) -> None:
    """With 3 actions in the durable ledger and a limit of 5, Redis grants 2 more, not 5.

    The seeded counter expires after about two days, and both counts agree after.
    """
    for _ in range(3):
        assert await durable.try_reserve("u1", DAY, 100)
    ledger = RedisQuotaLedger(redis_client, durable)
    results = [await ledger.try_reserve("u1", DAY, 5) for _ in range(4)]
    assert results == [True, True, False, False]
    assert await redis_client.get(COUNTER) == b"5"
    assert TTL_SECONDS - 10 < await redis_client.ttl(COUNTER) <= TTL_SECONDS
    assert await durable.used("u1", DAY) == 5


async def test_losing_redis_data_gives_no_fresh_quota(
    redis_client: Redis, durable: SqlQuotaLedger
) -> None:
    """After Redis is flushed (a restart without persistence), the day's use still counts."""
    ledger = RedisQuotaLedger(redis_client, durable)
    assert [await ledger.try_reserve("u1", DAY, 3) for _ in range(3)] == [True] * 3
    await redis_client.flushdb()
    assert not await ledger.try_reserve("u1", DAY, 3)
    await ledger.release("u1", DAY)
    await redis_client.flushdb()
    assert await ledger.try_reserve("u1", DAY, 3)
    assert not await ledger.try_reserve("u1", DAY, 3)


async def test_reservations_and_releases_are_written_through(
    redis_client: Redis, durable: SqlQuotaLedger
) -> None:
    """Every granted reservation and every release reaches the durable ledger at once."""
    ledger = RedisQuotaLedger(redis_client, durable)
    await ledger.try_reserve("u1", DAY, 5)
    await ledger.try_reserve("u1", DAY, 5)
    assert await durable.used("u1", DAY) == 2
    await ledger.release("u1", DAY)
    assert await durable.used("u1", DAY) == 1
    assert await redis_client.get(COUNTER) == b"1"


class CountingLedger:
    """A durable ledger that counts the reservations it was asked for."""

    def __init__(self, inner: QuotaLedger) -> None:
        self.inner = inner
        self.asked = 0

    async def try_reserve(self, user_id: str, day: date, limit: int) -> bool:
        self.asked += 1
        return await self.inner.try_reserve(user_id, day, limit)

    async def release(self, user_id: str, day: date) -> None:
        await self.inner.release(user_id, day)

    async def used(self, user_id: str, day: date) -> int:
        return await self.inner.used(user_id, day)


async def test_two_clients_never_over_reserve(redis_url: str, redis_client: Redis) -> None:
    """200 concurrent reservations through two separate clients, limit 20: exactly 20 win.

    No durable ledger, so Redis's script alone decides (as it would for two processes).
    """
    first, second = connect(redis_url), connect(redis_url)
    try:
        ledgers = [RedisQuotaLedger(first), RedisQuotaLedger(second)]
        results = await asyncio.gather(
            *(ledgers[n % 2].try_reserve("u1", DAY, 20) for n in range(200))
        )
    finally:
        await first.aclose()
        await second.aclose()
    assert results.count(True) == 20
    assert await redis_client.get(COUNTER) == b"20"


@pytest.mark.usefixtures("redis_client")  # empties the database
async def test_refusals_never_reach_the_durable_ledger(
    redis_url: str, durable: SqlQuotaLedger
) -> None:
    """Of 200 concurrent reservations (limit 20, two clients), only the 20 granted touch SQL."""
    counting = CountingLedger(durable)
    first, second = connect(redis_url), connect(redis_url)
    try:
        ledgers = [RedisQuotaLedger(first, counting), RedisQuotaLedger(second, counting)]
        results = await asyncio.gather(
            *(ledgers[n % 2].try_reserve("u1", DAY, 20) for n in range(200))
        )
    finally:
        await first.aclose()
        await second.aclose()
    assert results.count(True) == 20
    assert counting.asked == 20
    assert await durable.used("u1", DAY) == 20


async def test_durable_ledger_refuses_what_redis_did_not_see(
    redis_client: Redis, durable: SqlQuotaLedger
) -> None:
    """Reservations taken in SQL while Redis was skipped still count once Redis is back.

    Redis is left one behind (it saw 1 of 3); its stale "yes" is refused by the durable
    ledger, the counter is dropped and seeded again, and the next refusal comes from
    Redis alone.
    """
    clock = FakeClock()
    breaker = Breaker("test ledger", cooldown=5, clock=clock)
    counting = CountingLedger(durable)
    ledger = RedisQuotaLedger(redis_client, counting, breaker=breaker)
    assert await ledger.try_reserve("u1", DAY, 3)
    breaker.failed("test", ConnectionError("partition"))
    assert await ledger.try_reserve("u1", DAY, 3)
    assert await ledger.try_reserve("u1", DAY, 3)
    assert await redis_client.get(COUNTER) == b"1"
    clock.now += 5
    assert not await ledger.try_reserve("u1", DAY, 3)
    assert await redis_client.exists(COUNTER) == 0
    asked = counting.asked
    assert not await ledger.try_reserve("u1", DAY, 3)
    assert counting.asked == asked
    assert await redis_client.get(COUNTER) == b"3"
    assert await durable.used("u1", DAY) == 3


async def test_a_release_redis_missed_is_repaired_when_it_answers(
    redis_client: Redis, durable: SqlQuotaLedger
) -> None:
    """A give-back made while Redis was skipped is not lost once Redis answers again."""
    clock = FakeClock()
    breaker = Breaker("test ledger", cooldown=5, clock=clock)
    ledger = RedisQuotaLedger(redis_client, durable, breaker=breaker)
    assert await ledger.try_reserve("u1", DAY, 2)
    assert await ledger.try_reserve("u1", DAY, 2)
    breaker.failed("test", ConnectionError("partition"))
    await ledger.release("u1", DAY)
    assert await redis_client.get(COUNTER) == b"2"
    clock.now += 5
    assert await ledger.try_reserve("u1", DAY, 2)
    assert not await ledger.try_reserve("u1", DAY, 2)
    assert await durable.used("u1", DAY) == 2


class BrokenLedger(CountingLedger):
    """A durable ledger whose database fails every reservation."""

    async def try_reserve(self, user_id: str, day: date, limit: int) -> bool:  # noqa: ARG002
        raise RuntimeError("database down")


async def test_a_failed_durable_write_takes_nothing(
    redis_client: Redis, durable: SqlQuotaLedger
) -> None:
    """When the durable write fails, the reservation raises and Redis gives its count back."""
    ledger = RedisQuotaLedger(redis_client, BrokenLedger(durable))
    with pytest.raises(RuntimeError, match="database down"):
        await ledger.try_reserve("u1", DAY, 3)
    assert await redis_client.get(COUNTER) == b"0"


async def test_outage_degrades_the_cache_and_falls_back_for_quotas(
    redis_server: RedisServer, durable: SqlQuotaLedger, caplog: pytest.LogCaptureFixture
) -> None:
    """A Redis that dies and comes back (empty) on the same port.

    While it is down: cache reads are quick misses, writes and deletes are skipped, no
    exception escapes, `ping` raises, `healthy` is False, and only a few warnings are
    logged for a hundred calls; quotas are still enforced, by the durable ledger. Once
    it is back: the cache works again, and the quota counter is seeded from the
    durable count, so the day's use survives the restart.
    """
    client = connect(redis_server.url)
    clock = FakeClock()
    cache = RedisCache(client, breaker=Breaker("test cache", cooldown=5, clock=clock))
    ledger = RedisQuotaLedger(
        client, durable, breaker=Breaker("test ledger", cooldown=5, clock=clock)
    )
    try:
        await cache.set("movie:1", b"detail", 60)
        assert await ledger.try_reserve("u1", DAY, 4)
        assert await ledger.try_reserve("u1", DAY, 4)

        redis_server.kill()
        caplog.set_level(logging.WARNING, logger="adapters.redis.breaker")
        started = time.perf_counter()
        for _ in range(100):
            assert await cache.get("movie:1") is None
            await cache.set("movie:1", b"detail", 60)
            await cache.delete("movie:1")
        assert time.perf_counter() - started < 0.5
        with pytest.raises(redis.exceptions.ConnectionError):
            await cache.ping()
        assert len(caplog.records) == 1, caplog.records  # one per minute at most
        assert await ledger.try_reserve("u1", DAY, 4)
        assert await ledger.try_reserve("u1", DAY, 4)
        assert not await ledger.try_reserve("u1", DAY, 4)
        assert (cache.healthy, ledger.healthy) == (False, False)
        assert await durable.used("u1", DAY) == 4

        redis_server.start()
        clock.now += 5
        await cache.ping()
        await cache.set("movie:1", b"fresh", 60)
        assert await cache.get("movie:1") == b"fresh"
        assert not await ledger.try_reserve("u1", DAY, 4)
        assert (cache.healthy, ledger.healthy) == (True, True)
        await ledger.release("u1", DAY)
        assert await ledger.try_reserve("u1", DAY, 4)
        assert await client.get(COUNTER) == b"4"
    finally:
        await client.aclose()


async def test_invalidations_lost_in_an_outage_clear_the_cache_after(
    redis_client: Redis,
) -> None:
    """An edit whose invalidation could not reach Redis cannot leave stale entries behind.

    Redis kept its data (a partition, not a restart): before the cache is used again,
    everything under its namespace is cleared, and other namespaces are spared.
    """
    clock = FakeClock()
    breaker = Breaker("test cache", cooldown=5, clock=clock)
    cache = RedisCache(redis_client, breaker=breaker)
    await cache.set("movie:1", b"old", 60)
    await cache.set("movie:2", b"other", 60)
    await redis_client.set(COUNTER, b"3")
    breaker.failed("test", ConnectionError("partition"))
    await cache.delete("movie:1")
    assert await redis_client.get(b"npc:cache:movie:1") == b"old"
    clock.now += 5
    assert await cache.get("movie:1") is None
    assert await cache.get("movie:2") is None
    assert await redis_client.keys() == [COUNTER]
    await cache.set("movie:1", b"new", 60)
    assert await cache.get("movie:1") == b"new"
