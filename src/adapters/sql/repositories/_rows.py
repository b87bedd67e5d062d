"""Statements every repository shares: rows by id or owner, versioned updates, pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import RowMapping, Select, Table, bindparam, func, select, update

from adapters.sql.transaction import Transaction
from npc_core.errors import Conflict, NotFound
from npc_core.model import Page, PageRequest


class Versioned(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def version(self) -> int: ...


T = TypeVar("T")


# Built once per table: SQLAlchemy then finds the compiled form by the statement's
# memoized cache key instead of deriving a key from a new expression on every call.
@functools.cache
def _by_id(table: Table) -> Select[Any]:
    return select(table).where(table.c.id == bindparam("id"))


@functools.cache
def _owned_by_id(table: Table) -> Select[Any]:
    return select(table).where(table.c.id == bindparam("id"), table.c.user_id == bindparam("user"))


async def get_owned(
    tx: Transaction, table: Table, row_id: str, user_id: str, load: Callable[[RowMapping], T]
) -> T | None:
    """The owner's row `row_id`, or None (also when someone else owns it)."""
    result = await tx.read(_owned_by_id(table), {"id": row_id, "user": user_id})
    row = result.mappings().first()
    return None if row is None else load(row)


async def get_one(
    tx: Transaction, table: Table, row_id: str, load: Callable[[RowMapping], T]
) -> T | None:
    """Row `row_id` whoever owns it, or None."""
    row = (await tx.read(_by_id(table), {"id": row_id})).mappings().first()
    return None if row is None else load(row)


async def replace_owned(tx: Transaction, table: Table, entity: str, values: dict[str, Any]) -> None:
    """Overwrite the owner's row with `values`; `NotFound` for a missing or someone else's."""
    result = await tx.write(
        update(table)
        .where(table.c.id == values["id"], table.c.user_id == values["user_id"])
        .values(values)
    )
    if result.rowcount == 0:
        raise NotFound(entity, values["id"])


async def update_versioned(
    tx: Transaction, table: Table, entity: str, read: Versioned, values: dict[str, Any]
) -> None:
    """Overwrite the owner's row, which must still be at `read.version`, bumping it.

    One `UPDATE ... WHERE version = :read` decides atomically: InnoDB and SQLite both
    re-check the condition against the latest committed row once they hold its lock,
    so of two writers that read the same version exactly one matches a row.
    """
    result = await tx.write(
        update(table)
        .where(
            table.c.id == read.id,
            table.c.user_id == read.user_id,
            table.c.version == read.version,
        )
        .values({**values, "version": read.version + 1})
    )
    if result.rowcount == 1:
        return
    found = await tx.read(
        select(table.c.version).where(table.c.id == read.id, table.c.user_id == read.user_id)
    )
    if found.first() is None:
        raise NotFound(entity, read.id)
    raise Conflict(f"{entity} {read.id!r} changed since version {read.version}")


async def page_of(
    tx: Transaction,
    table: Table,
    where: list[Any],
    order_by: list[Any],
    page: PageRequest,
    load: Callable[[RowMapping], T],
) -> Page[T]:
    """One page of the rows `where` selects, in `order_by` order, with the exact total.

    The page's ids are found first, from the index alone, and only those rows are then
    read whole: an OFFSET over whole rows would fetch every skipped row (measured on a
    50,000-line film on MariaDB, page 1,000: 186 ms against 19 ms).
    """
    total = (await tx.read(select(func.count()).select_from(table).where(*where))).scalar_one()
    if page.offset >= total:
        return Page((), total, page)
    key = table.c.id
    found = await tx.read(
        select(key).where(*where).order_by(*order_by).limit(page.page_size).offset(page.offset)
    )
    ids = [row[0] for row in found]
    if not ids:
        return Page((), total, page)
    rows = await tx.read(select(table).where(key.in_(ids)).order_by(*order_by))
    return Page(tuple(load(row) for row in rows.mappings()), total, page)
