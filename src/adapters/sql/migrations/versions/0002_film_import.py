"""Film import: a film's release date, and where each film's data came from.

Revision ID: 0002
Revises: 0001
Create Date: 2025-03-20 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A migration is a snapshot: it spells its types out rather than import today's tables.
MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def upgrade() -> None:
    """Add `movies.release_date` and the `movie_sources` bookkeeping of `npc import`."""
    # Batch mode: SQLite alters a table by rebuilding it (a plain ADD COLUMN needs none).
    with op.batch_alter_table("movies") as movies:
        movies.add_column(sa.Column("release_date", sa.Date(), nullable=True))
    op.create_table(
        "movie_sources",
        sa.Column("source_key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("movie_id", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["movie_id"], ["movies.id"], name="fk_movie_sources_movie_id_movies", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("source_key", "kind", name="pk_movie_sources"),
        **MYSQL,
    )
    op.create_index("ix_movie_sources_movie_id", "movie_sources", ["movie_id"])


def downgrade() -> None:
    """Drop what `upgrade` added; release dates are lost, release years stay."""
    # Its index goes with the table (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table("movie_sources")
    with op.batch_alter_table("movies") as movies:
        movies.drop_column("release_date")
