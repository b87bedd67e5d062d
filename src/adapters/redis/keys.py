"""Where each adapter keeps its keys: one namespace per purpose under `npc:`.

Namespaces keep the cache, the quota counters, idempotency keys and saq's own keys
apart in one database, so clearing the cache (a prefix scan) can never touch a quota
counter, and an operator can see at a glance what a key is for.
"""

from __future__ import annotations

from datetime import date
from typing import Final

CACHE: Final = "npc:cache:"
QUOTA: Final = "npc:quota:"
IDEMPOTENCY: Final = "npc:idem:"

# Characters SCAN's MATCH treats as a pattern (glob-style, with backslash escapes).
_GLOB_SPECIAL: Final = frozenset("*?[]\\")


def quota(namespace: str, user_id: str, day: date) -> str:
    """The counter of `user_id`'s actions on `day` (`npc:quota:{user}:{YYYY-MM-DD}`)."""
    return f"{namespace}{user_id}:{day.isoformat()}"


def idempotency(namespace: str, scope: str, key: str) -> str:
    """The key for (`scope`, `key`), unambiguous whatever either contains.

    Both may contain colons (scopes are `user:method:path`, and clients choose keys),
    so the scope's length is written first: ("a:b", "c") and ("a", "b:c") differ.
    """
    return f"{namespace}{len(scope)}:{scope}:{key}"


def match_prefix(prefix: str) -> str:
    """A SCAN MATCH pattern for the keys starting with `prefix`, taken literally."""
    escaped = "".join(f"\\{char}" if char in _GLOB_SPECIAL else char for char in prefix)
    return f"{escaped}*"
