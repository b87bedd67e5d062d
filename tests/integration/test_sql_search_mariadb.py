"""Film search on MariaDB finds exactly what the in-memory scan finds (as on SQLite)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sql import create_engine, search
from npc_core.model import Movie
from tests.integration.mariadb_support import fresh_database
from tests.unit.adapters.test_sql_search import Database, _compare, _keywords, films


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    with fresh_database("npc_search") as url, asyncio.Runner() as runner:
        engine = create_engine(url)
        yield Database(runner, engine)
        runner.run(engine.dispose())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(library=films(most=14), data=st.data())
def test_search_equals_the_in_memory_scan(
    database: Database, library: list[Movie], data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole pages, and pages of one or two read in many statements: the same films."""
    database.runner.run(_compare(database.engine, library, _keywords(library, data), [2, 100]))
    monkeypatch.setattr(search, "SLACK", 0)
    database.runner.run(_compare(database.engine, library, _keywords(library, data), [1]))
