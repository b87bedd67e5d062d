"""Users, membership and the daily quota of AI actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum

import attrs

from npc_core.model import _checks, limits

# China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact
# and keeps the core free of tz databases.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


class Membership(StrEnum):
    """The membership tiers; each has its own daily quota."""

    FREE = "free"
    PREMIUM = "premium"


@attrs.frozen
class QuotaPolicy:
    """Daily AI actions per membership tier (from settings)."""

    free_daily: int = attrs.field(default=20, validator=_checks.integer_in(0, 1_000_000))
    premium_daily: int = attrs.field(default=200, validator=_checks.integer_in(0, 1_000_000))

    def daily_limit(self, membership: Membership) -> int:
        """How many AI actions a member of this tier may use per local day."""
        return self.premium_daily if membership is Membership.PREMIUM else self.free_daily


def quota_day(now: datetime) -> date:
    """The calendar day in Asia/Shanghai that a usage at `now` counts against."""
    return now.astimezone(SHANGHAI).date()


def next_quota_reset(now: datetime) -> datetime:
    """The next local midnight after `now` (UTC), when the daily quota refills."""
    tomorrow = quota_day(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), SHANGHAI).astimezone(UTC)


@attrs.frozen
class User:
    """A mini-program user, identified by the WeChat openid."""

    id: str
    openid: str = attrs.field(validator=_checks.text(limits.NAME))
    created_at: datetime
    updated_at: datetime
    nickname: str | None = attrs.field(default=None, validator=_checks.optional_text(50))
    avatar_url: str | None = attrs.field(default=None, validator=_checks.optional_text(limits.URL))
    membership: Membership = Membership.FREE
    usage_count: int = attrs.field(default=0, validator=_checks.integer_in(0, 2**62))

    def record_usage(self, now: datetime) -> User:
        """One more successful AI action."""
        return attrs.evolve(self, usage_count=self.usage_count + 1, updated_at=now)


@attrs.frozen
class UsageToday:
    """What a user has used of today's quota."""

    day: date
    used: int
    limit: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        """AI actions still available today."""
        return max(0, self.limit - self.used)
