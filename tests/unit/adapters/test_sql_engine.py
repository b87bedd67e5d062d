"""Database URLs: any spelling of a backend gets the right driver for the app and for Alembic."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url

from adapters.sql import async_url, create_engine, sqlite_file_url, sync_url
from adapters.sql.engine import sqlite_path
from entrypoints.bootstrap import database_url


@pytest.mark.parametrize(
    ("given", "app", "migrations"),
    [
        ("mysql://u:p@db/npc", "mysql+aiomysql", "mysql+pymysql"),
        ("mysql+pymysql://u:p@db/npc", "mysql+aiomysql", "mysql+pymysql"),
        ("mysql+aiomysql://u:p@db/npc", "mysql+aiomysql", "mysql+pymysql"),
        ("mariadb://u:p@db/npc", "mariadb+aiomysql", "mariadb+pymysql"),
        ("sqlite:///var/npc.sqlite3", "sqlite+aiosqlite", "sqlite+pysqlite"),
        ("sqlite+aiosqlite:////abs/npc.sqlite3", "sqlite+aiosqlite", "sqlite+pysqlite"),
    ],
)
def test_each_backend_gets_its_async_and_sync_driver(given: str, app: str, migrations: str) -> None:
    """The app runs on aiomysql/aiosqlite and Alembic on PyMySQL/sqlite3, from one URL."""
    assert async_url(given).drivername == app
    assert sync_url(given).drivername == migrations
    assert sync_url(given).database == make_url(given).database


def test_mysql_urls_default_to_utf8mb4_and_keep_a_given_charset() -> None:
    """Connections speak utf8mb4 unless the URL says otherwise."""
    assert async_url("mysql://u@db/npc").query["charset"] == "utf8mb4"
    assert sync_url("mysql://u@db/npc?charset=utf8mb4").query["charset"] == "utf8mb4"
    assert "charset" not in async_url("sqlite:///x.sqlite3").query


@pytest.mark.parametrize("url", ["postgresql://u@db/npc", "oracle://u@db", "something://here"])
def test_other_backends_are_refused(url: str) -> None:
    """Only MySQL, MariaDB and SQLite are supported: anything else fails at once, by name."""
    with pytest.raises(ValueError, match="unsupported database"):
        create_engine(url)


def test_the_embedded_database_lives_under_the_data_folder(tmp_path: Path) -> None:
    """Without NPC_DATABASE_URL the database is `{data dir}/npc.sqlite3`."""
    url = database_url("", tmp_path)
    assert sqlite_path(url) == tmp_path / "npc.sqlite3"
    assert database_url("mysql://u@db/npc", tmp_path) == "mysql://u@db/npc"
    assert sqlite_path(sqlite_file_url(Path("var/npc.sqlite3"))) == Path("var/npc.sqlite3")
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("mysql://u@db/npc") is None


async def test_creating_an_engine_connects_to_nothing(tmp_path: Path) -> None:
    """An engine is made without I/O: the file appears only once something connects."""
    path = tmp_path / "later" / "npc.sqlite3"
    engine = create_engine(sqlite_file_url(path))
    assert not path.exists()
    await engine.dispose()
