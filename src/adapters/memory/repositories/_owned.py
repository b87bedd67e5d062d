"""Rows that belong to a user: another user's row is no row at all."""

from __future__ import annotations

from typing import Protocol, TypeVar

from adapters.memory.staging import StagedTable
from npc_core.errors import NotFound


class Owned(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def user_id(self) -> str: ...


class Versioned(Owned, Protocol):
    @property
    def version(self) -> int: ...


OwnedT = TypeVar("OwnedT", bound=Owned)
VersionedT = TypeVar("VersionedT", bound=Versioned)


def get_owned(table: StagedTable[str, OwnedT], key: str, user_id: str) -> OwnedT | None:
    """Return the row if it exists and belongs to `user_id`."""
    row = table.peek(key)
    return table.get(key) if row is not None and row.user_id == user_id else None


def replace_owned(table: StagedTable[str, OwnedT], row: OwnedT) -> None:
    """Overwrite the owner's existing row; `NotFound` for a missing or someone else's row."""
    if get_owned(table, row.id, row.user_id) is None:
        raise NotFound(table.entity, row.id)
    table.replace(row.id, row)


def update_versioned(
    table: StagedTable[str, VersionedT], read: VersionedT, bumped: VersionedT
) -> VersionedT:
    """Store `bumped` in place of the owner's row, which must still be at `read.version`."""
    if get_owned(table, read.id, read.user_id) is None:
        raise NotFound(table.entity, read.id)
    table.update(read.id, bumped, read_version=read.version)
    return bumped
