"""Clocks: the system's, and one that tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

DEFAULT_START: Final = datetime(2025, 1, 1, tzinfo=UTC)


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # A naive time is ambiguous, and the core compares aware UTC times only.
        raise ValueError("the clock needs a timezone-aware time")
    return moment.astimezone(UTC)


class ManualClock:
    """A clock that stands still until told to move: time-dependent tests stay exact."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = _utc(start)

    def now(self) -> datetime:
        """Return the clock's current time."""
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` and return the new time."""
        if seconds < 0:
            raise ValueError("a clock only advances; use set() to go back")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (timezone-aware)."""
        self._now = _utc(moment)
