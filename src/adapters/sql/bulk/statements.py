"""The few statements the writer sends as raw driver SQL, in each backend's dialect.

Rows go to the driver as tuples through `executemany`: PyMySQL rewrites an
`INSERT ... VALUES (...)` executemany into multi-row INSERTs (up to about 1 MB each),
and sqlite3 runs it as one prepared statement; SQLAlchemy's per-row parameter
processing is skipped, which matters at a million lines. Names come from the table
definitions, never from input.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table


def _marks(dialect: str, count: int) -> str:
    mark = "?" if dialect == "sqlite" else "%s"
    return ", ".join([mark] * count)


def insert(dialect: str, table: Table, columns: Sequence[str]) -> str:
    """A one-row INSERT of `columns` (executemany makes it many)."""
    names = ", ".join(columns)
    return f"INSERT INTO {table.name} ({names}) VALUES ({_marks(dialect, len(columns))})"  # noqa: S608


def upsert(dialect: str, table: Table, columns: Sequence[str], key: Sequence[str]) -> str:
    """An INSERT that updates the other columns of a row whose `key` is taken.

    MySQL's `VALUES(col)` form: MariaDB has no row alias, and MySQL 8 still takes it.
    """
    rest = [c for c in columns if c not in key]
    head = insert(dialect, table, columns)
    if dialect == "sqlite":
        changes = ", ".join(f"{c} = excluded.{c}" for c in rest)
        return f"{head} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {changes}"
    changes = ", ".join(f"{c} = VALUES({c})" for c in rest)
    return f"{head} ON DUPLICATE KEY UPDATE {changes}"
