"""One table as a unit of work sees it: the committed rows under its own pending writes.

Writes stay in the staging area until `apply`. `check` first re-validates, against
the rows committed meanwhile, every assumption a write made (the id was free, the
version was the one read), so a unit of work that lost a race fails as a whole.
Counters (`bump`) are deltas added to the latest committed value, never overwrites.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Generic, Protocol, TypeVar

from npc_core.errors import Conflict, NotFound

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Pending(Protocol):
    """What a unit of work asks of each staged table when it commits or rolls back."""

    def check(self) -> None:
        """Raise `Conflict` if applying now would overwrite someone else's commit."""

    def apply(self) -> None:
        """Write the pending changes into the committed rows and forget them."""

    def discard(self) -> None:
        """Forget the pending changes."""


class _Expect(enum.Enum):
    """What a write assumed about the committed row (a version is an int instead)."""

    ABSENT = "absent"
    PRESENT = "present"
    ANY = "any"


def _same(row: V) -> V:
    return row


class StagedTable(Generic[K, V]):
    """A table's committed rows seen through one unit of work's uncommitted writes."""

    def __init__(
        self,
        entity: str,
        committed: dict[K, V],
        *,
        version: Callable[[V], int] | None = None,
        unique: Sequence[Callable[[V], Hashable]] = (),
        counter: Callable[[V, int], V] | None = None,
        copies: bool = False,
    ) -> None:
        """Stage writes to `committed`, naming rows `entity` in errors.

        `version` reads a row's optimistic-lock version; `unique` lists secondary keys
        no two rows may share; `counter` adds a delta to a row; `copies` keeps
        private copies of rows with mutable parts (JSON dicts), as a database would.
        """
        self.entity = entity
        self._committed = committed
        self._version = version
        self._unique = tuple(unique)
        self._counter = counter
        self._copy: Callable[[V], V] = copy.deepcopy if copies else _same
        self._written: dict[K, V] = {}
        self._deleted: set[K] = set()
        self._bumps: dict[K, int] = {}
        self._expected: dict[K, _Expect | int] = {}

    # Reading

    def peek(self, key: K) -> V | None:
        """Return the row as this unit of work sees it, uncopied: for checks, never hand it out."""
        if key in self._written:
            row: V | None = self._written[key]
        elif key in self._deleted:
            return None
        else:
            row = self._committed.get(key)
        if row is not None and key in self._bumps and self._counter is not None:
            row = self._counter(row, self._bumps[key])
        return row

    def get(self, key: K) -> V | None:
        """Return the row under `key`, or None."""
        row = self.peek(key)
        return None if row is None else self._copy(row)

    def rows(self, where: Callable[[V], bool] | None = None) -> list[V]:
        """Return every visible row, or those `where` accepts, in no particular order."""
        keys = dict.fromkeys((*self._committed, *self._written))
        found = (self.peek(key) for key in keys)
        return [
            self._copy(row) for row in found if row is not None and (where is None or where(row))
        ]

    # Writing

    def insert(self, key: K, row: V) -> None:
        """Add a row under a free key; `Conflict` when the key or a unique value is taken."""
        if self.peek(key) is not None:
            raise Conflict(f"{self.entity} {key!r} already exists")
        self._check_unique(key, row, self._visible_items())
        self._write(key, row, _Expect.ABSENT)

    def replace(self, key: K, row: V) -> None:
        """Overwrite an existing row, last writer wins; `NotFound` when there is none."""
        if self.peek(key) is None:
            raise NotFound(self.entity, str(key))
        self._check_unique(key, row, self._visible_items())
        self._write(key, row, _Expect.PRESENT)

    def update(self, key: K, row: V, *, read_version: int) -> None:
        """Overwrite a row whose stored version must still be `read_version`."""
        version = self._require_version()
        current = self.peek(key)
        if current is None:
            raise NotFound(self.entity, str(key))
        if version(current) != read_version:
            raise Conflict(f"{self.entity} {key!r} changed since version {read_version}")
        self._check_unique(key, row, self._visible_items())
        # The first write of a key saw the committed row, so its version is what commit expects.
        self._write(key, row, read_version)

    def delete(self, key: K) -> bool:
        """Remove the row; whether there was one."""
        if self.peek(key) is None:
            return False
        self._written.pop(key, None)
        self._bumps.pop(key, None)
        self._deleted.add(key)
        self._expected.setdefault(key, _Expect.ANY)
        return True

    def bump(self, key: K, delta: int) -> None:
        """Add `delta` to the row's counter when committing, on top of the latest value."""
        if self._counter is None:
            raise TypeError(f"{self.entity} rows have no counter")
        if self.peek(key) is None:
            raise NotFound(self.entity, str(key))
        self._bumps[key] = self._bumps.get(key, 0) + delta

    def _write(self, key: K, row: V, expect: _Expect | int) -> None:
        self._deleted.discard(key)
        self._bumps.pop(key, None)  # the written row already counts them
        self._written[key] = self._copy(row)
        self._expected.setdefault(key, expect)

    # Committing

    def check(self) -> None:
        """Raise `Conflict` if a commit made meanwhile invalidates a pending write."""
        for key, expected in self._expected.items():
            current = self._committed.get(key)
            if expected is _Expect.ABSENT and current is not None:
                raise Conflict(f"{self.entity} {key!r} already exists")
            if expected is _Expect.PRESENT and current is None:
                raise Conflict(f"{self.entity} {key!r} was deleted meanwhile")
            if isinstance(expected, int) and (
                current is None or self._require_version()(current) != expected
            ):
                raise Conflict(f"{self.entity} {key!r} changed since version {expected}")
        if not self._unique or not self._written:
            return
        after = {k: v for k, v in self._committed.items() if k not in self._deleted} | self._written
        for key, row in self._written.items():
            self._check_unique(key, row, after.items())

    def apply(self) -> None:
        """Write the pending changes into the committed rows and forget them."""
        for key in self._deleted:
            self._committed.pop(key, None)
        self._committed.update(self._written)
        if self._counter is not None:
            for key, delta in self._bumps.items():
                if key in self._committed:
                    self._committed[key] = self._counter(self._committed[key], delta)
        self.discard()

    def discard(self) -> None:
        """Forget the pending changes."""
        self._written.clear()
        self._deleted.clear()
        self._bumps.clear()
        self._expected.clear()

    # Helpers

    def _visible_items(self) -> Iterable[tuple[K, V]]:
        for key in dict.fromkeys((*self._committed, *self._written)):
            row = self.peek(key)
            if row is not None:
                yield key, row

    def _check_unique(self, key: K, row: V, others: Iterable[tuple[K, V]]) -> None:
        if not self._unique:
            return
        values = [unique(row) for unique in self._unique]
        for other_key, other in others:
            if other_key == key:
                continue
            for unique, value in zip(self._unique, values, strict=True):
                if unique(other) == value:
                    raise Conflict(f"{self.entity} {value!r} is taken by {other_key!r}")

    def _require_version(self) -> Callable[[V], int]:
        if self._version is None:
            raise TypeError(f"{self.entity} rows have no version")
        return self._version
