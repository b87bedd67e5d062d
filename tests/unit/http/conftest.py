"""Fixtures of the HTTP tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.unit.http.harness import Api, api


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Api]:
    """One app for a whole module (building an app costs more than most tests).

    Tests on it log in as a user of their own (`Api.fresh`), use their own session ids,
    and count only their own rows; its quota is large so that users never run out.
    """
    async with api(tmp_path_factory.mktemp("shared"), free_daily_quota=10_000) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def a(shared_app: Api) -> AsyncIterator[Api]:
    """The module's shared app with no workflow scripted (fresh scripts, before and after)."""
    shared_app.workflows.reset()
    yield shared_app
    shared_app.workflows.reset()
