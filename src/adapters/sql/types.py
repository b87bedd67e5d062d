"""Column types shared by every table: aware UTC times, long text, ids, JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import JSON, DateTime, Dialect, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator, TypeEngine

# Ids are opaque strings to the domain: UUIDs, but also client-chosen session ids of up
# to 64 characters, which become collaborative session ids. A CHAR(36) would reject them
# on MySQL while SQLite, which ignores lengths, hid it.
ID_LENGTH: Final = 64


def ident() -> String:
    """The type of an id column and of every column that refers to one."""
    return String(ID_LENGTH)


def long_text() -> TypeEngine[str]:
    """Text that may pass 64 KiB of UTF-8 (MEDIUMTEXT on MySQL, where TEXT stops there)."""
    return Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def json() -> TypeEngine[Any]:
    """A JSON document (MariaDB stores it as LONGTEXT checked by `json_valid`)."""
    return JSON(none_as_null=True)


def stored_utc(value: datetime) -> datetime:
    """A stored (naive, UTC wall time) datetime as the aware UTC one it stands for."""
    return value.replace(tzinfo=UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime, stored naive in UTC with microseconds.

    MySQL's DATETIME has no time zone and SQLite has no date type at all, so the column
    holds the UTC wall time; the domain never sees a naive value. A naive value given
    to the database is refused rather than guessed at.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[datetime]:
        """DATETIME(6) on MySQL, whose plain DATETIME drops the microseconds."""
        if dialect.name in {"mysql", "mariadb"}:
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store the UTC wall time of an aware datetime."""
        del dialect
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored as UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read the stored wall time back as aware UTC."""
        del dialect
        return None if value is None else stored_utc(value)
