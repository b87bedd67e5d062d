"""Driver errors become core errors; lock failures retried only when sound; outages are 503s."""

from __future__ import annotations

import sqlite3
from typing import Any, NoReturn, cast

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.errors import Failure, classify, conflict, unavailable
from adapters.sql.transaction import Transaction
from npc_core.errors import Conflict, DatabaseUnavailable


def mysql_error(code: int, kind: type[DBAPIError] = OperationalError) -> DBAPIError:
    """What PyMySQL raises: an exception whose first argument is the server's errno."""
    return kind("UPDATE users", {}, Exception(code, "server says no"))


def sqlite_error(code: int, message: str) -> DBAPIError:
    orig = sqlite3.IntegrityError(message)
    orig.sqlite_errorcode = code
    return IntegrityError("INSERT", {}, orig)


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (mysql_error(1062, IntegrityError), Failure.DUPLICATE),
        (mysql_error(1452, IntegrityError), Failure.MISSING_PARENT),
        (mysql_error(1213), Failure.DEADLOCK),
        (mysql_error(1205), Failure.LOCK_TIMEOUT),
        (mysql_error(2013), Failure.OTHER),
        (sqlite_error(2067, "UNIQUE constraint failed: users.openid"), Failure.DUPLICATE),
        (sqlite_error(1555, "UNIQUE constraint failed: users.id"), Failure.DUPLICATE),
        (sqlite_error(787, "FOREIGN KEY constraint failed"), Failure.MISSING_PARENT),
        (sqlite_error(5, "database is locked"), Failure.BUSY),
        (sqlite_error(1299, "NOT NULL constraint failed"), Failure.OTHER),
    ],
)
def test_driver_errors_are_classified_by_code(error: DBAPIError, failure: Failure) -> None:
    """MySQL errnos and SQLite extended codes say what happened, whatever the message."""
    assert classify(error) is failure


def test_only_lost_races_become_conflicts_and_never_quote_the_driver() -> None:
    """Duplicates, missing parents and lock failures are `Conflict`s; the rest stays an error.

    The driver's message names key values (an openid, a share token), so it stays out.
    """
    for failure in (Failure.DUPLICATE, Failure.MISSING_PARENT, Failure.DEADLOCK, Failure.BUSY):
        error = conflict(failure)
        assert isinstance(error, Conflict)
        assert "server says" not in str(error)
    assert conflict(Failure.OTHER) is None


class FakeConnection:
    """Answers `execute` with the scripted errors, then succeeds; records what happened."""

    def __init__(self, errors: list[DBAPIError]) -> None:
        self.errors = errors
        self.calls: list[str] = []

    async def execute(self, _statement: Any, _rows: Any = None) -> str:
        self.calls.append("execute")
        if self.errors:
            raise self.errors.pop(0)
        return "result"

    async def commit(self) -> None:
        self.calls.append("commit")

    async def rollback(self) -> None:
        self.calls.append("rollback")

    async def close(self) -> None:
        self.calls.append("close")


class FakeEngine:
    def __init__(self, connection: FakeConnection) -> None:
        self.connection = connection

    async def connect(self) -> FakeConnection:
        return self.connection


async def opened(*errors: DBAPIError) -> tuple[Transaction, FakeConnection]:
    connection = FakeConnection(list(errors))
    tx = Transaction(cast("AsyncEngine", FakeEngine(connection)))
    await tx.open()
    return tx, connection


@pytest.mark.parametrize("code", [1213, 1205])
async def test_a_lock_failure_before_any_write_is_retried_once_in_a_new_transaction(
    code: int,
) -> None:
    """Nothing of ours was held: roll back here too and run the statement again, once."""
    tx, connection = await opened(mysql_error(code))
    result: object = await tx.read(text("SELECT 1"))
    assert result == "result"
    assert connection.calls == ["execute", "rollback", "execute"]
    tx, connection = await opened(mysql_error(code), mysql_error(code))
    with pytest.raises(Conflict):
        await tx.write(text("UPDATE"))


