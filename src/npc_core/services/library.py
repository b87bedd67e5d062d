"""Reading the shared film library: search, recommendations, films, characters, lines."""

from __future__ import annotations

import attrs

from npc_core.errors import DomainValidationError, NotFound
from npc_core.model import Character, DialogueLine, Movie, Page, PageRequest, _checks
from npc_core.ports import UnitOfWork
from npc_core.services.deps import Deps


@attrs.frozen
class SearchMovies:
    keyword: str = attrs.field(validator=_checks.text(100, allow_empty=True))
    page: PageRequest = PageRequest()


async def search_movies(deps: Deps, query: SearchMovies) -> Page[Movie]:
    """Films matching the keyword, best match first; a blank keyword finds nothing."""
    if not query.keyword.strip():
        return Page((), 0, query.page)
    async with deps.uow() as uow:
        return await uow.movies.search(query.keyword, query.page)


async def recommended_movies(deps: Deps, page: PageRequest) -> Page[Movie]:
    """The home page's films: best rated, then most popular."""
    async with deps.uow() as uow:
        return await uow.movies.recommended(page)


@attrs.frozen
class MovieDetail:
    movie: Movie
    characters: tuple[Character, ...]


async def get_movie(deps: Deps, movie_id: str) -> MovieDetail:
    """A film with its characters, most important first."""
    async with deps.uow() as uow:
        movie = await require_movie(uow, movie_id)
        characters = await uow.characters.list_for_movie(movie_id)
    return MovieDetail(movie, tuple(characters))


@attrs.frozen
class ListDialogues:
    movie_id: str
    character_id: str | None = None
    page: PageRequest = PageRequest()


async def list_dialogues(deps: Deps, query: ListDialogues) -> Page[DialogueLine]:
    """A film's lines in film order, optionally one character's."""
    async with deps.uow() as uow:
        await require_movie(uow, query.movie_id)
        if query.character_id is not None:
            await require_character(uow, query.character_id, movie_id=query.movie_id)
        return await uow.dialogues.for_movie(query.movie_id, query.page, query.character_id)


@attrs.frozen
class CharacterDetail:
    character: Character
    movie: Movie


async def get_character(deps: Deps, character_id: str) -> CharacterDetail:
    """A character with its film: description, traits, line count."""
    async with deps.uow() as uow:
        character = await require_character(uow, character_id)
        movie = await require_movie(uow, character.movie_id)
    return CharacterDetail(character, movie)


async def require_movie(uow: UnitOfWork, movie_id: str) -> Movie:
    """The film, or `NotFound`."""
    movie = await uow.movies.get(movie_id)
    if movie is None:
        raise NotFound("movie", movie_id)
    return movie


async def require_character(
    uow: UnitOfWork, character_id: str, *, movie_id: str | None = None
) -> Character:
    """The character (of `movie_id`, when given), or an error naming `characterId`."""
    character = await uow.characters.get(character_id)
    if character is None:
        raise NotFound("character", character_id)
    if movie_id is not None and character.movie_id != movie_id:
        raise DomainValidationError("characterId", "is not a character of this film")
    return character
