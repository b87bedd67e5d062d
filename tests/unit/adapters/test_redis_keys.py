"""Key names of the Redis adapters: namespaced, unambiguous, and literal in SCAN patterns."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from adapters.redis import keys

GLOB = "*?[]\\"


def test_quota_counters_are_named_by_user_and_day() -> None:
    """A counter is `npc:quota:{user}:{YYYY-MM-DD}`."""
    assert keys.quota(keys.QUOTA, "u1", date(2025, 3, 1)) == "npc:quota:u1:2025-03-01"


@given(st.text(), st.text(), st.text(), st.text())
def test_idempotency_keys_never_collide(
    scope: str, key: str, other_scope: str, other_key: str
) -> None:
    """Two different (scope, key) pairs never share a Redis key, colons or not."""
    if (scope, key) != (other_scope, other_key):
        assert keys.idempotency("n:", scope, key) != keys.idempotency("n:", other_scope, other_key)


@given(st.text(alphabet="ab:-^!" + GLOB))
def test_match_prefix_escapes_every_glob_character(prefix: str) -> None:
    """The pattern is the prefix with each glob character backslash-escaped, then one `*`.

    Read as Redis reads a glob (a backslash takes the next character literally), it has
    no wildcard but the final `*`, and its literal text is the prefix.
    """
    pattern = keys.match_prefix(prefix)
    assert pattern.endswith("*")
    literal, rest = [], iter(pattern[:-1])
    for char in rest:
        if char == "\\":
            literal.append(next(rest))
        else:
            assert char not in GLOB, pattern
            literal.append(char)
    assert "".join(literal) == prefix
