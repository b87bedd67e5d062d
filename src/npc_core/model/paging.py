"""Pages of list results: `page` from 1, `pageSize` 1-100."""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs

from npc_core.model import _checks, limits

T = TypeVar("T")


@attrs.frozen
class PageRequest:
    """Which page of a list to return."""

    page: int = attrs.field(default=1, validator=_checks.integer_in(1, 10**6))
    page_size: int = attrs.field(
        default=limits.PAGE_SIZE_DEFAULT, validator=_checks.integer_in(1, limits.PAGE_SIZE_MAX)
    )

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.page - 1) * self.page_size


@attrs.frozen
class Page(Generic[T]):
    """One page of items and the size of the whole list.

    `total_exact` False says `total` is a lower bound: a search stopped counting once it
    had found more than the page reaches, so `has_more` still holds.
    """

    items: tuple[T, ...]
    total: int
    request: PageRequest
    total_exact: bool = True

    @property
    def has_more(self) -> bool:
        """Whether a later page has items."""
        return self.request.offset + len(self.items) < self.total

    @classmethod
    def of(cls, items: list[T], request: PageRequest) -> Page[T]:
        """The requested page cut from a full, already ordered list."""
        start = request.offset
        return cls(tuple(items[start : start + request.page_size]), len(items), request)
