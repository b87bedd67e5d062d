"""A MariaDB server for integration tests, and fresh migrated databases on it.

The server is `NPC_TEST_MYSQL_URL`, by default root on 127.0.0.1:3306 (as `.ci/run`
starts it) or on the local socket.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from adapters.sql import migrate, sync_url

# root over TCP with no password (how this project's machines run MariaDB), else root
# over the socket, which a freshly installed Debian MariaDB lets the OS root user use.
SERVERS = (
    [os.environ["NPC_TEST_MYSQL_URL"]]
    if os.environ.get("NPC_TEST_MYSQL_URL")
    else [
        "mysql://root@127.0.0.1:3306/",
        "mysql://root@localhost/?unix_socket=/run/mysqld/mysqld.sock",
    ]
)


def execute(server_url: str, statement: str) -> None:
    """Run one statement outside any transaction."""
    engine = create_sync_engine(sync_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@functools.cache
def server() -> str:
    """The first of `SERVERS` that lets us in."""
    refusals = []
    for url in SERVERS:
        try:
            execute(url, "SELECT 1")
        except OperationalError as error:
            refusals.append(f"{make_url(url).render_as_string()}: {error.orig}")
        else:
            return url
    pytest.fail("MariaDB does not let us in (see .ci/run): " + "; ".join(refusals))


def admin(statement: str) -> None:
    """Run one statement on the server, outside any database."""
    execute(server(), statement)


def database_url_for(name: str) -> str:
    """The URL of database `name` on the server."""
    return make_url(server()).set(database=name).render_as_string(hide_password=False)


@contextmanager
def fresh_database(prefix: str = "npc_test", *, migrated: bool = True) -> Iterator[str]:
    """A new utf8mb4 database (migrated to head unless told not to), dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    url = database_url_for(name)
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        admin(f"DROP DATABASE IF EXISTS {name}")
