"""Getting the configured database ready before a command works on it.

`npc serve`, `npc worker` and `npc import` need a database at this build's schema, and
`npc migrate` brings one there; all four answer the same way through this module. A
SQLite file is npc's own: it is created and migrated on the spot. A shared server is
migrated by a deploy step (`npc migrate`), never by N processes racing at start, so a
server behind this build's schema is refused. So is a database that a newer npc
migrated: its revision is none of this build's.

A server that does not answer, refuses npc's login or has no such database is reported
in one line naming it (password hidden) and the driver's reason: at start an operator
needs that line, not a page of driver traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TextIO

from alembic.util import CommandError
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from adapters.sql import migrate
from adapters.sql.engine import is_sqlite
from entrypoints.settings import ConfigurationError


class DatabaseUnreachable(Exception):
    """The database could not be used; the message names it and says why."""


def prepare(url: str) -> str:
    """Make the database at `url` ready for this npc; its name, password hidden.

    Raises `ConfigurationError` when the URL is not usable, a server is not at this
    build's schema or any database is at a revision this build does not ship, and
    `DatabaseUnreachable` when the database cannot be reached or opened.
    """
    if is_sqlite(url):
        return upgrade(url)[0]
    shown = _shown(url)
    with _reaching(shown):
        current = migrate.current(url)
    _refuse_unknown(shown, current)
    if current != migrate.head():
        raise ConfigurationError(
            f"the database {shown} is at schema revision {current or 'none'}, this npc needs "
            f"{migrate.head()}: run `npc migrate` first"
        )
    return shown


def upgrade(url: str) -> tuple[str, str | None]:
    """Migrate the database at `url` to the newest schema; its name and revision after.

    Raises as `prepare` does, but not for a schema behind: bringing it up is the point.
    """
    shown = _shown(url)
    with _reaching(shown):
        try:
            migrate.upgrade(url)
        except CommandError:
            _refuse_unknown(shown, migrate.current(url))
            raise
        return shown, migrate.current(url)


def write_sql(url: str, output: TextIO) -> None:
    """Write the SQL that `upgrade` would run on a database of `url`'s kind, offline."""
    with _reaching(_shown(url)):
        migrate.upgrade_sql(url, output)


def _refuse_unknown(shown: str, current: str | None) -> None:
    """Refuse a database migrated by a newer npc (after a rollback of the deploy, say).

    Its revision is none of this build's, so neither `npc migrate` nor starting could
    help: alembic would only say it cannot locate the revision.
    """
    if current is not None and not migrate.ships(current):
        raise ConfigurationError(
            f"the database {shown} is at schema revision {current}, which this npc does not "
            f"ship (its newest is {migrate.head()}): a newer npc migrated it; run that npc, "
            "or downgrade the database with it first"
        )


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError) as error:
        raise ConfigurationError(f"NPC_DATABASE_URL is not usable: {error}") from None


@contextlib.contextmanager
def _reaching(shown: str) -> Iterator[None]:
    # OperationalError is what PyMySQL and sqlite3 raise for a refused or lost
    # connection, a denied login, an unknown database or a file that cannot be opened;
    # a fault in a migration's own SQL (ProgrammingError) keeps its traceback.
    try:
        yield
    except OperationalError as error:
        raise DatabaseUnreachable(f"cannot use the database {shown}: {error.orig}") from None
    except (ArgumentError, ValueError) as error:
        raise ConfigurationError(f"NPC_DATABASE_URL is not usable: {error}") from None
