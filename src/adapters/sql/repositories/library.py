"""The shared film library: films (with their search index), characters and lines."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select

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


class SqlDialogueRepository:
    """Dialogue lines in film order."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def for_movie(
        self, movie_id: str, page: PageRequest, character_id: str | None = None
    ) -> Page[DialogueLine]:
        """Return a page of the film's lines in film order, optionally one character's only."""
        where = [character_dialogues.c.movie_id == movie_id]
        if character_id is not None:
            where.append(character_dialogues.c.character_id == character_id)
        order = [character_dialogues.c.line_order, character_dialogues.c.id]
        return await page_of(self._tx, character_dialogues, where, order, page, line_from)

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
        """Add lines in one batch; `Conflict` when an id is taken."""
        if lines:
            await self._tx.write(insert(character_dialogues), [line_row(line) for line in lines])
