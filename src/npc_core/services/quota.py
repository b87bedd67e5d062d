"""The daily quota of AI actions: reserve before the call, give back if it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from npc_core.errors import QuotaExceeded
from npc_core.model import UsageToday, User, next_quota_reset, quota_day
from npc_core.services.deps import Deps


async def reserve(deps: Deps, user: User) -> date:
    """Take one of today's AI actions or raise `QuotaExceeded`; the day it counts against.

    Atomic across processes. Give it back with `release` on that same day, even when
    the call it paid for ends after midnight.
    """
    now = deps.clock.now()
    day = quota_day(now)
    limit = deps.settings.quota.daily_limit(user.membership)
    if not await deps.ledger.try_reserve(user.id, day, limit):
        raise QuotaExceeded(limit, next_quota_reset(now))
    return day


async def release(deps: Deps, user_id: str, day: date) -> None:
    """Give back an action reserved on `day` (the AI call failed)."""
    await deps.ledger.release(user_id, day)


@asynccontextmanager
async def ai_action(deps: Deps, user: User) -> AsyncIterator[None]:
    """Run one AI action under the quota: a failure inside gives the action back."""
    day = await reserve(deps, user)
    try:
        yield
    except BaseException:
        await release(deps, user.id, day)
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
