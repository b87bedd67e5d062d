"""The initial schema: users, the film library and its search index, what users make.

Revision ID: 0001
Revises:
Create Date: 2025-03-01 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A migration is a snapshot: it spells its types out rather than import today's tables.
MYSQL: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def _id() -> sa.String:
    return sa.String(64)


def _long_text() -> TypeEngine[Any]:
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def _time() -> TypeEngine[Any]:
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _json() -> sa.JSON:
    return sa.JSON(none_as_null=True)


def _column(name: str, kind: TypeEngine[Any], *, null: bool = False) -> sa.Column[Any]:
    return sa.Column(name, kind, nullable=null)


def _owner(table: str) -> list[SchemaItem]:
    return [
        _column("user_id", _id()),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
        ),
    ]


def _table(name: str, *items: SchemaItem, key: Sequence[str] = ("id",)) -> None:
    op.create_table(name, *items, sa.PrimaryKeyConstraint(*key, name=f"pk_{name}"), **MYSQL)


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def _times() -> list[SchemaItem]:
    return [_column("created_at", _time()), _column("updated_at", _time())]


def _users() -> None:
    _table(
        "users",
        _column("id", _id()),
        _column("openid", sa.String(100)),
        _column("nickname", sa.String(50), null=True),
        _column("avatar_url", sa.Text(), null=True),
        _column("membership", sa.String(16)),
        _column("usage_count", sa.BigInteger()),
        *_times(),
        sa.UniqueConstraint("openid", name="uq_users_openid"),
    )
    _table(
        "quota_usage",
        _column("user_id", _id()),
        _column("day", sa.String(10)),
        _column("used", sa.Integer()),
        key=("user_id", "day"),
    )


def _library() -> None:
    _table(
        "movies",
        _column("id", _id()),
        _column("title", sa.String(200)),
        _column("original_title", sa.String(200), null=True),
        _column("overview", _long_text()),
        _column("tmdb_id", sa.String(32), null=True),
        _column("poster_url", sa.Text(), null=True),
        _column("rating", sa.Double(), null=True),
        _column("popularity", sa.Double()),
        _column("genres", _json()),
        _column("aliases", _json()),
        _column("release_year", sa.SmallInteger(), null=True),
        _column("director", sa.String(100), null=True),
        _column("created_at", _time(), null=True),
        _column("overview_overflow", sa.Boolean()),
    )
    _index("movies", "rating", "popularity", "id")
    _index("movies", "overview_overflow")
    for index in ("movie_title_grams", "movie_overview_grams"):
        _table(
            index,
            _column("gram", sa.BigInteger()),
            _column("movie_id", _id()),
            sa.ForeignKeyConstraint(
                ["movie_id"], ["movies.id"], name=f"fk_{index}_movie_id_movies", ondelete="CASCADE"
            ),
            key=("gram", "movie_id"),
        )
        _index(index, "movie_id")
    _table(
        "characters",
        _column("id", _id()),
        _column("movie_id", _id()),
        _column("name", sa.String(100)),
        _column("description", sa.Text()),
        _column("avatar_url", sa.Text(), null=True),
        _column("importance", sa.SmallInteger()),
        _column("line_count", sa.Integer()),
        _column("personality_traits", _json()),
        sa.ForeignKeyConstraint(
            ["movie_id"], ["movies.id"], name="fk_characters_movie_id_movies", ondelete="CASCADE"
        ),
    )
    _index("characters", "movie_id")
    _table(
        "character_dialogues",
        _column("id", _id()),
        _column("movie_id", _id()),
        _column("character_id", _id(), null=True),
        _column("line_order", sa.Integer()),
        _column("content", sa.Text()),
        _column("speaker", sa.String(100), null=True),
        _column("scene", sa.String(200), null=True),
        _column("start_ms", sa.Integer(), null=True),
        _column("end_ms", sa.Integer(), null=True),
        sa.ForeignKeyConstraint(
            ["movie_id"],
            ["movies.id"],
            name="fk_character_dialogues_movie_id_movies",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["character_id"],
            ["characters.id"],
            name="fk_character_dialogues_character_id_characters",
            ondelete="SET NULL",
        ),
    )
    _index("character_dialogues", "movie_id", "line_order", "id")
    _index("character_dialogues", "character_id", "line_order", "id")


def _profiles() -> None:
    _table(
        "dialogue_analyses",
        _column("id", _id()),
        *_owner("dialogue_analyses"),
        _column("movie_id", _id()),
        _column("character_id", _id()),
        _column("dialogue", sa.Text()),
        _column("user_insight", sa.Text()),
        _column("ai_analysis", _long_text()),
        _column("personality_tags", _json()),
        _column("insights", _json()),
        _column("created_at", _time()),
    )
    _index("dialogue_analyses", "user_id", "character_id", "created_at")
    _table(
        "collaborative_traits",
        _column("id", _id()),
        *_owner("collaborative_traits"),
        _column("character_id", _id()),
        _column("user_traits", _json()),
        _column("ai_suggestions", _json()),
        _column("merged_traits", _json()),
        _column("status", sa.String(32)),
        _column("version", sa.Integer()),
        *_times(),
        sa.UniqueConstraint(
            "user_id", "character_id", name="uq_collaborative_traits_user_id_character_id"
        ),
    )


def _sessions() -> None:
    _table(
        "collaborative_sessions",
        _column("id", _id()),
        *_owner("collaborative_sessions"),
        _column("character_id", _id()),
        _column("session_type", sa.String(32)),
        _column("entries", sa.Integer()),
        *_times(),
    )
    _index("collaborative_sessions", "user_id")
    _table(
        "collaboration_logs",
        _column("id", _id()),
        _column("session_id", _id()),
        _column("seq", sa.Integer()),
        _column("action_type", sa.String(64)),
        _column("contributor", sa.String(16)),
        _column("data", _json()),
        _column("created_at", _time()),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["collaborative_sessions.id"],
            name="fk_collaboration_logs_session_id_collaborative_sessions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("session_id", "seq", name="uq_collaboration_logs_session_id_seq"),
    )
    _table(
        "chat_sessions",
        _column("id", _id()),
        *_owner("chat_sessions"),
        _column("character_id", _id()),
        _column("emotion", sa.String(64), null=True),
        _column("message_count", sa.Integer()),
        _column("status", sa.String(32)),
        *_times(),
    )
    _index("chat_sessions", "user_id")
    _table(
        "chat_messages",
        _column("session_id", _id()),
        _column("seq", sa.Integer()),
        _column("role", sa.String(16)),
        _column("content", _long_text()),
        _column("emotion", sa.String(64), null=True),
        _column("created_at", _time()),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.id"],
            name="fk_chat_messages_session_id_chat_sessions",
            ondelete="CASCADE",
        ),
        key=("session_id", "seq"),
    )


def _creations() -> None:
    _table(
        "user_works",
        _column("id", _id()),
        *_owner("user_works"),
        _column("title", sa.String(200)),
        _column("work_type", sa.String(32)),
        _column("movie_id", _id(), null=True),
        _column("character_id", _id(), null=True),
        _column("metadata", _json()),
        _column("created_at", _time()),
    )
    _index("user_works", "user_id", "created_at", "id")
    _table(
        "stories",
        _column("id", _id()),
        *_owner("stories"),
        _column("movie_id", _id()),
        _column("character_id", _id(), null=True),
        _column("nodes", _json()),
        _column("relationships", _json()),
        _column("monologue", sa.Text()),
        _column("enhanced_monologue", _long_text()),
        _column("suggestions", _json()),
        _column("logic_issues", _json()),
        _column("version", sa.Integer()),
        *_times(),
    )
    _index("stories", "user_id")
    _table(
        "storyboards",
        _column("id", _id()),
        *_owner("storyboards"),
        _column("story_id", _id()),
        _column("work_id", _id()),
        _column("title", sa.String(200)),
        _column("frames", _json()),
        _column("style_preference", _json()),
        _column("visual_suggestions", _json()),
        _column("version", sa.Integer()),
        *_times(),
    )
    _index("storyboards", "user_id", "work_id", "created_at")


def _media() -> None:
    _table(
        "monologues",
        _column("id", _id()),
        *_owner("monologues"),
        _column("storyboard_id", _id()),
        _column("character_id", _id()),
        _column("text", sa.Text()),
        _column("emotion_markers", _json()),
        _column("timing_info", _json()),
        _column("status", sa.String(16)),
        _column("workflow_run_id", sa.String(100), null=True),
        _column("created_at", _time()),
    )
    _index("monologues", "user_id")
    _table(
        "audio_files",
        _column("id", _id()),
        *_owner("audio_files"),
        _column("monologue_id", _id()),
        _column("storage_key", sa.String(512)),
        _column("duration_seconds", sa.Double()),
        _column("size_bytes", sa.BigInteger()),
        _column("voice_config", _json()),
        _column("format", sa.String(16)),
        _column("status", sa.String(16)),
        _column("workflow_run_id", sa.String(100), null=True),
        _column("created_at", _time()),
    )
    _index("audio_files", "user_id")
    _table(
        "comics",
        _column("id", _id()),
        *_owner("comics"),
        _column("work_id", _id()),
        _column("storyboard_id", _id()),
        _column("audio_id", _id()),
        _column("share_token", sa.String(64)),
        _column("panel_keys", _json()),
        _column("timeline", _json()),
        _column("duration_ms", sa.Integer()),
        _column("style", _json()),
        _column("sync_config", _json()),
        _column("render_status", sa.String(16)),
        _column("view_count", sa.BigInteger()),
        _column("created_at", _time()),
        sa.UniqueConstraint("share_token", name="uq_comics_share_token"),
    )
    _index("comics", "user_id", "work_id", "created_at")
    _table(
        "async_tasks",
        _column("id", _id()),
        *_owner("async_tasks"),
        _column("task_type", sa.String(32)),
        _column("status", sa.String(16)),
        _column("payload", _json()),
        _column("progress", sa.SmallInteger()),
        _column("result", _json(), null=True),
        _column("error_message", _long_text(), null=True),
        _column("priority", sa.SmallInteger()),
        _column("retry_count", sa.SmallInteger()),
        _column("max_retries", sa.SmallInteger()),
        _column("started_at", _time(), null=True),
        _column("completed_at", _time(), null=True),
        *_times(),
    )
    _index("async_tasks", "status", "created_at", "id")
    _index("async_tasks", "user_id")


def upgrade() -> None:
    """Create every table, parents first."""
    _users()
    _library()
    _profiles()
    _sessions()
    _creations()
    _media()


TABLES = (
    "users",
    "quota_usage",
    "movies",
    "movie_title_grams",
    "movie_overview_grams",
    "characters",
    "character_dialogues",
    "dialogue_analyses",
    "collaborative_traits",
    "collaborative_sessions",
    "collaboration_logs",
    "chat_sessions",
    "chat_messages",
    "user_works",
    "stories",
    "storyboards",
    "monologues",
    "audio_files",
    "comics",
    "async_tasks",
)


def downgrade() -> None:
    """Drop every table, children first."""
    for table in reversed(TABLES):
        op.drop_table(table)
