"""A TTL cache in a dict, on an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from npc_core.ports import Clock


class MemoryCache:
    """A byte cache whose entries expire by the clock, like Redis keys with a TTL."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[bytes, datetime]] = {}

    async def get(self, key: str) -> bytes | None:
        """Return the value, or None when missing or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if self._clock.now() >= expires_at:
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store `value` for `ttl_seconds` (positive, as Redis requires)."""
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._entries[key] = (bytes(value), self._clock.now() + timedelta(seconds=ttl_seconds))

    async def delete(self, *keys: str) -> None:
        """Remove the keys, if present."""
        for key in keys:
            self._entries.pop(key, None)

    async def delete_prefix(self, prefix: str) -> None:
        """Remove every key starting with `prefix`."""
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]

    async def ping(self) -> None:
        """Succeed: memory is always there."""
