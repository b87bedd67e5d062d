"""Stable ids: UUIDs derived from a source's own keys.

The same input gives the same ids on every run and every machine, so importing it
again finds the rows it wrote instead of adding copies. A film's id is the name-based
UUID (version 5) of its source key (`tmdb:550`), a character's that of
`<film id>/character/<key>`. The namespace below is npc's own and must never change:
every stored id depends on it.

A line's id (`line_ids`) is a custom UUID (version 8, RFC 9562): 64 bits from the
hash of `<film id>/lines`, then the line's order. A film's lines thus have adjacent
ids, in order, and InnoDB appends them at one place of its clustered index. With
UUID5s every line lands on a random page: once the table outgrows the buffer pool,
nearly every line costs a page read (`bench_import`, a million lines into a MariaDB
with a 128 MB buffer pool: 108 s with UUID5 line ids, 41 s with these).

`uuid.uuid5` costs some 3 µs (a UUID object, then its string); a million lines make
that seconds, so ids are hashed here directly, from a SHA-1 state primed with the
namespace and the parent's prefix. The result is exactly `str(uuid.uuid5(...))`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Final

NAMESPACE: Final = uuid.UUID("2391026a-56f3-4021-86a3-03915d93f69e")

_VERSION_5: Final = 0x50
_VERSION_8: Final = 0x80
_RFC_4122: Final = 0x80
_ORDER_BITS: Final = 62  # after the two variant bits; orders stop at 10**9


def _uuid_text(digest: bytes) -> str:
    """The text of the version-5 UUID made of a SHA-1 digest (RFC 4122, section 4.3)."""
    raw = bytearray(digest[:16])
    raw[6] = (raw[6] & 0x0F) | _VERSION_5
    raw[8] = (raw[8] & 0x3F) | _RFC_4122
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def stable_id(name: str) -> str:
    """`str(uuid.uuid5(NAMESPACE, name))`."""
    state = hashlib.sha1(NAMESPACE.bytes, usedforsecurity=False)
    state.update(name.encode())
    return _uuid_text(state.digest())


def child_ids(parent_id: str, kind: str) -> Callable[[object], str]:
    """A function giving `stable_id(f"{parent_id}/{kind}/{key}")` for each key."""
    primed = hashlib.sha1(NAMESPACE.bytes, usedforsecurity=False)
    primed.update(f"{parent_id}/{kind}/".encode())

    def make(key: object) -> str:
        state = primed.copy()
        state.update(str(key).encode())
        return _uuid_text(state.digest())

    return make


def line_ids(movie_id: str) -> Callable[[int], str]:
    """A function giving the id of the film's line of each order (0 <= order < 2**62)."""
    state = hashlib.sha1(NAMESPACE.bytes, usedforsecurity=False)
    state.update(f"{movie_id}/lines".encode())
    head = bytearray(state.digest()[:8])
    head[6] = (head[6] & 0x0F) | _VERSION_8
    h = head.hex()
    prefix = f"{h[:8]}-{h[8:12]}-{h[12:16]}-"
    variant = 0b10 << _ORDER_BITS

    def make(order: int) -> str:
        # Fixed-width hex: the ids of a film's lines sort as their orders do.
        tail = f"{variant | order:016x}"
        return f"{prefix}{tail[:4]}-{tail[4:]}"

    return make


def movie_id(source_key: str) -> str:
    """The id of the film a source key creates."""
    return stable_id(source_key)
