"""One unit of work's connection and transaction, with driver errors translated.

Repositories run every statement through `read` or `write`. A failure that means a
lost race becomes `Conflict`. A lock failure (deadlock, lock wait timeout, SQLite busy)
before the unit of work has written is retried once in a fresh transaction; after a
write it dooms the unit of work: the server may have rolled its writes back, so every
later statement and the commit raise `Conflict`, and nothing can land half-way (see
`errors.py` for why the retry is here and no higher).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from aiomysql import Connection  # type: ignore[import-untyped]
from sqlalchemy import Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sql import direct, gate
from adapters.sql.errors import Failure, classify, conflict, unavailable
from npc_core.errors import Conflict

if TYPE_CHECKING:  # SQLAlchemy 2.0 cannot subscript these at run time
    from sqlalchemy import CursorResult, Result

    # Rows of any width: SQLAlchemy 2.1 types results by their columns, which a
    # repository knows from its statement, not from this module.
    Rows: TypeAlias = Result[*tuple[Any, ...]]
    Written: TypeAlias = CursorResult[*tuple[Any, ...]]

T = TypeVar("T")
_log = logging.getLogger(__name__)


def _lost(error: DBAPIError) -> None:
    _log.warning("database connection lost at the end of a unit of work: %s", error)


class Transaction:
    """The connection a unit of work holds from `open` to `close`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._driver: Connection | None = None  # the driver's under `_connection`, once asked
        self._turn: asyncio.Semaphore | None = None
        self._wrote = False
        self._doomed = False
        # A fetch ran while SQLAlchemy had no transaction: the server has one that only
        # this object knows to end (`_end_untracked`).
        self._untracked = False

    @property
    def sqlite(self) -> bool:
        """Whether the database is SQLite (some statements take another form there)."""
        return self._engine.dialect.name == "sqlite"

    async def open(self) -> None:
        """Take a connection from the pool; the first statement begins the transaction.

        SQLAlchemy begins on the first statement by itself, and MySQL and SQLite send
        nothing for a begin: an explicit `begin()` here only cost a greenlet switch and
        SQLAlchemy's bookkeeping, and a unit of work that never runs a statement now ends
        without a ROLLBACK.
        """
        if self._connection is not None or self._turn is not None:
            raise RuntimeError("this unit of work is already open")
        try:
            self._turn = await gate.enter(self._engine)
            self._connection = await self._engine.connect()
        except BaseException as error:
            await self.close()
            outage = unavailable(error)
            if outage is not None:
                raise outage from error
            raise

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back.

        A connection that died after the unit's last statement fails that rollback; the
        server has then discarded what was not committed already, which is all the
        rollback would have undone, so the unit ends as it would have. SQLAlchemy gives
        the connection back all the same, and the next checkout's ping replaces it.
        """
        connection, self._connection = self._connection, None
        turn, self._turn = self._turn, None
        try:
            if connection is not None:
                try:
                    await self._end_untracked(connection)
                except DBAPIError as error:
                    _lost(error)
                    await connection.invalidate()  # the pool opens a new one in its place
                try:
                    # Closing rolls back SQLAlchemy's open transaction, if any (`create_engine`).
                    await connection.close()
                except DBAPIError as error:
                    _lost(error)
        finally:
            self._driver = None
            gate.leave(turn)

    async def read(self, statement: Executable, params: dict[str, Any] | None = None) -> Rows:
        """Run a query (with values for its bound parameters, when it has any)."""
        return await self._run(statement, params)

    async def write(
        self, statement: Executable, rows: list[dict[str, Any]] | None = None
    ) -> Written:
        """Run an INSERT, UPDATE or DELETE (for each of `rows` when given)."""
        result = await self._run(statement, rows)
        self._wrote = True
        return result  # type: ignore[return-value]  # DML always gives a cursor result

    async def commit(self) -> None:
        """Make the writes visible to others; later statements begin a new transaction."""
        connection = self._live()
        tracked = connection.in_transaction()
        try:
            await connection.commit()
        except DBAPIError as error:
            raise self._translated(error) from error
        self._wrote = False
        self._untracked = self._untracked and not tracked  # COMMIT ended the server's too

    async def rollback(self) -> None:
        """Discard the writes; later statements begin a new transaction."""
        connection = self._live(allow_doomed=True)
        await self._end_untracked(connection)
        await connection.rollback()
        self._wrote = False
        self._doomed = False

    async def fetch(
        self, statement: Executable, params: dict[str, Any]
    ) -> Sequence[tuple[Any, ...]]:
        """Run a query and return its rows as tuples; on MySQL, on the driver directly.

        For hot reads of many rows (`direct` says what it skips and what it allows);
        errors are translated and lock failures retried as for `read`.
        """
        if self.sqlite:
            return [tuple(row) for row in await self.read(statement, params)]

        async def run(connection: AsyncConnection) -> Sequence[tuple[Any, ...]]:
            driver = self._driver_of(connection)
            # The driver does not note that a SELECT began a transaction (a result set's
            # last packet leaves its status flags unread), so neither SQLAlchemy nor the
            # pool's reset would end it: this object does, at close or rollback.
            self._untracked = self._untracked or not connection.in_transaction()
            try:
                return await direct.fetch(driver, statement, self._engine.dialect, params)
            except DBAPIError as error:
                if error.connection_invalidated:
                    self._untracked = False  # the server ended it with the session
                    await connection.invalidate()  # as SQLAlchemy does when it sees one die
                raise

        return await self._attempt(run)

    async def _run(
        self, statement: Executable, rows: dict[str, Any] | list[dict[str, Any]] | None
    ) -> Rows:
        return await self._attempt(lambda connection: connection.execute(statement, rows))

    async def _attempt(self, run: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        connection = self._live()
        try:
            return await run(connection)
        except DBAPIError as error:
            outage = unavailable(error)
            if outage is not None:
                raise outage from error
            failure = classify(error)
            if not failure.lock or self._wrote:
                raise self._translated(error, failure) from error
            # Nothing written yet: whatever the server undid, a new transaction loses nothing.
            await self._end_untracked(connection)
            await connection.rollback()
        try:
            return await run(connection)
        except DBAPIError as error:
            raise (unavailable(error) or self._translated(error)) from error

    def _driver_of(self, connection: AsyncConnection) -> Connection:
        """The aiomysql connection under `connection`, without a greenlet switch.

        `get_raw_connection()` runs the same attribute lookup in a greenlet, which only
        reconnecting needs. A unit of work's connection is live from `open` on; once it
        was invalidated, the lookup raises as `read` then does (SQLAlchemy's
        `PendingRollbackError`), and a driver found before then fails as a lost connection.
        """
        if self._driver is None:
            self._driver = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
        return self._driver

    async def _end_untracked(self, connection: AsyncConnection) -> None:
        """Roll back the transaction a fetch began, when SQLAlchemy's does not cover it.

        One ROLLBACK on the driver, where a SQLAlchemy `begin()` before the fetch made its
        rollback at close end it: that cost two greenlet switches and SQLAlchemy's
        transaction bookkeeping, about 2% of a search's instructions (callgrind, 64
        searches of `bench_search`'s keywords in process: 4.92M against 4.82M a search).
        """
        if not self._untracked:
            return
        self._untracked = False
        if connection.in_transaction() or connection.invalidated or self._driver is None:
            return  # SQLAlchemy's rollback ends it, or the session is gone with it
        await direct.rollback(self._driver, self._engine.dialect)

    def _translated(self, error: DBAPIError, failure: Failure | None = None) -> Exception:
        failure = failure or classify(error)
        if failure.lock and self._wrote:
            self._doomed = True
        return conflict(failure) or error

    def _live(self, *, allow_doomed: bool = False) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside `async with`")
        if self._doomed and not allow_doomed:
            raise Conflict("the transaction lost a race for a lock and was rolled back; try again")
        return self._connection
