"""Alembic's environment: the URL comes from `migrate.alembic_config`, never an ini file."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, URL, Column
from sqlalchemy.dialects.mysql import LONGTEXT
from sqlalchemy.types import TypeEngine

from adapters.sql.engine import create_migration_engine
from adapters.sql.tables import metadata


def compare_type(
    migration: MigrationContext,
    inspected_column: Column[Any],
    metadata_column: Column[Any],
    inspected_type: TypeEngine[Any],
    metadata_type: TypeEngine[Any],
) -> bool | None:
    """MariaDB stores JSON as LONGTEXT (checked by json_valid): that is no drift."""
    del inspected_column, metadata_column
    if (
        migration.dialect.name in {"mysql", "mariadb"}
        and isinstance(metadata_type, JSON)
        and isinstance(inspected_type, LONGTEXT | JSON)
    ):
        return False
    return None  # Alembic's own comparison decides


def run() -> None:
    """Migrate over a connection, or write the SQL when offline (`npc migrate --sql`)."""
    url: URL = context.config.attributes["url"]
    if context.is_offline_mode():
        context.configure(
            url=url.render_as_string(hide_password=False),
            literal_binds=True,
            target_metadata=metadata,
            compare_type=compare_type,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_migration_engine(url)
    try:
        with engine.connect() as connection:
            # SQLite alters a table by rebuilding it; Alembic's batch mode does that.
            context.configure(
                connection=connection,
                render_as_batch=connection.dialect.name == "sqlite",
                target_metadata=metadata,
                compare_type=compare_type,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run()
