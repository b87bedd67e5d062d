"""Search and dialogue pages in bounded time: ranked gram postings, numbered lines.

Revision ID: 0003
Revises: 0002
Create Date: 2025-03-24 08:00:00

- `character_dialogues.film_position` and `character_position` (with their indexes)
  number every line among its film's and among its speaker's lines in that film, so a
  page of lines is an index range and the last position the total; filled here.
- The search index (`movie_title_grams`, `movie_overview_grams`, `overview_overflow`)
  is rebuilt in the format of `adapters.sql.search`: each gram carries its film's
  place in the ranking, and titles have their start and a hash of the whole. The
  tables keep their columns; their rows change. Downgrading rebuilds them in the
  previous format (spelled out below, as a migration is a snapshot).

The rebuild needs Python (`fold` is Unicode normalization), so `npc migrate --sql`
prints a comment where it would happen: run `npc migrate` against the database instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1_000

_movies = sa.table(
    "movies",
    sa.column("id", sa.String(64)),
    sa.column("title", sa.String(200)),
    sa.column("original_title", sa.String(200)),
    sa.column("aliases", sa.JSON()),
    sa.column("overview", sa.Text()),
    sa.column("rating", sa.Double()),
    sa.column("overview_overflow", sa.Boolean()),
)
_grams = {
    name: sa.table(name, sa.column("gram", sa.BigInteger()), sa.column("movie_id", sa.String(64)))
    for name in ("movie_title_grams", "movie_overview_grams")
}

# (title codes, overview codes, overview overflows) of one film's stored columns.
Indexer = Callable[[sa.RowMapping], tuple[list[int], list[int], bool]]


def upgrade() -> None:
    """Add and fill the line positions; rebuild the search index in the new format."""
    with op.batch_alter_table("character_dialogues") as lines:
        lines.add_column(sa.Column("film_position", sa.Integer(), nullable=True))
        lines.add_column(sa.Column("character_position", sa.Integer(), nullable=True))
    op.create_index(
        "ix_character_dialogues_movie_id_film_position",
        "character_dialogues",
        ["movie_id", "film_position"],
    )
    op.create_index(
        "ix_character_dialogues_character_id_movie_id_character_position",
        "character_dialogues",
        ["character_id", "movie_id", "character_position"],
    )
    op.execute(_number_lines(context.get_context().dialect.name))
    _rebuild(_current_index)


def downgrade() -> None:
    """Rebuild the search index in the previous format; drop the line positions."""
    _rebuild(_previous_index)
    op.drop_index(
        "ix_character_dialogues_character_id_movie_id_character_position", "character_dialogues"
    )
    op.drop_index("ix_character_dialogues_movie_id_film_position", "character_dialogues")
    with op.batch_alter_table("character_dialogues") as lines:
        lines.drop_column("character_position")
        lines.drop_column("film_position")


def _number_lines(dialect: str) -> str:
    numbered = (
        "SELECT id,"
        " ROW_NUMBER() OVER (PARTITION BY movie_id ORDER BY line_order, id) - 1 AS film,"
        " ROW_NUMBER() OVER (PARTITION BY movie_id, character_id ORDER BY line_order, id) - 1"
        " AS speaker FROM character_dialogues"
    )
    if dialect == "sqlite":
        return (
            "UPDATE character_dialogues SET film_position = r.film,"  # noqa: S608 - constants
            f" character_position = r.speaker FROM ({numbered}) AS r"
            " WHERE r.id = character_dialogues.id"
        )
    return (
        f"UPDATE character_dialogues AS d JOIN ({numbered}) AS r ON r.id = d.id"  # noqa: S608
        " SET d.film_position = r.film, d.character_position = r.speaker"
    )


def _rebuild(indexer: Indexer) -> None:
    """Replace every gram row and overflow flag by what `indexer` makes of each film.

    On MySQL the rows go first to a staging table without keys, then into each gram
    table in primary-key order, its `movie_id` index and foreign key put back after
    (as the bench loader does): inserting millions of rows in random key order into
    two B-trees is many times slower once they outgrow the buffer pool.
    """
    if context.is_offline_mode():
        op.execute("-- rebuild the film search index: needs `npc migrate` on the database")
        return
    connection = op.get_bind()
    staged = connection.dialect.name != "sqlite"
    for name, table in _grams.items():
        if staged:
            op.execute(f"TRUNCATE TABLE {name}")
            op.drop_constraint(f"fk_{name}_movie_id_movies", name, type_="foreignkey")
            op.drop_index(f"ix_{name}_movie_id", name)
        else:
            connection.execute(sa.delete(table))
    if staged:
        op.create_table(
            _STAGING.name, *(sa.Column(c.name, c.type, nullable=False) for c in _STAGING.c)
        )
    for films in _batches(connection):
        _write(connection, indexer, films, staged=staged)
    if staged:
        for kind, (name, table) in enumerate(_grams.items()):
            ordered = (
                sa.select(_STAGING.c.gram, _STAGING.c.movie_id)
                .where(_STAGING.c.kind == kind)
                .order_by(_STAGING.c.gram, _STAGING.c.movie_id)
            )
            connection.execute(sa.insert(table).from_select(["gram", "movie_id"], ordered))
            op.create_index(f"ix_{name}_movie_id", name, ["movie_id"])
            op.create_foreign_key(
                f"fk_{name}_movie_id_movies",
                name,
                "movies",
                ["movie_id"],
                ["id"],
                ondelete="CASCADE",
            )
        op.drop_table(_STAGING.name)


def _write(
    connection: sa.Connection, indexer: Indexer, films: Sequence[sa.RowMapping], *, staged: bool
) -> None:
    """The gram rows of `films` (to the staging table when `staged`); their overflow flags."""
    rows: list[list[dict[str, Any]]] = [[] for _ in _grams]
    for film in films:
        titles, overview, overflow = indexer(film)
        for kind, grams in enumerate((titles, overview)):
            rows[kind] += [{"kind": kind, "gram": g, "movie_id": film["id"]} for g in grams]
        if bool(film["overview_overflow"]) != overflow:
            connection.execute(
                sa.update(_movies)
                .where(_movies.c.id == film["id"])
                .values(overview_overflow=overflow)
            )
    for kind, table in enumerate(_grams.values()):
        if rows[kind]:
            connection.execute(sa.insert(_STAGING if staged else table), rows[kind])


_STAGING = sa.table(
    "npc_search_reindex",
    sa.column("kind", sa.SmallInteger()),
    sa.column("gram", sa.BigInteger()),
    sa.column("movie_id", sa.String(64)),
)


def _batches(connection: sa.Connection) -> Iterator[Sequence[sa.RowMapping]]:
    """Every film's indexed columns, `BATCH` films at a time."""
    after = ""
    while True:
        query = sa.select(*_movies.c).where(_movies.c.id > after).order_by(_movies.c.id)
        films = connection.execute(query.limit(BATCH)).mappings().all()
        if not films:
            return
        yield films
        after = films[-1]["id"]


