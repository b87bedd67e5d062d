"""The SQL adapters on SQLite: every port contract, the SQL contract and migrations.

One database file per module, built by the real migrations; each test starts from
empty tables on a fresh engine (each test runs on its own event loop).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql import SqlQuotaLedger, SqlUnitOfWorkFactory, create_engine, migrate
from adapters.sql.engine import sqlite_file_url
from tests.contracts.ledger import LedgerContract
from tests.contracts.repositories import RepositoryContract
from tests.contracts.sql import SqlContract, empty_tables


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = sqlite_file_url(Path(tmp_path_factory.mktemp("sqlite")) / "npc.sqlite3")
    migrate.upgrade(url)
    return url


@pytest.fixture
def scratch_url(tmp_path: Path) -> str:
    return sqlite_file_url(tmp_path / "scratch.sqlite3")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await empty_tables(engine)
    yield engine
    await engine.dispose()


class TestSqliteRepositories(RepositoryContract):
    @pytest.fixture
    def uow_factory(self, engine: AsyncEngine) -> SqlUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(engine)


class TestSqliteLedger(LedgerContract):
    @pytest.fixture
    def ledger(self, engine: AsyncEngine) -> SqlQuotaLedger:
        return SqlQuotaLedger(engine)


class TestSqlite(SqlContract):
    """The SQL contract on SQLite."""
