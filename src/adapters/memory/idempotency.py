"""Idempotency keys in process memory, expiring by the injected clock."""

from __future__ import annotations

from npc_core.ports import Clock

_RUNNING = b""


class MemoryIdempotencyStore:
    """One process's idempotency keys: enough for the embedded mode and tests."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[bytes, float]] = {}

    def _live(self, scope: str, key: str) -> bytes | None:
        entry = self._entries.get((scope, key))
        if entry is None:
            return None
        if entry[1] <= self._clock.now().timestamp():
            del self._entries[(scope, key)]
            return None
        return entry[0]

    async def claim(self, scope: str, key: str, ttl_seconds: int) -> bool:
        """Take the key if nobody holds it (no await in between: atomic in asyncio)."""
        if self._live(scope, key) is not None:
            return False
        self._entries[(scope, key)] = (_RUNNING, self._clock.now().timestamp() + ttl_seconds)
        return True

    async def save(self, scope: str, key: str, response: bytes, ttl_seconds: int) -> None:
        """Keep the response until the key expires."""
        self._entries[(scope, key)] = (response, self._clock.now().timestamp() + ttl_seconds)

    async def load(self, scope: str, key: str) -> bytes | None:
        """The saved response, or None while running or when unknown."""
        found = self._live(scope, key)
        return found or None

    async def forget(self, scope: str, key: str) -> None:
        """Drop the key."""
        self._entries.pop((scope, key), None)
