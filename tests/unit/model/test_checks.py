"""The attrs validators accept exactly what the `check_*` functions accept.

The validators try the common case inline before calling the check that names the
field; these properties pin that the shortcut never lets through what the check
refuses, nor refuses what it lets through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import _checks


@attrs.define
class _Probe:
    some_field: Any = None


FIELD = attrs.fields(_Probe).some_field

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.sampled_from("ab \t\n\u3000\u00a0\u2028x"), max_size=8),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
)


def _accepts(run: Callable[[], object]) -> bool:
    try:
        run()
    except DomainValidationError:
        return False
    return True


@given(value=values, max_len=st.integers(0, 6), allow_empty=st.booleans())
def test_text_validators_agree_with_check_text(value: Any, max_len: int, allow_empty: bool) -> None:
    """`text` and `optional_text` accept a value iff `check_text` does (None: optional only)."""
    strict = _checks.text(max_len, allow_empty=allow_empty)
    assert _accepts(lambda: strict(None, FIELD, value)) == _accepts(
        lambda: _checks.check_text("someField", value, max_len, allow_empty=allow_empty)
    )
    optional = _checks.optional_text(max_len)
    expected = value is None or _accepts(
        lambda: _checks.check_text("someField", value, max_len, allow_empty=True)
    )
    assert _accepts(lambda: optional(None, FIELD, value)) == expected


# Each range validator, its optional twin, and the check they must agree with.
RANGES = [
    (_checks.number_in, _checks.optional_number_in, _checks.check_number),
    (_checks.integer_in, _checks.optional_integer_in, _checks.check_integer),
]


@pytest.mark.parametrize(("strict", "optional", "check"), RANGES, ids=["number", "integer"])
@given(value=values, lo=st.integers(-5, 5), span=st.integers(0, 10))
def test_range_validators_agree_with_their_check(
    strict: Callable[[int, int], _checks.Validator],
    optional: Callable[[int, int], _checks.Validator],
    check: Callable[[str, object, int, int], object],
    value: Any,
    lo: int,
    span: int,
) -> None:
    """`number_in` / `integer_in` and their optional twins accept a value iff the check does."""
    hi = lo + span
    checked = _accepts(lambda: check("someField", value, lo, hi))
    assert _accepts(lambda: strict(lo, hi)(None, FIELD, value)) == checked
    assert _accepts(lambda: optional(lo, hi)(None, FIELD, value)) == (value is None or checked)


def test_the_error_names_the_field() -> None:
    """A refused value still reports the field's wire name, as before the shortcut."""
    with pytest.raises(DomainValidationError) as refused:
        _checks.text(3)(None, FIELD, "   ")
    assert refused.value.field == "someField"
