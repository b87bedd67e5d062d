"""Daily quota counters in the database, shared by every process.

Each operation is its own short transaction on its own connection, so a reservation
is counted (or given back) the moment it is made, whatever the caller's unit of work
does later. A reservation is one conditional increment,
`UPDATE ... SET used = used + 1 WHERE user_id = ? AND day = ? AND used < :limit`,
which the database decides atomically however many processes race. The first
reservation of a day inserts the row; if another process inserted it first, the
duplicate key sends us back to the increment. A deadlock or lock wait timeout is
retried once, whole: the ledger owns these transactions, so a retry is always sound.
The database unreachable is `DatabaseUnavailable`, as for a unit of work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sql import gate
from adapters.sql.errors import Failure, classify, conflict, unavailable
from adapters.sql.tables import quota_usage

T = TypeVar("T")


class SqlQuotaLedger:
    """Per-user, per-day counts of reserved AI actions."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def try_reserve(self, user_id: str, day: date, limit: int) -> bool:
        """Take one action of the day's quota if fewer than `limit` are taken."""
        if limit <= 0:
            return False
        if await self._transaction(lambda c: _increment(c, user_id, day, limit)):
            return True
        if await self._transaction(lambda c: _insert_first(c, user_id, day)):
            return True
        return await self._transaction(lambda c: _increment(c, user_id, day, limit))

    async def release(self, user_id: str, day: date) -> None:
        """Give back one action; the count never goes below zero."""

        async def give_back(connection: AsyncConnection) -> None:
            await connection.execute(
                update(quota_usage)
                .where(_key(user_id, day), quota_usage.c.used > 0)
                .values(used=quota_usage.c.used - 1)
            )

        await self._transaction(give_back)

    async def used(self, user_id: str, day: date) -> int:
        """Return how many actions are taken on `day`."""

        async def read(connection: AsyncConnection) -> int:
            found = await connection.execute(select(quota_usage.c.used).where(_key(user_id, day)))
            return int(found.scalar() or 0)

        return await self._transaction(read)

    async def _transaction(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `work` in its own transaction, in line with the units of work (`gate`).

        A connection the ledger took past the line would leave a unit of work that is
        next in line waiting at the pool instead. An outage is `DatabaseUnavailable`
        (503), as for units of work; it is never called inside one (it would then
        hold two turns at once).
        """
        for attempt in range(2):
            turn = None
            try:
                turn = await gate.enter(self._engine)
                async with self._engine.begin() as connection:
                    return await work(connection)
            except PoolTimeout as error:
                raise (unavailable(error) or error) from error
            except DBAPIError as error:
                outage = unavailable(error)
                if outage is not None:
                    raise outage from error
                failure = classify(error)
                if failure.lock and attempt == 0:
                    continue
                raise conflict(failure) or error from error
            finally:
                gate.leave(turn)
        raise AssertionError("unreachable")  # pragma: no cover


def _key(user_id: str, day: date) -> ColumnElement[bool]:
    return and_(quota_usage.c.user_id == user_id, quota_usage.c.day == day.isoformat())


async def _increment(connection: AsyncConnection, user_id: str, day: date, limit: int) -> bool:
    result = await connection.execute(
        update(quota_usage)
        .where(_key(user_id, day), quota_usage.c.used < limit)
        .values(used=quota_usage.c.used + 1)
    )
    return result.rowcount == 1


async def _insert_first(connection: AsyncConnection, user_id: str, day: date) -> bool:
    """Insert the day's row with one action taken; False if it exists already."""
    try:
        await connection.execute(
            insert(quota_usage).values(user_id=user_id, day=day.isoformat(), used=1)
        )
    except DBAPIError as error:
        # Only the statement failed (on MySQL and SQLite alike): the empty transaction
        # commits harmlessly.
        if classify(error) is Failure.DUPLICATE:
            return False
        raise
    return True
