"""The schema: one SQLAlchemy Core `Table` per stored concept, all in `metadata`.

Every table is utf8mb4 with the binary collation on MySQL: ids, openids and share
tokens compare exactly (a case-insensitive collation would make share tokens
case-insensitive and let `get("ABC")` find "abc"), and ORDER BY on names and titles
follows code points, like the domain's Python sort keys. Nothing searches through a
collation: film search has its own gram index (`search.py`).

Foreign keys hold where one row cannot mean anything without the other:
- owned rows -> their user, ON DELETE CASCADE (deleting an account erases its data);
- characters and lines -> their film, CASCADE; a line -> its speaker, SET NULL
  (the line stays, its speaker becomes unknown, which the domain allows);
- log entries and chat messages -> their session, CASCADE;
- the search index and the import bookkeeping -> their film, CASCADE.
Between aggregates (a storyboard's story and work, a monologue's storyboard, a comic's
audio, a user's row about a film or character) ids are references, not constraints:
each aggregate has its own lifecycle (deleting a storyboard work must not take the
comic made from it along), use cases write them in the order they choose, and the film
library is shared reference data that is re-imported without touching users' work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from adapters.sql.types import UtcDateTime, ident, json, long_text

NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MYSQL: Final[dict[str, Any]] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

metadata = MetaData(naming_convention=NAMING)


def _owner() -> Column[str]:
    return Column("user_id", ident(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def _created() -> Column[datetime]:
    return Column("created_at", UtcDateTime(), nullable=False)


def _updated() -> Column[datetime]:
    return Column("updated_at", UtcDateTime(), nullable=False)


users = Table(
    "users",
    metadata,
    Column("id", ident(), primary_key=True),
    Column("openid", String(100), nullable=False, unique=True),
    Column("nickname", String(50)),
    Column("avatar_url", Text()),
    Column("membership", String(16), nullable=False),
    Column("usage_count", BigInteger(), nullable=False),
    _created(),
    _updated(),
    **MYSQL,
)

quota_usage = Table(
    "quota_usage",
    metadata,
    Column("user_id", ident(), nullable=False),
    Column("day", String(10), nullable=False),  # ISO date in Asia/Shanghai
    Column("used", Integer(), nullable=False),
    PrimaryKeyConstraint("user_id", "day"),
    **MYSQL,
)

# The shared film library

movies = Table(
    "movies",
    metadata,
    Column("id", ident(), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("original_title", String(200)),
    Column("overview", long_text(), nullable=False),
    Column("tmdb_id", String(32)),
    Column("poster_url", Text()),
    Column("rating", Double()),
    Column("popularity", Double(), nullable=False),
    Column("genres", json(), nullable=False),
    Column("aliases", json(), nullable=False),
    Column("release_year", SmallInteger()),
    Column("release_date", Date()),
    Column("director", String(100)),
    Column("created_at", UtcDateTime()),
    # Set when the overview is longer than the gram index covers (see search.py).
    Column("overview_overflow", Boolean(), nullable=False),
    Index(None, "rating", "popularity", "id"),
    Index(None, "overview_overflow"),
    **MYSQL,
)


def _gram_index(name: str) -> Table:
    return Table(
        name,
        metadata,
        # One or two code points packed into an integer (`search.gram_code`): no
        # collation can make the bigram "t " equal to the unigram "t", as PAD SPACE would.
        Column("gram", BigInteger(), nullable=False),
        Column("movie_id", ident(), ForeignKey("movies.id", ondelete="CASCADE"), nullable=False),
        PrimaryKeyConstraint("gram", "movie_id"),
        Index(None, "movie_id"),
        **MYSQL,
    )


movie_title_grams = _gram_index("movie_title_grams")
movie_overview_grams = _gram_index("movie_overview_grams")

# Where a film's data came from (`npc import`): one row per source key and kind
# ("cast": characters and lines; "metadata": TMDB, Douban), with a digest of what was
# last imported from it, so importing the same input again skips the film. A film may
# have several (a screenplay and the TMDB and Douban rows merged into it).
movie_sources = Table(
    "movie_sources",
    metadata,
    Column("source_key", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("movie_id", ident(), ForeignKey("movies.id", ondelete="CASCADE"), nullable=False),
    Column("digest", String(64), nullable=False),
    PrimaryKeyConstraint("source_key", "kind"),
    Index(None, "movie_id"),
    **MYSQL,
)

characters = Table(
    "characters",
    metadata,
    Column("id", ident(), primary_key=True),
    Column(
        "movie_id", ident(), ForeignKey("movies.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("name", String(100), nullable=False),
    Column("description", Text(), nullable=False),
    Column("avatar_url", Text()),
    Column("importance", SmallInteger(), nullable=False),
    Column("line_count", Integer(), nullable=False),
    Column("personality_traits", json(), nullable=False),
    **MYSQL,
)

character_dialogues = Table(
    "character_dialogues",
    metadata,
    Column("id", ident(), primary_key=True),
    Column("movie_id", ident(), ForeignKey("movies.id", ondelete="CASCADE"), nullable=False),
    Column("character_id", ident(), ForeignKey("characters.id", ondelete="SET NULL")),
    Column("line_order", Integer(), nullable=False),
    Column("content", Text(), nullable=False),
    Column("speaker", String(100)),
    Column("scene", String(200)),
    Column("start_ms", Integer()),
    Column("end_ms", Integer()),
    # The line's place (from 0) among its film's lines and among its speaker's lines in
    # that film, in (line_order, id) order: pages are index ranges of these, whatever
    # their depth, and the last one is the total. NULL until numbered (see
    # `SqlDialogueRepository.for_movie`, which then counts and skips instead).
    Column("film_position", Integer()),
    Column("character_position", Integer()),
    Index(None, "movie_id", "line_order", "id"),
    Index(None, "character_id", "line_order", "id"),
    Index(None, "movie_id", "film_position"),
    Index(None, "character_id", "movie_id", "character_position"),
    **MYSQL,
)

# What a user thinks of a character

dialogue_analyses = Table(
    "dialogue_analyses",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("movie_id", ident(), nullable=False),
    Column("character_id", ident(), nullable=False),
    Column("dialogue", Text(), nullable=False),
    Column("user_insight", Text(), nullable=False),
    Column("ai_analysis", long_text(), nullable=False),
    Column("personality_tags", json(), nullable=False),
    Column("insights", json(), nullable=False),
    _created(),
    Index(None, "user_id", "character_id", "created_at"),
    **MYSQL,
)

collaborative_traits = Table(
    "collaborative_traits",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("character_id", ident(), nullable=False),
    Column("user_traits", json(), nullable=False),
    Column("ai_suggestions", json(), nullable=False),
    Column("merged_traits", json(), nullable=False),
    Column("status", String(32), nullable=False),
    Column("version", Integer(), nullable=False),
    _created(),
    _updated(),
    UniqueConstraint("user_id", "character_id"),
    **MYSQL,
)

# Sessions and their ordered child rows

collaborative_sessions = Table(
    "collaborative_sessions",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("character_id", ident(), nullable=False),
    Column("session_type", String(32), nullable=False),
    Column("entries", Integer(), nullable=False),
    _created(),
    _updated(),
    Index(None, "user_id"),
    **MYSQL,
)

collaboration_logs = Table(
    "collaboration_logs",
    metadata,
    Column("id", ident(), primary_key=True),
    Column(
        "session_id",
        ident(),
        ForeignKey("collaborative_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq", Integer(), nullable=False),
    Column("action_type", String(64), nullable=False),
    Column("contributor", String(16), nullable=False),
    Column("data", json(), nullable=False),
    _created(),
    UniqueConstraint("session_id", "seq"),
    **MYSQL,
)

chat_sessions = Table(
    "chat_sessions",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("character_id", ident(), nullable=False),
    Column("emotion", String(64)),
    Column("message_count", Integer(), nullable=False),
    Column("status", String(32), nullable=False),
    _created(),
    _updated(),
    Index(None, "user_id"),
    **MYSQL,
)

chat_messages = Table(
    "chat_messages",
    metadata,
    Column(
        "session_id", ident(), ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("seq", Integer(), nullable=False),
    Column("role", String(16), nullable=False),
    Column("content", long_text(), nullable=False),
    Column("emotion", String(64)),
    _created(),
    PrimaryKeyConstraint("session_id", "seq"),
    **MYSQL,
)

# What users make

user_works = Table(
    "user_works",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("title", String(200), nullable=False),
    Column("work_type", String(32), nullable=False),
    Column("movie_id", ident()),
    Column("character_id", ident()),
    Column("metadata", json(), nullable=False),
    _created(),
    Index(None, "user_id", "created_at", "id"),
    **MYSQL,
)

stories = Table(
    "stories",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("movie_id", ident(), nullable=False),
    Column("character_id", ident()),
    Column("nodes", json(), nullable=False),
    Column("relationships", json(), nullable=False),
    Column("monologue", Text(), nullable=False),
    Column("enhanced_monologue", long_text(), nullable=False),
    Column("suggestions", json(), nullable=False),
    Column("logic_issues", json(), nullable=False),
    Column("version", Integer(), nullable=False),
    _created(),
    _updated(),
    Index(None, "user_id"),
    **MYSQL,
)

# Frames are a JSON list on the storyboard row, not a table: they are always read and
# written with their storyboard (at most 60), every edit renumbers them, the version
# check covers them, and no query looks inside one.
storyboards = Table(
    "storyboards",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("story_id", ident(), nullable=False),
    Column("work_id", ident(), nullable=False),
    Column("title", String(200), nullable=False),
    Column("frames", json(), nullable=False),
    Column("style_preference", json(), nullable=False),
    Column("visual_suggestions", json(), nullable=False),
    Column("version", Integer(), nullable=False),
    _created(),
    _updated(),
    Index(None, "user_id", "work_id", "created_at"),
    **MYSQL,
)

monologues = Table(
    "monologues",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("storyboard_id", ident(), nullable=False),
    Column("character_id", ident(), nullable=False),
    Column("text", Text(), nullable=False),
    Column("emotion_markers", json(), nullable=False),
    Column("timing_info", json(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("workflow_run_id", String(100)),
    _created(),
    Index(None, "user_id"),
    **MYSQL,
)

audio_files = Table(
    "audio_files",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("monologue_id", ident(), nullable=False),
    Column("storage_key", String(512), nullable=False),
    Column("duration_seconds", Double(), nullable=False),
    Column("size_bytes", BigInteger(), nullable=False),
    Column("voice_config", json(), nullable=False),
    Column("format", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("workflow_run_id", String(100)),
    _created(),
    Index(None, "user_id"),
    **MYSQL,
)

comics = Table(
    "comics",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("work_id", ident(), nullable=False),
    Column("storyboard_id", ident(), nullable=False),
    Column("audio_id", ident(), nullable=False),
    Column("share_token", String(64), nullable=False, unique=True),
    Column("panel_keys", json(), nullable=False),
    Column("timeline", json(), nullable=False),
    Column("duration_ms", Integer(), nullable=False),
    Column("style", json(), nullable=False),
    Column("sync_config", json(), nullable=False),
    Column("render_status", String(16), nullable=False),
    Column("view_count", BigInteger(), nullable=False),
    _created(),
    Index(None, "user_id", "work_id", "created_at"),
    **MYSQL,
)

async_tasks = Table(
    "async_tasks",
    metadata,
    Column("id", ident(), primary_key=True),
    _owner(),
    Column("task_type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payload", json(), nullable=False),
    Column("progress", SmallInteger(), nullable=False),
    Column("result", json()),
    Column("error_message", long_text()),
    Column("priority", SmallInteger(), nullable=False),
    Column("retry_count", SmallInteger(), nullable=False),
    Column("max_retries", SmallInteger(), nullable=False),
    Column("started_at", UtcDateTime()),
    Column("completed_at", UtcDateTime()),
    _created(),
    _updated(),
    Index(None, "status", "created_at", "id"),
    Index(None, "user_id"),
    **MYSQL,
)

# Children first: the order in which a test empties every table.
DELETE_ORDER: Final = tuple(reversed(metadata.sorted_tables))
