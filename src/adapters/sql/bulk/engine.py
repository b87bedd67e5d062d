"""A sync engine for bulk writes: PyMySQL or sqlite3, from the app's (async) URL.

Importing is one long-running writer, not a pool of requests, so it runs on the sync
drivers (as migrations do) and spends no time on an event loop.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection

from adapters.sql.engine import LOCK_WAIT_SECONDS, is_sqlite, sync_url

# A film's lines are one transaction; another writer may hold a lock for a while.
_MYSQL_SESSION: Final = (
    f"SET SESSION innodb_lock_wait_timeout = {LOCK_WAIT_SECONDS * 6}, time_zone = '+00:00'"
)


def create_bulk_engine(url: str | URL) -> Engine:
    """An engine on the sync driver of `url`'s backend.

    SQLite: WAL, foreign keys enforced (a film's characters and lines go with it), and
    each transaction takes the write lock when it begins (`BEGIN IMMEDIATE`), so a
    film never fails half-way because a running server wrote in between.
    MySQL: READ COMMITTED, as the app runs, so the import takes fewer gap locks.
    """
    target = sync_url(url)
    if not is_sqlite(target):
        return create_engine(
            target,
            pool_pre_ping=True,
            isolation_level="READ COMMITTED",
            connect_args={"init_command": _MYSQL_SESSION},
        )
    engine = create_engine(target)

    def on_connect(dbapi_connection: DBAPIConnection, _record: object) -> None:
        # Transactions are begun explicitly below, not by the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_SECONDS * 1000}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine
