"""`mappers._json.parsed` reads JSON exactly as `json.loads` does, only faster."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.sql.mappers._json import parsed

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),  # a BIGINT's range
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),  # any code point but lone surrogates, which UTF-8 (and MySQL) cannot hold
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


@given(value=values, ascii_only=st.booleans())
def test_parsed_equals_json_loads(value: Any, ascii_only: bool) -> None:
    """Every double to the last digit, every string, escaped or not, nested as it was."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert parsed(text) == json.loads(text)
    assert parsed(text.encode()) == json.loads(text)


def test_what_is_not_json_is_a_value_error() -> None:
    """Cut short (MariaDB's group_concat_max_len) or not JSON: ValueError, as json.loads."""
    for text in ('[[1, "a"], [2, "b', "", "nope", "[1,]"):
        with pytest.raises(ValueError):  # noqa: PT011 - the type is the contract
            parsed(text)
