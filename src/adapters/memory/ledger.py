"""Daily quota counters in a dict."""

from __future__ import annotations

from datetime import date


class MemoryQuotaLedger:
    """Per-user, per-day counts of reserved AI actions, for one process.

    No method awaits between reading and writing a count, so concurrent
    reservations on one event loop never overshoot the limit.
    """

    def __init__(self) -> None:
        self._used: dict[tuple[str, date], int] = {}

    async def try_reserve(self, user_id: str, day: date, limit: int) -> bool:
        """Take one action of the day's quota if fewer than `limit` are taken."""
        key = (user_id, day)
        used = self._used.get(key, 0)
        if used >= limit:
            return False
        self._used[key] = used + 1
        return True

    async def release(self, user_id: str, day: date) -> None:
        """Give back one action; the count never goes below zero."""
        key = (user_id, day)
        used = self._used.get(key, 0)
        if used <= 1:
            self._used.pop(key, None)
        else:
            self._used[key] = used - 1

    async def used(self, user_id: str, day: date) -> int:
        """Return how many actions are taken on `day`."""
        return self._used.get((user_id, day), 0)
