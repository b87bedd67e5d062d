"""Reading the shared film library: search, recommendations, films, characters, lines.

Every read here goes through the cache (`npc_core.services.cached`): the library is
shared and changes only by import, so a page read once serves everyone until it expires
or `forget_movies` drops it. Errors (an unknown film) are never cached.
"""

from __future__ import annotations

import attrs

from npc_core.errors import DomainValidationError, NotFound
from npc_core.model import Character, DialogueLine, Movie, Page, PageRequest, _checks
from npc_core.ports import UnitOfWork
from npc_core.services import cache_codec, cached
from npc_core.services.deps import Deps


@attrs.frozen
class SearchMovies:
    keyword: str = attrs.field(validator=_checks.text(100, allow_empty=True))
    page: PageRequest = PageRequest()


async def search_movies(deps: Deps, query: SearchMovies) -> Page[Movie]:
    """Films matching the keyword, best match first; a blank keyword finds nothing."""
    if not query.keyword.strip():
        return Page((), 0, query.page)

    async def load() -> Page[Movie]:
        async with deps.uow() as uow:
            return await uow.movies.search(query.keyword, query.page)

    key = cached.search_key(query.keyword, query.page)
    return await cached.through(
        deps.cache, key, cache_codec.MOVIE_PAGE, load, cached.LIBRARY_TTL_SECONDS
    )


async def recommended_movies(deps: Deps, page: PageRequest) -> Page[Movie]:
    """The home page's films: best rated, then most popular."""

    async def load() -> Page[Movie]:
        async with deps.uow() as uow:
            return await uow.movies.recommended(page)

    key = cached.recommended_key(page)
    return await cached.through(
        deps.cache, key, cache_codec.MOVIE_PAGE, load, cached.LIBRARY_TTL_SECONDS
    )


@attrs.frozen
class MovieDetail:
    movie: Movie
    characters: tuple[Character, ...]


async def get_movie(deps: Deps, movie_id: str) -> MovieDetail:
    """A film with its characters, most important first."""

    async def load() -> tuple[Movie, tuple[Character, ...]]:
        async with deps.uow() as uow:
            movie = await require_movie(uow, movie_id)
            return movie, tuple(await uow.characters.list_for_movie(movie_id))

    key = cached.movie_key(movie_id)
    film = await cached.through(deps.cache, key, cache_codec.FILM, load, cached.LIBRARY_TTL_SECONDS)
    return MovieDetail(*film)


@attrs.frozen
class ListDialogues:
    movie_id: str
    character_id: str | None = None
    page: PageRequest = PageRequest()


async def list_dialogues(deps: Deps, query: ListDialogues) -> Page[DialogueLine]:
    """A film's lines in film order, optionally one character's."""

    async def load() -> Page[DialogueLine]:
        async with deps.uow() as uow:
            page = await uow.dialogues.for_movie(query.movie_id, query.page, query.character_id)
            if page.total == 0:
                # No lines may mean an unknown film or character: say which. A film's lines
                # are its own characters', so a page that has any needs neither read.
                await require_movie(uow, query.movie_id)
                if query.character_id is not None:
                    await require_character(uow, query.character_id, movie_id=query.movie_id)
            return page

    key = cached.dialogues_key(query.movie_id, query.character_id, query.page)
    return await cached.through(
        deps.cache, key, cache_codec.LINE_PAGE, load, cached.LIBRARY_TTL_SECONDS
    )


@attrs.frozen
class CharacterDetail:
    character: Character
    movie: Movie


async def get_character(deps: Deps, character_id: str) -> CharacterDetail:
    """A character with its film: description, traits, line count."""

    async def load() -> tuple[Character, Movie]:
        async with deps.uow() as uow:
            character = await require_character(uow, character_id)
            return character, await require_movie(uow, character.movie_id)

    key = cached.character_key(character_id)
    cast = await cached.through(deps.cache, key, cache_codec.CAST, load, cached.LIBRARY_TTL_SECONDS)
    return CharacterDetail(*cast)


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
