"""Contract of the cache: bytes with TTLs, deletable by key or prefix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from npc_core.ports import Cache

Advance = Callable[[float], Awaitable[None]]


class CacheContract:
    """What every `Cache` promises; subclasses bind `cache` and `advance`.

    `advance(seconds)` lets that much time pass for the cache (a manual clock, or
    real sleeping for a server).
    """

    @pytest.fixture
    def cache(self) -> Cache:
        raise NotImplementedError("bind cache to the adapter under test")

    @pytest.fixture
    def advance(self) -> Advance:
        raise NotImplementedError("bind advance to the clock the cache runs on")

    async def test_set_then_get(self, cache: Cache) -> None:
        """A stored value comes back byte for byte; a missing key is None."""
        await cache.set("movie:1", b"\x00\xff payload", 60)
        assert await cache.get("movie:1") == b"\x00\xff payload"
        assert await cache.get("movie:2") is None

    async def test_values_expire_after_their_ttl(self, cache: Cache, advance: Advance) -> None:
        """A value lives for its TTL and is gone after it."""
        await cache.set("short", b"1", 1)
        await cache.set("long", b"2", 60)
        assert await cache.get("short") == b"1"
        await advance(2)
        assert await cache.get("short") is None
        assert await cache.get("long") == b"2"

    async def test_setting_again_replaces_value_and_ttl(
        self, cache: Cache, advance: Advance
    ) -> None:
        """A second `set` overwrites the value and restarts the TTL."""
        await cache.set("key", b"old", 1)
        await cache.set("key", b"new", 60)
        await advance(2)
        assert await cache.get("key") == b"new"

    async def test_delete_removes_the_named_keys(self, cache: Cache) -> None:
        """`delete` removes every key named and ignores missing ones."""
        for key in ("a", "b", "c"):
            await cache.set(key, key.encode(), 60)
        await cache.delete("a", "b", "missing")
        await cache.delete()
        assert await cache.get("a") is None
        assert await cache.get("b") is None
        assert await cache.get("c") == b"c"

    async def test_delete_prefix_removes_only_that_prefix(self, cache: Cache) -> None:
        """`delete_prefix` clears a family of keys and nothing else."""
        for key in ("movie:1:detail", "movie:1:characters", "movie:12:detail", "search:movie:1"):
            await cache.set(key, b"v", 60)
        await cache.delete_prefix("movie:1:")
        assert await cache.get("movie:1:detail") is None
        assert await cache.get("movie:1:characters") is None
        assert await cache.get("movie:12:detail") == b"v"
        assert await cache.get("search:movie:1") == b"v"

    async def test_ping_succeeds_when_usable(self, cache: Cache) -> None:
        """A working cache answers `ping` without raising."""
        await cache.ping()
