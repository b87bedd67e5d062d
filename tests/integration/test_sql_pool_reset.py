"""The MariaDB pool: one ROLLBACK per unit, turns in arrival order, dead connections replaced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import date

import pytest
from sqlalchemy import Connection, func, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from adapters.sql import SqlQuotaLedger, SqlUnitOfWork, create_engine, gate
from npc_core.errors import DatabaseUnavailable
from npc_core.model import PageRequest
from tests.integration.mariadb_support import fresh_database
from tests.integration.one_session import one_connection, rollbacks

pytestmark = pytest.mark.asyncio

PROBE = "00000000-0000-4000-8000-0000000000aa"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_database("npc_pool_reset") as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    async with one_connection(database_url) as engine:
        yield engine


async def test_a_read_only_unit_of_work_ends_with_one_rollback(engine: AsyncEngine) -> None:
    """A unit of work that only read sends one ROLLBACK; the pool adds no reset of its own."""
    before = await rollbacks(engine)
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.movies.get(PROBE) is None
    assert await rollbacks(engine) - before == 1


async def test_a_committed_unit_of_work_returns_without_a_rollback(engine: AsyncEngine) -> None:
    """After COMMIT no transaction is open on the server: returning the connection sends nothing."""
    before = await rollbacks(engine)
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.movies.get(PROBE) is None
        await uow.commit()
    assert await rollbacks(engine) - before == 0


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(
    engine: AsyncEngine,
) -> None:
    """A write that SQLAlchemy does not know of is rolled back when the connection comes back.

    The pool's reset asks the server (its status flags) whether a transaction is open,
    so a connection never carries one to its next user, who would otherwise commit it.
    """

    def write_behind_sqlalchemys_back(connection: Connection) -> None:
        cursor = connection.connection.cursor()  # the driver's, outside any SQLAlchemy transaction
        cursor.execute(
            "INSERT INTO quota_usage (user_id, day, used) VALUES (%s, '2026-11-28', 1)", (PROBE,)
        )
        cursor.close()

    async with engine.connect() as connection:
        await connection.run_sync(write_behind_sqlalchemys_back)
    # Closed with no SQLAlchemy transaction: only the pool's reset can end the server's.
    async with engine.connect() as connection:
        found = await connection.execute(
            text("SELECT count(*) FROM quota_usage WHERE user_id = :id"), {"id": PROBE}
        )
        assert found.scalar() == 0


async def test_a_waiting_unit_is_not_overtaken(engine: AsyncEngine) -> None:
    """A task that opens units back to back cannot keep the one connection from a waiter.

    The waiter asks while the busy task holds the connection; the busy task's next unit
    comes after it, however soon it asks again.
    """
    order: list[str] = []
    holding = asyncio.Event()

    async def busy() -> None:
        for turn in range(5):
            async with SqlUnitOfWork(engine):
                order.append(f"busy {turn}")
                holding.set()
                await asyncio.sleep(0.01)

    async def waiter() -> None:
        await holding.wait()
        async with SqlUnitOfWork(engine):
            order.append("waiter")

    await asyncio.gather(busy(), waiter())
    assert order.index("waiter") == 1, order


async def test_units_beyond_the_pool_open_no_more_connections(engine: AsyncEngine) -> None:
    """Ten units at once on a pool of one: each runs, one after another, on one connection."""
    running = 0
    most = 0

    async def unit() -> None:
        nonlocal running, most
        async with SqlUnitOfWork(engine) as uow:
            running += 1
            most = max(most, running)
            await uow.users.get("nobody")
            await asyncio.sleep(0.005)
            running -= 1

    await asyncio.gather(*(unit() for _ in range(10)))
    assert most == 1
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0


async def test_a_unit_that_waits_too_long_fails_and_keeps_no_turn(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the wait, `DatabaseUnavailable` (a 503); the line then serves the next unit."""
    monkeypatch.setattr(gate, "WAIT_SECONDS", 0.05)
    async with SqlUnitOfWork(engine):
        with pytest.raises(DatabaseUnavailable, match="free in time"):
            async with SqlUnitOfWork(engine):
                pass
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.users.get("nobody") is None


