"""The daily quota of AI actions: reserve before the call, give back if it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from npc_core.errors import QuotaExceeded
from npc_core.model import UsageToday, User, next_quota_reset, quota_day
from npc_core.services.deps import Deps


async def reserve(deps: Deps, user: User) -> None:
    """Take one of today's AI actions or raise `QuotaExceeded`; atomic across processes."""
    now = deps.clock.now()
    limit = deps.settings.quota.daily_limit(user.membership)
    if not await deps.ledger.try_reserve(user.id, quota_day(now), limit):
        raise QuotaExceeded(limit, next_quota_reset(now))


async def release(deps: Deps, user_id: str, day_iso: str | None = None) -> None:
    """Give back an action reserved today (or on `day_iso`, for tasks that failed later)."""
    day = date.fromisoformat(day_iso) if day_iso else quota_day(deps.clock.now())
    await deps.ledger.release(user_id, day)


@asynccontextmanager
async def ai_action(deps: Deps, user: User) -> AsyncIterator[None]:
    """Run one AI action under the quota: a failure inside gives the action back."""
    await reserve(deps, user)
    try:
        yield
    except BaseException:
        await release(deps, user.id)
        raise


async def usage_today(deps: Deps, user: User) -> UsageToday:
    """What `user` has used of today's quota."""
    now = deps.clock.now()
    day = quota_day(now)
    return UsageToday(
        day=day,
        used=await deps.ledger.used(user.id, day),
        limit=deps.settings.quota.daily_limit(user.membership),
        resets_at=next_quota_reset(now),
    )
