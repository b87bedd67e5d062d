"""`LibraryWriter` on SQLite (the embedded default): the writer contract."""

from __future__ import annotations

from tests.unit.importing.writer_contract import WriterContract


class TestSqliteWriter(WriterContract):
    """The writer contract on a fresh SQLite file per test."""
