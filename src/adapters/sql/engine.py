"""Database URLs and engines: async for the app, sync for migrations.

`NPC_DATABASE_URL` may name the backend with or without a driver (`mysql://`,
`mariadb+pymysql://`, `sqlite:///var/npc.sqlite3`); the app always talks through the
asyncio drivers (aiomysql, aiosqlite) and Alembic through the sync ones (PyMySQL,
sqlite3). Nothing here connects: an engine opens connections on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from sqlalchemy import URL, Engine, PoolResetState, event, make_url
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.sql import gate

_ASYNC_DRIVERS: Final = {"mysql": "aiomysql", "mariadb": "aiomysql", "sqlite": "aiosqlite"}
_SYNC_DRIVERS: Final = {"mysql": "pymysql", "mariadb": "pymysql", "sqlite": "pysqlite"}

# Recycle pooled MySQL connections well before a server or proxy closes idle ones
# (wait_timeout is often lowered to 600-3600 s on managed databases).
POOL_RECYCLE_SECONDS: Final = 1_800
# Connections per process (`NPC_DATABASE_POOL_SIZE`): enough to keep MySQL busy from one
# event loop, while many processes stay under its max_connections (151 by default).
POOL_SIZE: Final = 10
# How long a statement waits for a row lock (MySQL) or the write lock (SQLite) before
# the unit of work reports a lost race; InnoDB's default of 50 s outlives any request.
LOCK_WAIT_SECONDS: Final = 5
# MariaDB cuts a JSON_ARRAYAGG longer than this. Its default, 1 MiB, is less than a
# dialogue page of 100 lines of 2,000 control characters, each escaped to 6 bytes.
AGGREGATE_BYTES: Final = 4 * 1024 * 1024


def sqlite_file_url(path: Path) -> str:
    """The URL of a SQLite database file."""
    return f"sqlite+aiosqlite:///{path}"


def _with_driver(url: str | URL, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(
            f"unsupported database {backend!r}: use mysql://, mariadb:// or sqlite:// URLs"
        )
    parsed = parsed.set(drivername=f"{backend}+{drivers[backend]}")
    if backend != "sqlite" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def async_url(url: str | URL) -> URL:
    """The URL with the asyncio driver of its backend."""
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str | URL) -> URL:
    """The URL with the sync driver of its backend, for migrations."""
    return _with_driver(url, _SYNC_DRIVERS)


def is_sqlite(url: str | URL) -> bool:
    """Whether the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or another backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def create_engine(url: str | URL, *, pool_size: int = POOL_SIZE, echo: bool = False) -> AsyncEngine:
    """An async engine for the app: pooled, pinged, recycled; SQLite in WAL mode.

    MySQL runs READ COMMITTED: a unit of work re-reads what others committed (as the
    in-memory store does), and InnoDB takes fewer gap locks, so fewer deadlocks.

    The MySQL pool is fixed at `pool_size` connections, and units of work wait for one
    in arrival order (`gate`). Overflow connections beyond the pool would be opened and
    closed again as the load moves around the pool's size: a connect (TCP, login,
    session settings) for every few dozen requests under steady load.
    """
    target = async_url(url)
    if is_sqlite(target):
        # A local file never drops a connection: pinging would only add a thread hop.
        engine = create_async_engine(target, echo=echo)
        _sqlite_pragmas(engine.sync_engine, foreign_keys=True)
        return engine
    engine = create_async_engine(
        target,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=gate.WAIT_SECONDS,
        pool_pre_ping=True,
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_reset_on_return=None,  # `_reset_open_transaction` instead
        isolation_level="READ COMMITTED",
        connect_args=_mysql_session(),
    )
    event.listen(engine.sync_engine.pool, "reset", _reset_open_transaction)
    gate.line_up(engine, pool_size)
    return engine


def _reset_open_transaction(
    dbapi_connection: DBAPIConnection, _record: object, state: PoolResetState
) -> None:
    """Roll back a returning connection only if the server says a transaction is open.

    The pool's default reset sends ROLLBACK on every return: one more round trip per unit
    of work, although a unit's commit or rollback has usually ended its transaction
    already. The server reports an open transaction in every answer's status flags.
    """
    if not state.asyncio_safe:
        return  # the pool is discarding the connection, not reusing it
    driver = getattr(dbapi_connection, "_connection", None)
    in_transaction = getattr(driver, "get_transaction_status", None)
    if in_transaction is None or in_transaction():
        dbapi_connection.rollback()


def create_migration_engine(url: str | URL) -> Engine:
    """A sync engine for Alembic.

    On SQLite, foreign keys stay off while migrating: Alembic rebuilds a table to alter
    it, and dropping the old copy with enforcement on would cascade into its children.
    """
    target = sync_url(url)
    if is_sqlite(target):
        engine = create_sync_engine(target)
        _sqlite_pragmas(engine, foreign_keys=False)
        return engine
    return create_sync_engine(target, pool_pre_ping=True, connect_args=_mysql_session())


def _mysql_session() -> dict[str, Any]:
    return {
        "init_command": (
            f"SET SESSION innodb_lock_wait_timeout = {LOCK_WAIT_SECONDS}, time_zone = '+00:00', "
            f"group_concat_max_len = {AGGREGATE_BYTES}"
        )
    }


def _sqlite_pragmas(engine: Engine, *, foreign_keys: bool) -> None:
    def on_connect(dbapi_connection: DBAPIConnection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe in WAL
            cursor.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_SECONDS * 1000}")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    event.listen(engine, "connect", on_connect)
