"""The shared film library: films (with their search index), characters and lines."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Update,
    and_,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)

from adapters.sql import search
from adapters.sql.mappers.library import (
    character_from,
    character_row,
    line_from,
    line_row,
    movie_from,
    movie_row,
)
from adapters.sql.repositories._rows import get_one, page_of
from adapters.sql.tables import (
    character_dialogues,
    characters,
    movie_overview_grams,
    movie_title_grams,
    movies,
)
from adapters.sql.transaction import Transaction
from npc_core.model import Character, DialogueLine, Movie, Page, PageRequest


class SqlMovieRepository:
    """Films, searched through the gram index and recommended by rating."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, movie_id: str) -> Movie | None:
        """Return the film, or None."""
        return await get_one(self._tx, movies, movie_id, movie_from)

    async def search(self, keyword: str, page: PageRequest) -> Page[Movie]:
        """Return films matching `keyword`, best match first, then higher rating."""
        return await search.search(self._tx, keyword, page)

    async def recommended(self, page: PageRequest) -> Page[Movie]:
        """Return films for the home page, best rated and most popular first."""
        return await page_of(
            self._tx,
            movies,
            [],
            [
                func.coalesce(movies.c.rating, 0.0).desc(),
                movies.c.popularity.desc(),
                movies.c.id,
            ],
            page,
            movie_from,
        )

    async def add(self, movie: Movie) -> None:
        """Add a film and its search grams; `Conflict` when the id is taken."""
        titles, overview, overflow = search.index_rows(movie)
        await self._tx.write(insert(movies).values(movie_row(movie, overview_overflow=overflow)))
        if titles:
            await self._tx.write(insert(movie_title_grams), titles)
        if overview:
            await self._tx.write(insert(movie_overview_grams), overview)


class SqlCharacterRepository:
    """Characters of films."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, character_id: str) -> Character | None:
        """Return the character, or None."""
        return await get_one(self._tx, characters, character_id, character_from)

    async def list_for_movie(self, movie_id: str) -> Sequence[Character]:
        """Return the film's characters, most important (then most talkative) first."""
        rows = await self._tx.read(
            select(characters)
            .where(characters.c.movie_id == movie_id)
            .order_by(
                characters.c.importance.desc(),
                characters.c.line_count.desc(),
                characters.c.name,
                characters.c.id,
            )
        )
        return [character_from(row) for row in rows.mappings()]

    async def add(self, character: Character) -> None:
        """Add a character; `Conflict` when the id is taken."""
        await self._tx.write(insert(characters).values(character_row(character)))


def number_lines(movie_ids: Collection[str]) -> Update:
    """The statement numbering every line of these films, from 0 in (line_order, id) order.

    It sets `film_position` (among the film's lines) and `character_position` (among
    the speaker's lines in the film). Whoever writes lines other than through
    `SqlDialogueRepository.add_many` (a bulk import) runs it after, in the same
    transaction; until then those films' pages are counted and skipped to, which is
    right but slower.
    """
    lines = character_dialogues
    order = (lines.c.line_order, lines.c.id)
    numbered = (
        select(
            lines.c.id,
            (func.row_number().over(partition_by=lines.c.movie_id, order_by=order) - 1).label(
                "film"
            ),
            (
                func.row_number().over(
                    partition_by=(lines.c.movie_id, lines.c.character_id), order_by=order
                )
                - 1
            ).label("character"),
        )
        .where(lines.c.movie_id.in_(sorted(movie_ids)))
        .subquery()
    )
    return (
        update(lines)
        .where(lines.c.id == numbered.c.id)
        .values(film_position=numbered.c.film, character_position=numbered.c.character)
    )


@functools.cache
def line_page(*, by_character: bool) -> Select[Any]:
    """A page of a film's (or one character's) lines as a range of their positions.

    The one row of `one` outer-joined to the range carries the first and last position
    when the range is empty. Built once per shape, with bound parameters (`movie`,
    `character`, `start`, `end`), so SQLAlchemy reuses its compiled form by identity.
    """
    lines = character_dialogues
    owner: list[ColumnElement[bool]] = [lines.c.movie_id == bindparam("movie")]
    position = lines.c.film_position
    if by_character:
        owner.append(lines.c.character_id == bindparam("character"))
        position = lines.c.character_position
    # NULL sorts first: -1 when a line is not numbered, NULL when there is none.
    first = (
        select(func.coalesce(position, -1))
        .where(*owner)
        .order_by(position)
        .limit(1)
        .scalar_subquery()
    )
    last = select(func.max(position)).where(*owner).scalar_subquery()
    one = select(literal(1).label("one")).subquery()
    wanted = (*owner, position >= bindparam("start"), position < bindparam("end"))
    # Only what a line is made of, less the film (a parameter): each column costs the
    # pure-Python driver a decode per row (dropping these three: 9% of a page's CPU).
    unread = {"movie_id", "film_position", "character_position"}
    shown = [c for c in lines.c if c.name not in unread]
    return (
        select(*shown, first.label("_first"), last.label("_last"))
        .select_from(one.outerjoin(lines, and_(*wanted)))
        .order_by(position)
    )


class SqlDialogueRepository:
    """Dialogue lines in film order."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def for_movie(
        self, movie_id: str, page: PageRequest, character_id: str | None = None
    ) -> Page[DialogueLine]:
        """Return a page of the film's lines in film order, optionally one character's.

        One statement reads the page as a range of the numbered positions, with the
        first and last position: a page costs the same at any depth, and the last
        position is the total. Lines not all numbered yet (the first position is NULL:
        written around `add_many`) are paged by counting and skipping instead.
        """
        lines = character_dialogues
        values = {"movie": movie_id, "start": page.offset, "end": page.offset + page.page_size}
        if character_id is not None:
            values["character"] = character_id
        query = line_page(by_character=character_id is not None)
        rows = (await self._tx.read(query, values)).mappings().all()
        if rows[0]["_first"] is None:
            return Page((), 0, page)
        if rows[0]["_first"] != 0:
            owner = [lines.c.movie_id == movie_id]
            if character_id is not None:
                owner.append(lines.c.character_id == character_id)
            order = [lines.c.line_order, lines.c.id]
            return await page_of(self._tx, lines, owner, order, page, line_from)
        found = tuple(line_from(row, movie_id) for row in rows if row["id"] is not None)
        return Page(found, rows[0]["_last"] + 1, page)

    async def for_character(self, character_id: str, limit: int) -> Sequence[DialogueLine]:
        """Return the character's first `limit` lines in film order."""
        if limit <= 0:
            return []
        rows = await self._tx.read(
            select(character_dialogues)
            .where(character_dialogues.c.character_id == character_id)
            .order_by(character_dialogues.c.line_order, character_dialogues.c.id)
            .limit(limit)
        )
        return [line_from(row) for row in rows.mappings()]

    async def add_many(self, lines: Sequence[DialogueLine]) -> None:
        """Add lines in one batch, and number their films' lines; `Conflict` when an id is taken.

        Numbering rewrites the positions of every line of the films concerned: a cost
        in the size of those films, paid once per batch.
        """
        if lines:
            await self._tx.write(insert(character_dialogues), [line_row(line) for line in lines])
            await self._tx.write(number_lines({line.movie_id for line in lines}))
