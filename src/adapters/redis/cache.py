"""The shared cache on Redis: bytes with TTLs, degrading to misses when Redis is down.

The cache only ever costs speed, never correctness, so no Redis failure reaches the
caller: a read that cannot reach Redis is a miss, a write is skipped, and a circuit
breaker (`adapters.redis.breaker`) stops even trying for a few seconds after a
failure. `ping` alone raises, so that readiness can report the cache degraded.

One thing a skipped write could break is an invalidation: an edit made while Redis is
unreachable cannot delete the entries it made stale, and they would be served again
once Redis is back (it may have kept its data through a partition or a failover).
So a lost invalidation is remembered, and before this process uses Redis again it
clears its whole namespace. Other processes may serve those entries until then, or
until their TTL ends, whichever comes first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import cast

from redis.asyncio import Redis

from adapters.redis.breaker import UNAVAILABLE, Breaker
from adapters.redis.keys import CACHE, match_prefix

logger = logging.getLogger(__name__)


class RedisCache:
    """A `Cache` on Redis with every key under `namespace` (`npc:cache:` by default)."""

    def __init__(
        self,
        redis: Redis,
        *,
        namespace: str = CACHE,
        breaker: Breaker | None = None,
        scan_count: int = 500,
    ) -> None:
        if not namespace:
            # delete_prefix("") would otherwise clear every key in the database.
            raise ValueError("the cache needs a namespace of its own")
        self._redis = redis
        self._namespace = namespace
        self._breaker = breaker or Breaker("redis cache")
        self._scan_count = scan_count
        self._lost_invalidations = False
        self._clearing = False

    @property
    def healthy(self) -> bool:
        """Whether Redis answered the last time it was tried."""
        return self._breaker.healthy

    async def get(self, key: str) -> bytes | None:
        """The value, or None when missing, expired, or Redis is unreachable."""
        if not await self._usable():
            return None
        try:
            value: bytes | None = await self._redis.get(self._namespace + key)
        except UNAVAILABLE as error:
            self._breaker.failed("cache get", error)
            return None
        self._breaker.succeeded()
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store `value` for `ttl_seconds` (positive); skipped when Redis is unreachable."""
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if not await self._usable():
            return
        try:
            await self._redis.set(self._namespace + key, value, ex=ttl_seconds)
        except UNAVAILABLE as error:
            self._breaker.failed("cache set", error)
            return
        self._breaker.succeeded()

    async def delete(self, *keys: str) -> None:
        """Remove the keys; if Redis is unreachable, clear everything once it is back."""
        if not keys:
            return
        if not await self._usable():
            self._lost_invalidations = True
            return
        try:
            await self._redis.unlink(*(self._namespace + key for key in keys))
        except UNAVAILABLE as error:
            self._lost_invalidations = True
            self._breaker.failed("cache delete", error)
            return
        self._breaker.succeeded()

    async def delete_prefix(self, prefix: str) -> None:
        """Remove every key starting with `prefix` (SCAN and UNLINK in batches, never KEYS)."""
        if not await self._usable():
            self._lost_invalidations = True
            return
        try:
            await self._unlink_matching(self._namespace + prefix)
        except UNAVAILABLE as error:
            self._lost_invalidations = True
            self._breaker.failed("cache delete_prefix", error)
            return
        self._breaker.succeeded()

    async def ping(self) -> None:
        """Raise when Redis does not answer (readiness then reports the cache degraded)."""
        try:
            # redis-py types ping for its sync and async clients at once; ours awaits.
            await cast("Awaitable[bool]", self._redis.ping())
        except UNAVAILABLE as error:
            self._breaker.failed("cache ping", error)
            raise
        self._breaker.succeeded()

    async def _usable(self) -> bool:
        """Whether to use Redis now: the breaker is closed and no stale entry may remain."""
        if not self._breaker.allows():
            return False
        if not self._lost_invalidations:
            return True
        if self._clearing:
            return False  # entries may be stale until the clearing below is done
        # Cleared first: an invalidation lost while the scan runs sets it again.
        self._lost_invalidations = False
        self._clearing = True
        try:
            await self._unlink_matching(self._namespace)
        except UNAVAILABLE as error:
            self._lost_invalidations = True
            self._breaker.failed("cache clear after lost invalidations", error)
            return False
        finally:
            self._clearing = False
        self._breaker.succeeded()
        logger.warning("cleared the Redis cache: invalidations were lost while it was down")
        return True

    async def _unlink_matching(self, prefix: str) -> None:
        batch: list[bytes] = []
        pattern = match_prefix(prefix)
        async for key in self._redis.scan_iter(match=pattern, count=self._scan_count):
            batch.append(key)
            if len(batch) >= self._scan_count:
                await self._redis.unlink(*batch)
                batch.clear()
        if batch:
            await self._redis.unlink(*batch)
