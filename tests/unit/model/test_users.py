"""Users, membership and the daily quota day in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import (
    SHANGHAI,
    Membership,
    QuotaPolicy,
    UsageToday,
    User,
    next_quota_reset,
    quota_day,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
# Hypothesis takes naive bounds and attaches the drawn zone itself.
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=offsets,
)


@given(instants)
def test_the_quota_day_is_the_calendar_day_in_shanghai(now: datetime) -> None:
    """Whatever zone `now` is given in, it counts against the UTC+8 calendar day."""
    assert quota_day(now) == (now.astimezone(UTC) + timedelta(hours=8)).date()


@given(instants)
def test_the_quota_resets_at_the_next_local_midnight(now: datetime) -> None:
    """The reset is the first Shanghai midnight strictly after `now`, given in UTC."""
    reset = next_quota_reset(now)
    assert reset.utcoffset() == timedelta(0)
    assert now < reset <= now + timedelta(days=1)
    assert reset.astimezone(SHANGHAI).time() == time(0)
    assert quota_day(reset) == quota_day(now) + timedelta(days=1)
    assert quota_day(reset - timedelta(microseconds=1)) == quota_day(now)


def test_quota_day_turns_at_sixteen_hundred_utc() -> None:
    """15:59:59 UTC is still the day's last second in Shanghai; 16:00 UTC is the next day."""
    assert quota_day(datetime(2024, 1, 1, 15, 59, 59, tzinfo=UTC)) == date(2024, 1, 1)
    assert quota_day(datetime(2024, 1, 1, 16, 0, tzinfo=UTC)) == date(2024, 1, 2)
    assert next_quota_reset(datetime(2024, 1, 1, 10, 0, tzinfo=UTC)) == datetime(
        2024, 1, 1, 16, 0, tzinfo=UTC
    )
    assert next_quota_reset(datetime(2024, 1, 1, 16, 0, tzinfo=UTC)) == datetime(
        2024, 1, 2, 16, 0, tzinfo=UTC
    )


def test_each_tier_has_its_daily_limit() -> None:
    """Free and premium members get their own daily number of AI actions."""
    policy = QuotaPolicy(free_daily=5, premium_daily=50)
    assert policy.daily_limit(Membership.FREE) == 5
    assert policy.daily_limit(Membership.PREMIUM) == 50
    assert QuotaPolicy().daily_limit(Membership.PREMIUM) > QuotaPolicy().daily_limit(
        Membership.FREE
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"free_daily": -1}, "freeDaily"), ({"premium_daily": 1.5e6}, "premiumDaily")],
)
def test_quota_limits_are_validated(changes: dict[str, int], field: str) -> None:
    """A negative or absurd daily limit is refused, naming the setting."""
    with pytest.raises(DomainValidationError) as caught:
        QuotaPolicy(**changes)
    assert caught.value.field == field


@given(st.integers(0, 1_000), st.integers(0, 1_000))
def test_remaining_actions_are_never_negative(used: int, limit: int) -> None:
    """What is left of today's quota is the limit minus the usage, floored at zero."""
    usage = UsageToday(date(2024, 5, 1), used, limit, next_quota_reset(NOW))
    assert usage.remaining == max(0, limit - used)


def test_recording_usage_counts_one_more_action() -> None:
    """Each successful AI action adds one to the user's count and touches `updated_at`."""
    user = User("u1", "openid-1", NOW, NOW)
    later = NOW + timedelta(minutes=1)
    used = user.record_usage(later).record_usage(later)
    assert (used.usage_count, used.updated_at, used.membership) == (2, later, Membership.FREE)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"openid": ""}, "openid"),
        ({"nickname": "x" * 51}, "nickname"),
        ({"avatar_url": "h" * 2_049}, "avatarUrl"),
        ({"usage_count": -1}, "usageCount"),
    ],
)
def test_user_fields_are_validated(changes: dict[str, object], field: str) -> None:
    """A user's openid, nickname, avatar and usage count are checked, naming the field."""
    with pytest.raises(DomainValidationError) as caught:
        User(**{"id": "u1", "openid": "o", "created_at": NOW, "updated_at": NOW, **changes})  # type: ignore[arg-type]
    assert caught.value.field == field
