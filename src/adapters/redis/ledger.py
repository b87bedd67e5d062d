"""Daily quota counters on Redis, atomic across processes, backed by the durable ledger.

How a reservation is decided (Redis is the fast arbiter, the durable ledger the record):

1. A Lua script reads the counter `npc:quota:{user}:{day}` and increments it only if it
   is below the limit: one atomic step however many processes race. Refusals end here,
   so a user over quota who keeps retrying costs Redis only, never the database.
2. A counter Redis does not have (the first action of the day, or Redis lost its data:
   flushed, restarted without persistence, failed over) is seeded from the durable
   ledger's count, inside the same script and only if still missing (SET NX
   semantics), so a Redis restart never hands a user a fresh quota.
3. A reservation Redis grants is then written to the durable ledger with the same
   limit. Its conditional increment is atomic too, which makes it a second gate: it
   refuses only when it knows of reservations Redis does not (taken through the
   fallback below, or made while a lost counter was being seeded again). The counter
   is then dropped, so the next call seeds it afresh. An action counts only when both
   agree, so the limit holds across processes, restarts and outages alike.
4. A release gives the action back to the durable ledger first, then to Redis.

Where the two counts may differ (always in the direction that refuses, never grants):

- For one SQL round trip after the Redis increment, Redis counts a reservation the
  durable count does not have yet. If the process dies in between, Redis keeps
  counting it (the user loses that action until the counter is seeded again); the
  durable count never had it, and nobody used it.
- A release that reaches the durable ledger but not Redis leaves Redis one high; this
  process drops that counter the next time it reaches Redis.
- After an outage Redis may be low for users who reserved through the fallback; gate 3
  catches that at the first disagreement.

While Redis cannot be reached (or the circuit breaker skips it after a failure), the
durable ledger answers alone; its SQL increment is atomic across processes, so quotas
stay enforced (never failing open), only slower. With no durable ledger, reservations
then raise: the quota fails closed.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError

from adapters.redis.breaker import UNAVAILABLE, Breaker
from adapters.redis.keys import QUOTA, quota
from npc_core.ports import QuotaLedger

# A counter outlives its day (Asia/Shanghai) with a margin, so that an action reserved
# before midnight can still be given back after it.
TTL_SECONDS: Final = 2 * 24 * 3600
_MISSING: Final = -1

# KEYS[1] counter; ARGV[1] limit, ARGV[2] TTL, ARGV[3] seed ("" = report a missing
# counter as -1 so the caller can read the durable count). 1 granted, 0 refused.
_RESERVE: Final = """
local used = redis.call('GET', KEYS[1])
if not used then
  if ARGV[3] == '' then return -1 end
  used = ARGV[3]
  redis.call('SET', KEYS[1], used, 'EX', ARGV[2])
end
if tonumber(used) >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
return 1
"""

# A missing counter stays missing: seeding it again from the durable count (which the
# release has already reached) gives the same result without a second round trip.
_RELEASE: Final = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then redis.call('DECR', KEYS[1]) end
return used
"""


