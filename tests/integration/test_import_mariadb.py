"""`LibraryWriter` on MariaDB (the writer contract), and `npc import` on a bare server.

The contract runs MySQL's own write path (SQL text, see `bulk.literal`). One fresh
database per session (created and migrated by Alembic, dropped at the end); each test
starts from empty library tables.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete

from adapters.sql.bulk import create_bulk_engine
from entrypoints.importing import command
from tests.integration.mariadb_support import fresh_database
from tests.unit.importing.films import LIBRARY_TABLES
from tests.unit.importing.writer_contract import WriterContract


@pytest.fixture(scope="session")
def url() -> Iterator[str]:
    with fresh_database("npc_import") as database:
        yield database


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    engine = create_bulk_engine(url)
    with engine.begin() as connection:
        for table in reversed(LIBRARY_TABLES):  # children first
            connection.execute(delete(table))
    yield engine
    engine.dispose()


class TestMariaDbWriter(WriterContract):
    """The writer contract on MariaDB."""


def test_a_server_not_at_the_newest_schema_is_refused(tmp_path: Path) -> None:
    """A shared server is migrated by `npc migrate`, not by an import: exit 2, saying so."""
    films = tmp_path / "films.jsonl"
    films.write_text('{"key": "t:1", "title": "Heat"}\n', encoding="utf-8")
    with fresh_database("npc_import_bare", migrated=False) as url:
        err = io.StringIO()
        status = command(
            [str(films)],
            fmt=None,
            dry_run=False,
            as_json=True,
            tmdb_id=None,
            environ={"NPC_DATABASE_URL": url},
            stdout=io.StringIO(),
            stderr=err,
        )
    assert status == 2
    assert "run `npc migrate` first" in err.getvalue()
