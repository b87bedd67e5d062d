"""Pages of list results: `page` from 1, `pageSize` 1-100."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import Page, PageRequest


@given(st.integers(0, 250), st.integers(1, 20), st.integers(1, 100))
def test_a_page_is_its_slice_of_the_list(total: int, page: int, size: int) -> None:
    """A page holds items [offset, offset + size) and says whether more follow."""
    items = list(range(total))
    result = Page.of(items, PageRequest(page, size))
    offset = (page - 1) * size
    assert list(result.items) == items[offset : offset + size]
    assert result.total == total
    assert result.has_more == (offset + size < total)


@pytest.mark.parametrize(
    ("page", "size", "field"), [(0, 20, "page"), (1, 0, "pageSize"), (1, 101, "pageSize")]
)
def test_page_numbers_and_sizes_are_bounded(page: int, size: int, field: str) -> None:
    """Pages count from 1 and hold 1-100 items."""
    with pytest.raises(DomainValidationError) as caught:
        PageRequest(page, size)
    assert caught.value.field == field
