"""Query parameters shared by several routes."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from npc_core.model import PageRequest, limits

Page = Annotated[int, QueryParameter(ge=1, le=10**6, description="Page number, from 1.")]
PageSize = Annotated[
    int,
    QueryParameter(
        name="pageSize", ge=1, le=limits.PAGE_SIZE_MAX, description="Items per page (max 100)."
    ),
]
Wait = Annotated[
    float,
    QueryParameter(
        ge=0,
        le=25,
        description="Seconds to wait for the result (max 25) before "
        "answering `processing`; poll `/api/tasks/status/{taskId}` after that.",
    ),
]


def page_request(page: int, page_size: int) -> PageRequest:
    """The core's page request."""
    return PageRequest(page, page_size)
