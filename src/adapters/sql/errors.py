"""Driver errors translated into the core's errors, and which of them a retry may cure.

sqlalchemy.exc.DBAPIError, classified by `classify`:
├── DUPLICATE        MySQL 1062, SQLite UNIQUE / PRIMARY KEY   -> Conflict
├── MISSING_PARENT   MySQL 1452, SQLite FOREIGN KEY            -> Conflict
├── DEADLOCK         MySQL 1213: the server rolled the whole transaction back
├── LOCK_TIMEOUT     MySQL 1205: the statement, or with innodb_rollback_on_timeout the
│                    whole transaction, was undone
├── BUSY             SQLite "database is locked" once busy_timeout has passed
└── OTHER            left as it is: a bug, not a lost race

An outage is told apart first (`unavailable`): no connection to be had (refused,
unreachable, too many connections, none free in the pool in time) or one that died
(SQLAlchemy's disconnect detection, MariaDB's "connection killed") is the core's
`DatabaseUnavailable` (503, retry later), never a 500.

The last three are lock failures (`Failure.lock`), which a retry may cure. Where to
retry: a unit of work cannot re-run its use case (the port gives it no closure to call
again), so it retries one statement, once, and only before it has written anything:
then whatever the server undid held nothing of ours, and a fresh transaction loses
nothing. After a write, a lock failure is a lost race: `Conflict` (409, which the
client may retry whole) and the unit of work is doomed, so no later statement can
commit half of its work. The quota ledger owns its one-statement transactions and
retries them whole.
"""

from __future__ import annotations

import enum
import sqlite3
from typing import Final

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from npc_core.errors import Conflict, DatabaseUnavailable

_MYSQL_DUPLICATE: Final = 1062
_MYSQL_MISSING_PARENT: Final = 1452
_MYSQL_DEADLOCK: Final = 1213
_MYSQL_LOCK_TIMEOUT: Final = 1205
# Client and server codes that mean the server cannot be (or is no longer) talked to:
# too many connections, shutdown in progress, connection killed; can't connect through
# the socket or TCP, unknown host, server gone away, lost during query, lost at handshake.
_MYSQL_OUTAGE: Final = frozenset({1040, 1053, 1927, 2002, 2003, 2005, 2006, 2013, 2055})
_SQLITE_BUSY: Final = 5  # with its extended codes (BUSY_SNAPSHOT is 517) in the low byte
_SQLITE_LOCKED: Final = 6
_SQLITE_FOREIGN_KEY: Final = 787
_SQLITE_PRIMARY_KEY: Final = 1555
_SQLITE_UNIQUE: Final = 2067


class Failure(enum.Enum):
    """What a driver error means for the unit of work."""

    DUPLICATE = "duplicate"
    MISSING_PARENT = "missing parent"
    DEADLOCK = "deadlock"
    LOCK_TIMEOUT = "lock wait timeout"
    BUSY = "busy"
    OTHER = "other"

    @property
    def lock(self) -> bool:
        """Whether the statement lost a race for a lock, which a retry may win."""
        return self in (Failure.DEADLOCK, Failure.LOCK_TIMEOUT, Failure.BUSY)


_MYSQL: Final = {
    _MYSQL_DUPLICATE: Failure.DUPLICATE,
    _MYSQL_MISSING_PARENT: Failure.MISSING_PARENT,
    _MYSQL_DEADLOCK: Failure.DEADLOCK,
    _MYSQL_LOCK_TIMEOUT: Failure.LOCK_TIMEOUT,
}
_SQLITE: Final = {
    _SQLITE_UNIQUE: Failure.DUPLICATE,
    _SQLITE_PRIMARY_KEY: Failure.DUPLICATE,
    _SQLITE_FOREIGN_KEY: Failure.MISSING_PARENT,
}
_SQLITE_PRIMARY: Final = {_SQLITE_BUSY: Failure.BUSY, _SQLITE_LOCKED: Failure.BUSY}


def classify(error: DBAPIError) -> Failure:
    """What the driver's error means, from its error code."""
    orig = error.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", -1)
        return _SQLITE.get(code, _SQLITE_PRIMARY.get(code & 0xFF, Failure.OTHER))
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return _MYSQL.get(args[0], Failure.OTHER)
    return Failure.OTHER


def conflict(failure: Failure) -> Conflict | None:
    """The core error a failure stands for, or None when it is no lost race.

    The message never quotes the driver's, which names the key values (an openid, a
    share token); the driver's error stays attached as the cause, for the logs.
    """
    if failure is Failure.DUPLICATE:
        return Conflict("a row with the same key already exists")
    if failure is Failure.MISSING_PARENT:
        return Conflict("the write refers to a row that does not exist (any more)")
    if failure.lock:
        return Conflict(f"the write lost a race for a lock ({failure.value}); try again")
    return None


def unavailable(error: BaseException) -> DatabaseUnavailable | None:
    """The outage `error` stands for, or None when it is not one."""
    if isinstance(error, PoolTimeout):
        return DatabaseUnavailable("no database connection became free in time")
    if not isinstance(error, DBAPIError):
        return None
    args = getattr(error.orig, "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    if error.connection_invalidated or code in _MYSQL_OUTAGE:
        return DatabaseUnavailable(
            "the database connection was lost"
            if error.connection_invalidated
            else f"the database cannot be reached (error {code})"
        )
    return None