async def test_a_connection_killed_while_pooled_is_replaced_unseen(
    engine: AsyncEngine, database_url: str
) -> None:
    """The server drops the pooled connection (a restart, wait_timeout): the next unit works.

    The pool pings at checkout, finds the connection dead and opens another, so neither
    a SQLAlchemy read nor a driver-direct one (`Transaction.fetch`, the search) fails.
    """

    async def pooled() -> int:
        async with engine.connect() as connection:
            found = await connection.execute(text("SELECT CONNECTION_ID()"))
            ident = int(found.scalar_one())
            await connection.commit()
        return ident

    killer = create_engine(database_url, pool_size=1)
    try:
        for use in ("read", "fetch"):
            victim = await pooled()
            async with killer.connect() as connection:
                await connection.execute(text(f"KILL {victim}"))
            async with SqlUnitOfWork(engine) as uow:
                if use == "read":
                    assert await uow.movies.get(PROBE) is None
                else:
                    assert (await uow.movies.search("夜航", PageRequest(1, 5))).items == ()
            assert await pooled() != victim, use
    finally:
        await killer.dispose()


async def test_no_server_is_an_outage(database_url: str) -> None:
    """A database that refuses connections: entering a unit of work raises `DatabaseUnavailable`."""
    closed = create_engine(make_url(database_url).set(port=1), pool_size=1)
    try:
        with pytest.raises(DatabaseUnavailable, match="cannot be reached"):
            async with SqlUnitOfWork(closed):
                pass
        # The quota ledger, which AI routes ask first, answers the same 503, not a 500.
        with pytest.raises(DatabaseUnavailable, match="cannot be reached"):
            await SqlQuotaLedger(closed).try_reserve("u", date(2026, 1, 1), 5)
    finally:
        await closed.dispose()


async def test_the_quota_ledger_waits_in_line_with_the_units(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ledger call takes a turn in the units' line (`gate`), not a connection past it.

    With the only turn held, it gives up after the line's wait as a unit would; a call
    that went straight to the pool would wait there for the pool's own 30 s instead.
    """
    monkeypatch.setattr(gate, "WAIT_SECONDS", 0.05)
    ledger = SqlQuotaLedger(engine)
    async with SqlUnitOfWork(engine):
        with pytest.raises(DatabaseUnavailable, match="free in time"):
            await asyncio.wait_for(ledger.try_reserve("u", date(2026, 1, 1), 5), 5)
    assert await ledger.try_reserve("u", date(2026, 1, 1), 5)
    assert await ledger.used("u", date(2026, 1, 1)) == 1


async def kill_its_connection(uow: SqlUnitOfWork, killer: AsyncEngine) -> None:
    """Have the server drop the connection `uow` holds, from a connection of `killer`.

    The id is fetched on the driver, so that SQLAlchemy does not begin a transaction: a
    unit that only fetched ends its transaction itself (`Transaction._end_untracked`).
    """
    ((victim,),) = await uow._tx.fetch(select(func.connection_id()), {})
    async with killer.connect() as connection:
        await connection.execute(text(f"KILL {victim}"))


async def test_a_connection_killed_inside_a_unit_is_an_outage(
    engine: AsyncEngine, database_url: str
) -> None:
    """The server drops the connection between two statements: `DatabaseUnavailable`.

    The unit's work is lost with the connection, so the statement is not retried, through
    SQLAlchemy or on the driver directly; the pool opens a fresh connection for the next.
    """

    async def next_statement(uow: SqlUnitOfWork, use: str) -> object:
        if use == "read":
            return await uow.movies.get(PROBE)
        return await uow.movies.search("夜航", PageRequest(1, 5))

    killer = create_engine(database_url, pool_size=1)
    try:
        for use in ("read", "fetch"):
            async with SqlUnitOfWork(engine) as uow:
                await kill_its_connection(uow, killer)
                with pytest.raises(DatabaseUnavailable, match="connection was lost"):
                    await next_statement(uow, use)
            async with SqlUnitOfWork(engine) as uow:
                assert await uow.movies.get(PROBE) is None
    finally:
        await killer.dispose()


async def test_a_connection_killed_after_the_last_statement_ends_the_unit_cleanly(
    engine: AsyncEngine, database_url: str
) -> None:
    """Dying between the last statement and the rollback costs the unit nothing it kept.

    What it read stands; its uncommitted transaction died with the connection. The unit
    ends without an error, nothing stays checked out, and the next unit gets a new one.
    """
    killer = create_engine(database_url, pool_size=1)
    try:
        for use in ("read", "fetch"):
            async with SqlUnitOfWork(engine) as uow:
                if use == "fetch":
                    assert (await uow.movies.search("夜航", PageRequest(1, 5))).items == ()
                await kill_its_connection(uow, killer)
            pool = engine.sync_engine.pool
            assert isinstance(pool, QueuePool)
            assert pool.checkedout() == 0, use
            async with SqlUnitOfWork(engine) as uow:
                assert await uow.movies.get(PROBE) is None
    finally:
        await killer.dispose()
