"""The shared film library: films (with their search index), characters and lines."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Update, func, insert, select, update

from adapters.sql import search
from adapters.sql.mappers.library import (
    character_from,
    character_row,
    line_from,
    line_row,
    movie_from,
    movie_row,
)
from adapters.sql.repositories._line_pages import decoded, line_page
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


class SqlDialogueRepository:
    """Dialogue lines in film order."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def for_movie(
        self, movie_id: str, page: PageRequest, character_id: str | None = None
    ) -> Page[DialogueLine]:
        """Return a page of the film's lines in film order, optionally one character's.

        One statement reads the page as a range of the numbered positions, with the
        first and last position (`_line_pages`): a page costs the same at any depth,
        and the last position is the total. Lines not all numbered yet (written around
        `add_many`), or a page the database could not hand over whole, are paged by
        counting and skipping instead.
        """
        start, end = page.offset, page.offset + page.page_size
        values = {"movie": movie_id, "start": start, "end": end}
        if character_id is not None:
            values["character"] = character_id
        query = line_page(by_character=character_id is not None, sqlite=self._tx.sqlite)
        ((serialized, first_position, last_position),) = await self._tx.fetch(query, values)
        if first_position is None:
            return Page((), 0, page)
        if first_position == 0:
            found = decoded(serialized, last_position, movie_id, start, end)
            if found is not None:
                return Page(tuple(found), last_position + 1, page)
        lines = character_dialogues
        owner = [lines.c.movie_id == movie_id]
        if character_id is not None:
            owner.append(lines.c.character_id == character_id)
        order = [lines.c.line_order, lines.c.id]
        return await page_of(self._tx, lines, owner, order, page, line_from)

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
