"""Queries run on the MySQL driver's own connection, past SQLAlchemy's execution layer.

For a hot read that returns many small rows (the film search), SQLAlchemy's execution
(a greenlet switch, an execution context, a result object, a `Row` per row) is about
a quarter of the read's CPU: measured in process on the
search's real statement over `bench_search`'s library, a unit of work of that one
statement took 660 us of CPU through SQLAlchemy against 510 us here (best of 6
rounds). Here a statement is compiled once per dialect into its SQL text and the order
of its parameters, and each run hands aiomysql the text and the values.

Only what that shortcut can keep is allowed: statements whose parameters are all
bound at execution (no expanding IN, no post-compile LIMIT) and whose values need no
bind processing (integers, strings). Errors come back wrapped as SQLAlchemy's
`DBAPIError`, as from `AsyncConnection.execute`, so callers translate them alike.
SQLAlchemy's statement log (`echo`) and its cursor events do not see these queries.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from aiomysql import Connection  # type: ignore[import-untyped]
from pymysql.err import Error as DriverError  # type: ignore[import-untyped]
from sqlalchemy import Dialect, Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler


@attrs.frozen
class Compiled:
    """A statement's SQL text, its parameter names in order, and the values it carries.

    `fixed` holds the values the statement itself binds (a literal such as the -1 of
    `coalesce(x, -1)`), which the caller's values may override.
    """

    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The values in placeholder order; KeyError names a parameter given no value."""
        merged = {**self.fixed, **params} if self.fixed else params
        return tuple(merged[name] for name in self.names)


@functools.lru_cache(maxsize=256)
def compiled(statement: Executable, dialect: Dialect) -> Compiled:
    """`statement` compiled for `dialect`, once."""
    found = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if not isinstance(found, SQLCompiler) or found.positiontup is None:
        raise TypeError("a direct query needs a positional SQL dialect (MySQL)")
    if found.post_compile_params or found.literal_execute_params:
        raise TypeError("a direct query cannot hold parameters rendered at execution")
    fixed = {name: bind.effective_value for name, bind in found.binds.items() if not bind.required}
    return Compiled(found.string, tuple(found.positiontup), fixed)


async def fetch(
    driver: Connection, statement: Executable, dialect: Dialect, params: Mapping[str, Any]
) -> Sequence[tuple[Any, ...]]:
    """Every row `statement` returns, as tuples, run on the aiomysql `driver` connection."""
    query = compiled(statement, dialect)
    sql, values = query.sql, query.values(params)
    try:
        cursor = await driver.cursor()
        try:
            await cursor.execute(sql, values)
            rows: Sequence[tuple[Any, ...]] = await cursor.fetchall()
        finally:
            await cursor.close()
    except DriverError as error:
        raise _wrapped(error, sql, values, driver, dialect) from error
    return rows


async def rollback(driver: Connection, dialect: Dialect) -> None:
    """Send ROLLBACK on the aiomysql `driver` connection, errors wrapped as `fetch`'s."""
    try:
        await driver.rollback()
    except DriverError as error:
        raise _wrapped(error, "ROLLBACK", (), driver, dialect) from error


def _wrapped(
    error: DriverError, sql: str, values: Sequence[Any], driver: Connection, dialect: Dialect
) -> Exception:
    """The driver's `error` as SQLAlchemy raises it (a `DBAPIError`), disconnects marked."""
    wrapped: Exception = DBAPIError.instance(
        sql,
        values,
        error,
        DriverError,
        connection_invalidated=dialect.is_disconnect(error, driver, None),
        dialect=dialect,
    )
    return wrapped