class RedisQuotaLedger:
    """A `QuotaLedger` on Redis counters, written through to `durable` when given."""

    def __init__(
        self,
        redis: Redis,
        durable: QuotaLedger | None = None,
        *,
        namespace: str = QUOTA,
        ttl_seconds: int = TTL_SECONDS,
        breaker: Breaker | None = None,
    ) -> None:
        self._redis = redis
        self._durable = durable
        self._namespace = namespace
        self._ttl = ttl_seconds
        self._breaker = breaker or Breaker("redis quota ledger")
        self._reserve: AsyncScript = redis.register_script(_RESERVE)
        self._release: AsyncScript = redis.register_script(_RELEASE)
        # Counters this process knows to be off (a give-back that did not reach Redis):
        # dropped, to be seeded again from the durable count, once Redis answers.
        self._to_reseed: set[str] = set()

    @property
    def healthy(self) -> bool:
        """Whether Redis answered the last time it was tried."""
        return self._breaker.healthy

    async def try_reserve(self, user_id: str, day: date, limit: int) -> bool:
        """Take one action of the day's quota if fewer than `limit` are taken."""
        if limit <= 0:
            return False
        key = quota(self._namespace, user_id, day)
        granted = await self._reserve_in_redis(key, user_id, day, limit)
        if granted is None:
            return await self._fallback().try_reserve(user_id, day, limit)
        if not granted or self._durable is None:
            return granted
        try:
            recorded = await self._durable.try_reserve(user_id, day, limit)
        except BaseException:
            await self._give_back(key)  # the action was never taken
            raise
        if not recorded:
            await self._drop(key)  # Redis was behind the durable count: seed it again
        return recorded

    async def release(self, user_id: str, day: date) -> None:
        """Give back one action; the count never goes below zero."""
        if self._durable is not None:
            await self._durable.release(user_id, day)
        await self._give_back(quota(self._namespace, user_id, day))

    async def used(self, user_id: str, day: date) -> int:
        """Return how many actions are taken on `day`.

        The durable count when there is one: it is exact (every reservation that was
        granted is in it), where Redis may be ahead or behind for a moment.
        """
        if self._durable is not None:
            return await self._durable.used(user_id, day)
        if not await self._usable():
            raise _unavailable()
        try:
            value: bytes | None = await self._redis.get(quota(self._namespace, user_id, day))
        except UNAVAILABLE as error:
            self._breaker.failed("quota read", error)
            raise
        self._breaker.succeeded()
        return int(value or 0)

    async def _reserve_in_redis(self, key: str, user_id: str, day: date, limit: int) -> bool | None:
        """Redis's verdict, or None when Redis cannot be reached."""
        seed = "" if self._durable is not None else "0"
        result = await self._run_reserve(key, limit, seed)
        if result == _MISSING and self._durable is not None:
            seed = str(await self._durable.used(user_id, day))
            result = await self._run_reserve(key, limit, seed)
        return None if result is None else result == 1

    async def _run_reserve(self, key: str, limit: int, seed: str) -> int | None:
        if not await self._usable():
            return None
        try:
            result: int = await self._reserve(keys=[key], args=[limit, self._ttl, seed])
        except UNAVAILABLE as error:
            self._breaker.failed("quota reserve (using the durable ledger instead)", error)
            return None
        self._breaker.succeeded()
        return result

    async def _give_back(self, key: str) -> None:
        """Decrement the Redis counter; if Redis cannot be reached, drop it later."""
        if await self._usable():
            try:
                await self._release(keys=[key])
            except UNAVAILABLE as error:
                self._breaker.failed("quota release", error)
            else:
                self._breaker.succeeded()
                return
        if self._durable is None:
            # Nothing to seed it from: dropping the counter would give a whole day's
            # quota back, so it stays counted (the user loses one action at worst).
            self._breaker.warn(f"an action stays counted in {key}: Redis could not be reached")
            return
        self._to_reseed.add(key)

    async def _drop(self, key: str) -> None:
        try:
            await self._redis.unlink(key)
        except UNAVAILABLE as error:
            self._breaker.failed("quota counter reset", error)
            self._to_reseed.add(key)
        else:
            self._breaker.succeeded()

    async def _usable(self) -> bool:
        """Whether to use Redis now: the breaker allows it and stale counters are gone."""
        if not self._breaker.allows():
            return False
        if not self._to_reseed:
            return True
        stale = list(self._to_reseed)
        try:
            await self._redis.unlink(*stale)
        except UNAVAILABLE as error:
            self._breaker.failed("quota counter reset", error)
            return False
        self._breaker.succeeded()
        self._to_reseed.difference_update(stale)
        return True

    def _fallback(self) -> QuotaLedger:
        if self._durable is None:
            raise _unavailable()
        return self._durable


def _unavailable() -> RedisConnectionError:
    return RedisConnectionError("quota counters unavailable: Redis cannot be reached")
