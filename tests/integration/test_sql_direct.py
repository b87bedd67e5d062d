"""Reads run on the driver directly (`Transaction.fetch`, `adapters.sql.direct`) on MariaDB."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pymysql.err import ProgrammingError  # type: ignore[import-untyped]
from sqlalchemy import (
    BigInteger,
    Executable,
    bindparam,
    column,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql import SqlUnitOfWork
from adapters.sql.tables import movies
from adapters.sql.transaction import Transaction
from tests.contracts import builders as b
from tests.integration.mariadb_support import fresh_database
from tests.integration.one_session import one_connection, rollbacks

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_database("npc_direct") as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    async with one_connection(database_url) as engine:
        yield engine


async def test_fetch_returns_what_sqlalchemy_reads(engine: AsyncEngine) -> None:
    """The same statement and values give the same rows, in order, as plain tuples."""
    films = [b.movie(f"Direct {i}", rating=float(i)) for i in range(5)]
    async with SqlUnitOfWork(engine) as uow:
        for film in films:
            await uow.movies.add(film)
        await uow.commit()
    statement = (
        select(literal_column("7").label("k"), movies.c.id, movies.c.title, movies.c.rating)
        .where(movies.c.rating >= bindparam("low", type_=BigInteger()))
        .order_by(movies.c.rating.desc())
        .limit(bindparam("most"))
    )
    values = {"low": 1, "most": 3}
    tx = Transaction(engine)
    await tx.open()
    try:
        direct = await tx.fetch(statement, values)
        through = [tuple(row) for row in await tx.read(statement, values)]
    finally:
        await tx.close()
    assert list(direct) == through
    assert [row[2] for row in direct] == ["Direct 4", "Direct 3", "Direct 2"]
    assert all(type(row) is tuple for row in direct)


async def test_a_driver_error_arrives_as_sqlalchemys(engine: AsyncEngine) -> None:
    """A failing statement raises `DBAPIError` holding the driver's error, as `read` does."""
    missing: Executable = select(column("x")).select_from(table("no_such_table"))
    tx = Transaction(engine)
    await tx.open()
    try:
        with pytest.raises(DBAPIError) as raised:
            await tx.fetch(missing, {})
    finally:
        await tx.close()
    assert isinstance(raised.value.orig, ProgrammingError)
    assert raised.value.orig.args[0] == 1146


async def test_a_transaction_begun_by_fetch_does_not_outlive_the_unit(engine: AsyncEngine) -> None:
    """SQLAlchemy never hears of a fetch's transaction; the pool's reset still ends it."""
    tx = Transaction(engine)
    await tx.open()
    try:
        await tx.fetch(select(movies.c.id).limit(bindparam("most")), {"most": 1})
    finally:
        await tx.close()
    async with engine.connect() as connection:  # the same server session (pool of one)
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        assert not driver.get_transaction_status()
        found = await connection.execute(text("SELECT @@in_transaction"))
        assert found.scalar_one() == 0


async def test_a_unit_that_fetched_ends_with_one_rollback(engine: AsyncEngine) -> None:
    """Fetch, then read through SQLAlchemy: the unit still sends one ROLLBACK, not two."""
    before = await rollbacks(engine)
    async with SqlUnitOfWork(engine) as uow:
        await uow._tx.fetch(select(movies.c.id).limit(bindparam("most")), {"most": 1})
        assert await uow.movies.get("00000000-0000-4000-8000-0000000000aa") is None
    assert await rollbacks(engine) - before == 1


async def test_a_unit_that_only_fetched_ends_with_one_rollback(engine: AsyncEngine) -> None:
    """No SQLAlchemy transaction: the unit's own ROLLBACK ends the server's, the pool adds none."""
    before = await rollbacks(engine)
    async with SqlUnitOfWork(engine) as uow:
        await uow._tx.fetch(select(movies.c.id).limit(bindparam("most")), {"most": 1})
        await uow._tx.fetch(select(movies.c.id).limit(bindparam("most")), {"most": 2})
    assert await rollbacks(engine) - before == 1


async def test_rollback_after_a_fetch_ends_the_servers_transaction(engine: AsyncEngine) -> None:
    """`rollback()` ends a transaction only a fetch began; closing then sends nothing more."""
    in_transaction: Executable = select(literal_column("@@in_transaction"))  # reads no table
    async with SqlUnitOfWork(engine) as uow:
        await uow._tx.fetch(select(movies.c.id).limit(bindparam("most")), {"most": 1})
        assert await uow._tx.fetch(in_transaction, {}) == ((1,),)
        await uow.rollback()
        assert await uow._tx.fetch(in_transaction, {}) == ((0,),)
    before = await rollbacks(engine)
    async with SqlUnitOfWork(engine) as uow:
        await uow._tx.fetch(select(movies.c.id).limit(bindparam("most")), {"most": 1})
        await uow.rollback()
    assert await rollbacks(engine) - before == 1


async def test_a_commit_after_fetch_and_write_ends_everything(engine: AsyncEngine) -> None:
    """Fetch, write, commit: the COMMIT ends the one server transaction; no ROLLBACK follows."""
    film = b.movie("Fetched then written")
    before = await rollbacks(engine)
    async with SqlUnitOfWork(engine) as uow:
        await uow._tx.fetch(select(movies.c.id).limit(bindparam("most")), {"most": 1})
        await uow.movies.add(film)
        await uow.commit()
    assert await rollbacks(engine) - before == 0
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.movies.get(film.id) == film
