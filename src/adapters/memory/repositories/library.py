"""The shared film library: films, characters and their lines."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.memory.staging import Pending, StagedTable
from adapters.memory.store import MemoryStore
from npc_core.model import (
    Character,
    DialogueLine,
    Movie,
    Page,
    PageRequest,
    match_rank,
    recommendation_key,
    search_key,
)


class MemoryMovieRepository:
    """Films, searched and recommended by the model's ranking rules."""

    def __init__(self, store: MemoryStore) -> None:
        self._movies = StagedTable("movie", store.movies)
        self.pending: tuple[Pending, ...] = (self._movies,)

    async def get(self, movie_id: str) -> Movie | None:
        """Return the film, or None."""
        return self._movies.get(movie_id)

    async def search(self, keyword: str, page: PageRequest) -> Page[Movie]:
        """Return films matching `keyword`, best match first, then higher rating."""
        ranked: list[tuple[tuple[int, float, str], Movie]] = []
        for movie in self._movies.rows():
            rank = match_rank(movie, keyword)
            if rank is not None:
                ranked.append((search_key(movie, rank), movie))
        ranked.sort(key=lambda pair: (*pair[0], pair[1].id))
        return Page.of([movie for _, movie in ranked], page)

    async def recommended(self, page: PageRequest) -> Page[Movie]:
        """Return films for the home page, best rated and most popular first."""
        return Page.of(sorted(self._movies.rows(), key=recommendation_key), page)

    async def add(self, movie: Movie) -> None:
        """Add a film; `Conflict` when the id is taken."""
        self._movies.insert(movie.id, movie)


def _importance_order(character: Character) -> tuple[int, int, str, str]:
    return (-character.importance, -character.line_count, character.name, character.id)


class MemoryCharacterRepository:
    """Characters of films."""

    def __init__(self, store: MemoryStore) -> None:
        self._characters = StagedTable("character", store.characters)
        self.pending: tuple[Pending, ...] = (self._characters,)

    async def get(self, character_id: str) -> Character | None:
        """Return the character, or None."""
        return self._characters.get(character_id)

    async def list_for_movie(self, movie_id: str) -> Sequence[Character]:
        """Return the film's characters, most important (then most talkative) first."""
        found = self._characters.rows(lambda c: c.movie_id == movie_id)
        return sorted(found, key=_importance_order)

    async def add(self, character: Character) -> None:
        """Add a character; `Conflict` when the id is taken."""
        self._characters.insert(character.id, character)


def _film_order(line: DialogueLine) -> tuple[int, str]:
    return (line.order, line.id)


class MemoryDialogueRepository:
    """Dialogue lines in film order."""

    def __init__(self, store: MemoryStore) -> None:
        self._lines = StagedTable("dialogue", store.dialogues)
        self.pending: tuple[Pending, ...] = (self._lines,)

    async def for_movie(
        self, movie_id: str, page: PageRequest, character_id: str | None = None
    ) -> Page[DialogueLine]:
        """Return a page of the film's lines in film order, optionally one character's only."""
        found = self._lines.rows(
            lambda d: (
                d.movie_id == movie_id and (character_id is None or d.character_id == character_id)
            )
        )
        return Page.of(sorted(found, key=_film_order), page)

    async def for_character(self, character_id: str, limit: int) -> Sequence[DialogueLine]:
        """Return the character's first `limit` lines in film order."""
        found = self._lines.rows(lambda d: d.character_id == character_id)
        return sorted(found, key=_film_order)[: max(limit, 0)]

    async def add_many(self, lines: Sequence[DialogueLine]) -> None:
        """Add lines; `Conflict` when an id is taken."""
        for line in lines:
            self._lines.insert(line.id, line)