def test_sqlite_busy_is_a_lock_failure_whatever_its_extended_code() -> None:
    """SQLITE_BUSY_SNAPSHOT (517) and friends are busy too: the low byte says so."""
    assert classify(sqlite_error(517, "database is locked")) is Failure.BUSY
    assert classify(sqlite_error(261, "database is locked")) is Failure.BUSY
    assert all(f.lock for f in (Failure.DEADLOCK, Failure.LOCK_TIMEOUT, Failure.BUSY))
    assert not Failure.DUPLICATE.lock


@pytest.mark.parametrize("code", [1213, 1205])
async def test_a_lock_failure_after_a_write_dooms_the_unit_of_work(code: int) -> None:
    """The server may have undone earlier writes: nothing more runs or commits until a rollback."""
    tx, connection = await opened()
    await tx.write(text("INSERT"))
    connection.errors.append(mysql_error(code))
    with pytest.raises(Conflict):
        await tx.write(text("UPDATE"))
    assert connection.calls.count("execute") == 2  # no retry
    with pytest.raises(Conflict):
        await tx.read(text("SELECT 1"))
    with pytest.raises(Conflict):
        await tx.commit()
    assert "commit" not in connection.calls
    await tx.rollback()
    result: object = await tx.read(text("SELECT 1"))
    assert result == "result"
    await tx.close()
    # SQLAlchemy's close rolls the open transaction back (test_sql_pool_reset on MariaDB).
    assert connection.calls[-2:] == ["execute", "close"]


async def test_other_errors_pass_through_untouched() -> None:
    """A bug (no such table) is neither a race nor an outage: it reaches the caller as it was."""
    tx, _ = await opened(mysql_error(1146))
    with pytest.raises(OperationalError):
        await tx.read(text("SELECT 1"))


async def test_a_unit_of_work_is_used_inside_its_block_only() -> None:
    """Statements outside `async with` are a programming error, said plainly."""
    tx = Transaction(cast("AsyncEngine", FakeEngine(FakeConnection([]))))
    with pytest.raises(RuntimeError, match="async with"):
        await tx.read(text("SELECT 1"))


@pytest.mark.parametrize("code", [1040, 1053, 1927, 2002, 2003, 2005, 2006, 2013, 2055])
def test_codes_meaning_no_server_are_an_outage(code: int) -> None:
    """Refused, unreachable, gone away, lost, killed, too many connections: unavailable."""
    found = unavailable(mysql_error(code))
    assert isinstance(found, DatabaseUnavailable)
    assert found.retry_after == DatabaseUnavailable.RETRY_AFTER_SECONDS
    assert str(code) in str(found)


def test_lost_races_and_bugs_are_no_outage() -> None:
    """Duplicates, lock failures and other errors keep their meaning; a pool wait is one."""
    for code in (1062, 1213, 1205, 1146, 1064):
        assert unavailable(mysql_error(code)) is None
    assert unavailable(ValueError("no")) is None
    assert isinstance(unavailable(PoolTimeout("no connection")), DatabaseUnavailable)
    lost = mysql_error(1146)
    lost.connection_invalidated = True  # what SQLAlchemy sets when it sees the connection die
    assert isinstance(unavailable(lost), DatabaseUnavailable)


async def test_a_lost_connection_is_not_retried_and_is_an_outage() -> None:
    """The server went away mid-unit: no retry on that connection, `DatabaseUnavailable`."""
    tx, connection = await opened(mysql_error(2013))
    with pytest.raises(DatabaseUnavailable):
        await tx.read(text("SELECT 1"))
    assert connection.calls == ["execute"]


async def test_no_connection_at_open_is_an_outage() -> None:
    """A unit of work that cannot get a connection raises `DatabaseUnavailable`."""

    class Refusing:
        async def connect(self) -> NoReturn:
            raise mysql_error(2003)

    tx = Transaction(cast("AsyncEngine", Refusing()))
    for _ in range(2):  # the failed open left nothing behind: the second is no "already open"
        with pytest.raises(DatabaseUnavailable):
            await tx.open()
