"""Getting the configured database ready before a command works on it.

`npc serve`, `npc worker` and `npc import` need a database at this build's schema, and
`npc migrate` brings one there; all four answer the same way through this module. A
SQLite file is npc's own: it is created and migrated on the spot. A shared server is
migrated by a deploy step (`npc migrate`), never by N processes racing at start, so a
server behind this build's schema is refused.

A server that does not answer, refuses npc's login or has no such database is reported
in one line naming it (password hidden) and the driver's reason: at start an operator
needs that line, not a page of driver traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TextIO

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from adapters.sql import migrate
from adapters.sql.engine import is_sqlite
from entrypoints.settings import ConfigurationError


class DatabaseUnreachable(Exception):
    """The database could not be used; the message names it and says why."""


def prepare(url: str) -> str:
    """Make the database at `url` ready for this npc; its name, password hidden.

    Raises `ConfigurationError` when the URL is not usable or a server is not at this
    build's schema, `DatabaseUnreachable` when the database cannot be reached or opened.
    """
    shown = _shown(url)
    with _reaching(shown):
        if is_sqlite(url):
            migrate.upgrade(url)
            return shown
        current = migrate.current(url)
    if current != migrate.head():
        raise ConfigurationError(
            f"the database {shown} is at schema revision {current or 'none'}, this npc needs "
            f"{migrate.head()}: run `npc migrate` first"
        )
    return shown


def upgrade(url: str) -> tuple[str, str | None]:
    """Migrate the database at `url` to the newest schema; its name and revision after.

    Raises as `prepare` does, but never for the schema: bringing it up is the point.
    """
    shown = _shown(url)
    with _reaching(shown):
        migrate.upgrade(url)
        return shown, migrate.current(url)


def write_sql(url: str, output: TextIO) -> None:
    """Write the SQL that `upgrade` would run on a database of `url`'s kind, offline."""
    with _reaching(_shown(url)):
        migrate.upgrade_sql(url, output)


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
