"""Behaviour of the in-memory infrastructure adapters beyond their port contracts."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.memory import (
    DevelopmentIdentityProvider,
    ManualClock,
    MemoryCache,
    MemoryObjectStorage,
    MemoryTaskQueue,
    MemoryTokenIssuer,
    QueuedTask,
    SequentialIds,
    SystemClock,
    UuidGenerator,
)
from npc_core.errors import IdentityRejected, TokenExpired, TokenInvalid
from npc_core.ports import (
    Cache,
    Clock,
    IdentityProvider,
    IdGenerator,
    Lane,
    ObjectStorage,
    TaskQueue,
    TokenIssuer,
)

URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def test_the_adapters_satisfy_their_ports() -> None:
    """Each adapter is its port (checked by mypy through these assignments)."""
    clock = ManualClock()
    ports: list[object] = []
    system: Clock = SystemClock()
    ids: IdGenerator = SequentialIds()
    random_ids: IdGenerator = UuidGenerator()
    identity: IdentityProvider = DevelopmentIdentityProvider()
    tokens: TokenIssuer = MemoryTokenIssuer(clock)
    cache: Cache = MemoryCache(clock)
    storage: ObjectStorage = MemoryObjectStorage()
    queue: TaskQueue = MemoryTaskQueue()
    ports.extend([system, ids, random_ids, identity, tokens, cache, storage, queue])
    assert all(port is not None for port in ports)


async def test_the_same_code_is_the_same_user() -> None:
    """A development login code always maps to the same openid; different codes differ."""
    provider = DevelopmentIdentityProvider()
    first, again = await provider.identify("alice"), await provider.identify("alice")
    other = await provider.identify("bob")
    assert first == again
    assert first.openid != other.openid
    assert first.openid.startswith("dev-")
    assert first.unionid is None
    assert (await DevelopmentIdentityProvider(prefix="t-").identify("alice")).openid.startswith(
        "t-"
    )


@pytest.mark.parametrize("code", ["", "   ", "invalid"])
async def test_refused_codes_are_rejected(code: str) -> None:
    """An empty code and the code `invalid` exercise the rejected-login path."""
    with pytest.raises(IdentityRejected):
        await DevelopmentIdentityProvider().identify(code)


def test_a_token_names_its_user_until_it_expires() -> None:
    """`verify` returns the user id within the lifetime and `TokenExpired` from its end."""
    clock = ManualClock()
    issuer = MemoryTokenIssuer(clock, ttl_seconds=60)
    issued = issuer.issue("u1")
    assert issued.expires_in == 60
    assert len(issued.token) >= 32
    assert URL_SAFE.match(issued.token)
    clock.advance(59)
    assert issuer.verify(issued.token) == "u1"
    clock.advance(1)
    with pytest.raises(TokenExpired):
        issuer.verify(issued.token)


def test_unknown_tokens_are_invalid() -> None:
    """A token this issuer never issued is `TokenInvalid`, not expired."""
    issuer = MemoryTokenIssuer(ManualClock())
    issuer.issue("u1")
    with pytest.raises(TokenInvalid):
        issuer.verify("forged-token")


def test_tokens_are_distinct_per_issue() -> None:
    """Issuing twice for one user gives two different tokens, both valid."""
    issuer = MemoryTokenIssuer(ManualClock())
    first, second = issuer.issue("u1"), issuer.issue("u1")
    assert first.token != second.token
    assert issuer.verify(first.token) == issuer.verify(second.token) == "u1"


def test_the_manual_clock_moves_only_when_told() -> None:
    """The clock stands still, advances by seconds, and jumps to aware times in UTC."""
    clock = ManualClock(datetime(2025, 6, 1, 12, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert clock.advance(90) == datetime(2025, 6, 1, 12, 1, 30, tzinfo=UTC)
    clock.set(datetime(2025, 6, 2, 8, tzinfo=timezone(timedelta(hours=8))))
    assert clock.now() == datetime(2025, 6, 2, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_the_manual_clock_refuses_naive_times_and_going_back() -> None:
    """Naive times are ambiguous and negative advances are a bug in the test."""
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2025, 1, 1))  # noqa: DTZ001 - the naive time is the point
    with pytest.raises(ValueError, match="advances"):
        ManualClock().advance(-1)


def test_the_system_clock_is_aware_utc() -> None:
    """The system clock gives timezone-aware UTC times."""
    assert SystemClock().now().tzinfo is UTC


def test_sequential_ids_repeat_exactly() -> None:
    """Two generators with the same start and seed produce the same ids and tokens."""
    first, second = SequentialIds(), SequentialIds()
    ids = [first.new_id(), first.new_token(), first.new_id()]
    assert ids == [second.new_id(), second.new_token(), second.new_id()]
    assert ids[0] == "00000000-0000-0000-0000-000000000001"
    assert ids[2] == "00000000-0000-0000-0000-000000000002"


def test_sequential_tokens_look_like_real_ones() -> None:
    """Tokens are URL-safe, as long as `token_urlsafe` of the same size, and all different."""
    ids = SequentialIds(seed="x")
    tokens = [ids.new_token() for _ in range(100)]
    assert len(set(tokens)) == 100
    assert all(len(t) == 22 and URL_SAFE.match(t) for t in tokens)
    assert len(ids.new_token(32)) == 43
    assert SequentialIds(seed="y").new_token() != SequentialIds(seed="x").new_token()


def test_uuid_ids_are_uuid_strings() -> None:
    """Random ids are 36-character UUIDs; tokens carry the bytes asked for."""
    generator = UuidGenerator()
    value = generator.new_id()
    assert len(value) == 36
    assert str(uuid.UUID(value)) == value
    assert len(generator.new_token()) >= 22


async def test_premium_work_and_higher_priority_go_first() -> None:
    """Without a lane, premium ids come before free, higher priority first, then arrival."""
    queue = MemoryTaskQueue()
    await queue.enqueue("free-low", Lane.FREE, 1)
    await queue.enqueue("free-high", Lane.FREE, 9)
    await queue.enqueue("premium-a", Lane.PREMIUM)
    await queue.enqueue("premium-b", Lane.PREMIUM)
    await queue.enqueue("premium-urgent", Lane.PREMIUM, 10)
    expected = ["premium-urgent", "premium-a", "premium-b", "free-high", "free-low"]
    assert queue.pending() == expected
    assert queue.pending(Lane.FREE) == ["free-high", "free-low"]
    assert [queue.take() for _ in range(6)] == [*expected, None]


async def test_a_taken_id_may_be_enqueued_again() -> None:
    """Once taken, an id can be queued again (the reconciler re-enqueues lost work)."""
    queue = MemoryTaskQueue()
    await queue.enqueue("t1", Lane.FREE)
    await queue.enqueue("t1", Lane.PREMIUM)
    assert queue.take() == "t1"
    await queue.enqueue("t1", Lane.PREMIUM, 7)
    assert queue.pending(Lane.PREMIUM) == ["t1"]
    assert queue.enqueued == [
        QueuedTask("t1", Lane.FREE, 5, 0),
        QueuedTask("t1", Lane.PREMIUM, 7, 1),
    ]


async def test_a_cache_ttl_must_be_positive() -> None:
    """A zero or negative TTL is refused, as Redis refuses it."""
    cache = MemoryCache(ManualClock())
    with pytest.raises(ValueError, match="positive"):
        await cache.set("k", b"v", 0)


async def test_a_cache_value_expires_exactly_at_its_ttl() -> None:
    """A value is there one second before its TTL ends and gone at the end."""
    clock = ManualClock()
    cache = MemoryCache(clock)
    await cache.set("k", b"v", 10)
    clock.advance(9)
    assert await cache.get("k") == b"v"
    clock.advance(1)
    assert await cache.get("k") is None


async def test_storage_urls_name_key_and_lifetime() -> None:
    """Memory URLs carry the key and lifetime; the stored type is kept per key."""
    storage = MemoryObjectStorage()
    await storage.put("comics/c 1/panel-1.png", b"\x89PNG", "image/png")
    assert await storage.url("comics/c 1/panel-1.png", 300) == (
        "memory://comics/c%201/panel-1.png?expires=300"
    )
    assert storage.content_type("comics/c 1/panel-1.png") == "image/png"
    assert storage.content_type("missing") is None
    assert storage.keys() == ["comics/c 1/panel-1.png"]


async def test_stored_bytes_are_a_private_copy() -> None:
    """Changing the buffer that was stored does not change the stored file."""
    storage = MemoryObjectStorage()
    buffer = bytearray(b"abc")
    await storage.put("k", buffer, "text/plain")  # type: ignore[arg-type]
    buffer[0] = ord("z")
    assert await storage.get("k") == b"abc"
