"""SQLite databases for the importing tests: migrated once, copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.sql import migrate
from adapters.sql.bulk import create_bulk_engine
from adapters.sql.engine import sqlite_file_url


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, never written to."""
    path = tmp_path_factory.mktemp("template") / "npc.sqlite3"
    migrate.upgrade(sqlite_file_url(path))
    return path


@pytest.fixture
def url(migrated_file: Path, tmp_path: Path) -> str:
    """A fresh copy of the migrated database: what `NPC_DATABASE_URL` would name."""
    path = tmp_path / "data" / "npc.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(migrated_file, path)
    return sqlite_file_url(path)


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    """The writer's engine on that copy."""
    engine = create_bulk_engine(url)
    yield engine
    engine.dispose()
