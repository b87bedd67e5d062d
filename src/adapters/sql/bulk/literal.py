"""Multi-row INSERTs for MySQL, written out as SQL text.

PyMySQL's executemany already sends multi-row INSERTs, but it escapes each value
through a generic path of several calls (about 8 µs per line of 9 values, more than
the server spends storing it), and SQLAlchemy's statements cost the writer's thread
more than the database's answer takes. Here a value is a type test (`literal`), and
a line is one f-string (`line_statements`): line and character ids are ours (UUID
text) and numbers are checked ints, so neither needs escaping; every other text (the
film id included: it may predate npc's ids) goes through `escaper`, which escapes as
PyMySQL itself does: its `escape_string`, or only quotes doubled when the session has
NO_BACKSLASH_ESCAPES. Other values are written as the column types bind them: JSON
as `json.dumps`, aware datetimes as UTC wall time (`types.UtcDateTime`), booleans
as 1 and 0.
Statements stop near `MAX_STATEMENT` characters, as PyMySQL's own rewrite does, well
under any `max_allowed_packet`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Final

from pymysql import converters  # type: ignore[import-untyped]
from pymysql.constants import SERVER_STATUS  # type: ignore[import-untyped]

from adapters.sql.bulk.rows import Row

MAX_STATEMENT: Final = 1_000_000  # characters; PyMySQL's executemany uses 1,024,000 bytes


def escaper(connection: object) -> Callable[[str], str]:
    """How to escape text inside quotes on this PyMySQL connection, as PyMySQL does."""
    status: int = getattr(connection, "server_status", 0)
    if status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES:
        return lambda text: text.replace("'", "''")
    return converters.escape_string  # type: ignore[no-any-return]


def _joined(head: str, parts: Iterator[str]) -> Iterator[str]:
    """`head` and the comma-separated `parts`, cut into statements of ~`MAX_STATEMENT`."""
    chunk: list[str] = []
    size = len(head)
    for part in parts:
        if chunk and size + len(part) + 1 > MAX_STATEMENT:
            yield head + ",".join(chunk)
            chunk, size = [], len(head)
        chunk.append(part)
        size += len(part) + 1
    if chunk:
        yield head + ",".join(chunk)


def literal(value: object, escape: Callable[[str], str]) -> str:
    """`value` as a MySQL literal."""
    if value is None:
        return "NULL"
    kind = type(value)
    if kind is str:
        return f"'{escape(str(value))}'"
    if kind is int:
        return f"{value:d}"
    return _typed(value, escape)


def _typed(value: object, escape: Callable[[str], str]) -> str:
    """A value other than None, text and whole numbers, as its column type binds it."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no SQL literal for {value}")
        return repr(value)
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored as UTC")
        return f"'{value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, list | tuple | dict):
        return f"'{escape(json.dumps(value))}'"
    raise TypeError(f"no SQL literal for a {type(value).__name__}")


def row_statement(table: str, row: Mapping[str, object], escape: Callable[[str], str]) -> str:
    """An INSERT of one row (column -> value)."""
    values = ",".join(literal(v, escape) for v in row.values())
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({values})"  # noqa: S608


def values_statements(
    head: str, rows: Sequence[Row], escape: Callable[[str], str]
) -> Iterator[str]:
    """`head` (`INSERT INTO t (cols) VALUES `) followed by `rows`."""
    parts = ("(" + ",".join([literal(v, escape) for v in row]) + ")" for row in rows)
    return _joined(head, parts)


def line_statements(head: str, rows: Sequence[Row], escape: Callable[[str], str]) -> Iterator[str]:
    """`head` (`INSERT INTO t (cols) VALUES `) followed by `rows`, one statement per ~1 MB.

    Rows are `rows.LINE_COLUMNS` tuples: (id, movie_id, character_id, order, content,
    speaker, scene, start_ms, end_ms, film_position, character_position), as
    `rows.line_batches` checked them.
    """
    texts: dict[object, str] = {None: "NULL"}  # speakers and scenes repeat: escaped once

    def text(value: object) -> str:
        found = texts.get(value)
        if found is None:
            found = texts[value] = f"'{escape(str(value))}'"
        return found

    def part(row: Row) -> str:
        line_id, movie_id, character_id, order, content, speaker, scene, *numbers = row
        character = "NULL" if character_id is None else f"'{character_id}'"
        start, end, position, among_speaker = map(_number, numbers)
        return (
            f"('{line_id}',{text(movie_id)},{character},{order:d},'{escape(str(content))}',"
            f"{text(speaker)},{text(scene)},{start},{end},{position},{among_speaker})"
        )

    return _joined(head, map(part, rows))


def _number(value: object) -> str:
    return "NULL" if value is None else f"{value:d}"
