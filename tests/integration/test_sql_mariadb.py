"""The SQL adapters on MariaDB: every port contract, the SQL contract and migrations.

A fresh database per test session (`npc_test_<random>`), created and migrated by
Alembic and dropped at the end; each test starts from empty tables on a fresh engine.
The server is `NPC_TEST_MYSQL_URL`, by default root on 127.0.0.1:3306 (as `.ci/run`
starts it) or on the local socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory import ScriptedWorkflowRunner
from adapters.sql import SqlQuotaLedger, SqlUnitOfWorkFactory, create_engine, migrate
from entrypoints.bootstrap import build
from entrypoints.settings import ConfigurationError, Secret, Settings
from npc_core.errors import Conflict
from npc_core.services.health import readiness
from tests.contracts.ledger import LedgerContract
from tests.contracts.repositories import RepositoryContract
from tests.contracts.sql import SqlContract, empty_tables
from tests.contracts.uow import given_users
from tests.integration.mariadb_support import fresh_database


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def scratch_url() -> Iterator[str]:
    with fresh_database("npc_scratch", migrated=False) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    await empty_tables(engine)
    yield engine
    await engine.dispose()


class TestMariaDbRepositories(RepositoryContract):
    @pytest.fixture
    def uow_factory(self, engine: AsyncEngine) -> SqlUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(engine)


class TestMariaDbLedger(LedgerContract):
    @pytest.fixture
    def ledger(self, engine: AsyncEngine) -> SqlQuotaLedger:
        return SqlQuotaLedger(engine)


class TestMariaDb(SqlContract):
    """The SQL contract on MariaDB."""


async def test_a_deadlock_fails_one_unit_of_work_whole(engine: AsyncEngine) -> None:
    """Two units of work lock two users in opposite orders: InnoDB kills one transaction.

    Its unit of work answers `Conflict` and stays doomed (its first write is gone with the
    transaction, so nothing it does later may commit); the other one commits in full.
    """
    factory = SqlUnitOfWorkFactory(engine)
    await given_users(factory, "a", "b")
    async with factory() as first, factory() as second:
        await first.users.record_usage("a")
        await second.users.record_usage("b")
        crossed = await asyncio.gather(
            first.users.record_usage("b"), second.users.record_usage("a"), return_exceptions=True
        )
        assert sum(isinstance(r, Conflict) for r in crossed) == 1, crossed
        winner, loser = (first, second) if crossed[0] is None else (second, first)
        with pytest.raises(Conflict):
            await loser.users.get("a")
        with pytest.raises(Conflict):
            await loser.commit()
        await winner.commit()
    async with factory() as uow:
        counts = [(await uow.users.get(name)) for name in ("a", "b")]
    assert [u.usage_count for u in counts if u is not None] == [1, 1]


async def test_npc_refuses_a_server_that_was_not_migrated(scratch_url: str, tmp_path: Path) -> None:
    """A shared server is migrated by `npc migrate`, not at start: until then start-up stops."""
    settings = Settings(data_dir=tmp_path, database_url=Secret(scratch_url), demo_library=False)
    app = build(settings, workflows=ScriptedWorkflowRunner())
    with pytest.raises(ConfigurationError, match="npc migrate"):
        await app.start()
    await app.stop()
    migrate.upgrade(scratch_url)
    app = build(settings, workflows=ScriptedWorkflowRunner())
    await app.start()
    try:
        assert (await readiness(app.deps)).checks["database"] == "ok"
        assert isinstance(app.deps.uow, SqlUnitOfWorkFactory)
        assert "data in mysql://" in app.description
    finally:
        await app.stop()
