"""Idempotency keys in Redis, shared by every API process.

One Redis key per (scope, key): an empty value while the first request runs, its
saved response once it is done. `claim` is SET NX, which Redis decides atomically
however many processes race, and every key carries the TTL the app passes (24 h), so
a claim whose process died frees itself in the end.

A Redis failure is not hidden here: answering "claimed" without Redis could run a
request twice, which is what the key exists to prevent; the request fails instead.
"""

from __future__ import annotations

from typing import Final

from redis.asyncio import Redis

from adapters.redis.keys import IDEMPOTENCY, idempotency

_RUNNING: Final = b""


class RedisIdempotencyStore:
    """An `IdempotencyStore` with every key under `namespace` (`npc:idem:` by default)."""

    def __init__(self, redis: Redis, *, namespace: str = IDEMPOTENCY) -> None:
        self._redis = redis
        self._namespace = namespace

    async def claim(self, scope: str, key: str, ttl_seconds: int) -> bool:
        """Take the key if nobody holds it; whether this caller got it."""
        _check(ttl_seconds)
        taken: bool | None = await self._redis.set(
            self._key(scope, key), _RUNNING, ex=ttl_seconds, nx=True
        )
        return bool(taken)

    async def save(self, scope: str, key: str, response: bytes, ttl_seconds: int) -> None:
        """Keep the finished response until the key expires."""
        _check(ttl_seconds)
        await self._redis.set(self._key(scope, key), response, ex=ttl_seconds)

    async def load(self, scope: str, key: str) -> bytes | None:
        """The saved response, or None while its request runs or when the key is unknown."""
        found: bytes | None = await self._redis.get(self._key(scope, key))
        return found or None

    async def forget(self, scope: str, key: str) -> None:
        """Drop the key, so that a retry may claim it."""
        await self._redis.unlink(self._key(scope, key))

    def _key(self, scope: str, key: str) -> str:
        return idempotency(self._namespace, scope, key)


def _check(ttl_seconds: int) -> None:
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")  # Redis would refuse EX 0
