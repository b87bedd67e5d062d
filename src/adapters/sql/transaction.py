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
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sql import gate
from adapters.sql.errors import Failure, classify, conflict
from npc_core.errors import Conflict

if TYPE_CHECKING:  # SQLAlchemy 2.0 cannot subscript these at run time
    from sqlalchemy import CursorResult, Result

    # Rows of any width: SQLAlchemy 2.1 types results by their columns, which a
    # repository knows from its statement, not from this module.
    Rows: TypeAlias = Result[*tuple[Any, ...]]
    Written: TypeAlias = CursorResult[*tuple[Any, ...]]


class Transaction:
    """The connection a unit of work holds from `open` to `close`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._turn: asyncio.Semaphore | None = None
        self._wrote = False
        self._doomed = False

    @property
    def sqlite(self) -> bool:
        """Whether the database is SQLite (some statements take another form there)."""
        return self._engine.dialect.name == "sqlite"

    async def open(self) -> None:
        """Take a connection from the pool and begin a transaction."""
        if self._connection is not None or self._turn is not None:
            raise RuntimeError("this unit of work is already open")
        self._turn = await gate.enter(self._engine)
        try:
            self._connection = await self._engine.connect()
            await self._connection.begin()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        connection, self._connection = self._connection, None
        turn, self._turn = self._turn, None
        try:
            if connection is not None:
                # Closing rolls back the open transaction, if any, once (`create_engine`).
                await connection.close()
        finally:
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
        try:
            await connection.commit()
        except DBAPIError as error:
            raise self._translated(error) from error
        self._wrote = False

    async def rollback(self) -> None:
        """Discard the writes; later statements begin a new transaction."""
        connection = self._live(allow_doomed=True)
        await connection.rollback()
        self._wrote = False
        self._doomed = False

    async def _run(
        self, statement: Executable, rows: dict[str, Any] | list[dict[str, Any]] | None
    ) -> Rows:
        connection = self._live()
        try:
            return await connection.execute(statement, rows)
        except DBAPIError as error:
            failure = classify(error)
            if not failure.lock or self._wrote:
                raise self._translated(error, failure) from error
            # Nothing written yet: whatever the server undid, a new transaction loses nothing.
            await connection.rollback()
        try:
            return await connection.execute(statement, rows)
        except DBAPIError as error:
            raise self._translated(error) from error

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