def _current_index(film: sa.RowMapping) -> tuple[list[int], list[int], bool]:
    """The format of `adapters.sql.search` as it is: a later format needs its own migration."""
    from adapters.sql.search import index_rows  # noqa: PLC0415 - only the upgrade needs it
    from npc_core.model import Movie  # noqa: PLC0415

    movie = Movie(
        id=film["id"],
        title=film["title"],
        original_title=film["original_title"],
        aliases=list(film["aliases"] or []),
        overview=film["overview"],
        rating=film["rating"],
    )
    titles, overview, overflow = index_rows(movie)
    return [r["gram"] for r in titles], [r["gram"] for r in overview], overflow


# The previous format (revision 0001): distinct bigrams of the folded texts, the last
# character paired with END, packed as two code points; overviews up to 2,000 grams.

_PLANE = 0x110000
_END = chr(_PLANE - 1)
_OVERVIEW_GRAMS = 2_000


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _code(gram: str) -> int:
    return _PLANE * ord(gram[0]) + ord(gram[1])


def _previous_grams(text: str) -> set[str]:
    return {(text + _END)[i : i + 2] for i in range(len(text))}


def _previous_prefix(text: str, cap: int) -> tuple[set[str], bool]:
    found: set[str] = set()
    for end in range(1, len(text)):
        if text[end - 1 : end + 1] not in found and len(found) + 1 == cap:
            found.add(text[end - 1] + _END)
            return found, True
        found.add(text[end - 1 : end + 1])
    return (found | {text[-1] + _END} if text else found), False


def _previous_index(film: sa.RowMapping) -> tuple[list[int], list[int], bool]:
    texts = [film["title"], film["original_title"], *(str(a) for a in film["aliases"] or [])]
    titles: set[str] = set().union(*(_previous_grams(_fold(t)) for t in texts if t))
    overview, overflow = _previous_prefix(_fold(film["overview"]), _OVERVIEW_GRAMS)
    return sorted(map(_code, titles)), sorted(map(_code, overview)), overflow
