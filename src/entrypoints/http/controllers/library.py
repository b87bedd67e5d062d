"""The shared film library: public reads."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from entrypoints.http import errors, present
from entrypoints.http.params import Page, PageSize, page_request
from entrypoints.http.wire.library import (
    CharacterDetailResponse,
    DialoguesResponse,
    MovieDetailResponse,
    MovieListResponse,
)
from npc_core.model import Movie
from npc_core.model import Page as Found
from npc_core.services import (
    Deps,
    ListDialogues,
    SearchMovies,
    get_character,
    get_movie,
    list_dialogues,
    recommended_movies,
    search_movies,
)

Keyword = Annotated[
    str,
    QueryParameter(
        max_length=100,
        description="Title or overview keyword; Chinese matches inside titles, Latin ignores case.",
    ),
]


def _movies(found: Found[Movie], page: int, page_size: int) -> MovieListResponse:
    return MovieListResponse(
        movies=[present.movie(m) for m in found.items],
        total=found.total,
        page=page,
        page_size=page_size,
        has_more=found.has_more,
        total_exact=found.total_exact,
    )


class MoviesController(Controller):
    path = "/api/movies"
    tags = ["library"]

    @get(
        "/search",
        operation_id="searchMovies",
        responses=errors.PUBLIC_LIST,
        summary="Search the film library",
    )
    async def search(
        self,
        deps: NamedDependency[Deps],
        keyword: Keyword,
        page: Page = 1,
        page_size: PageSize = 20,
    ) -> MovieListResponse:
        found = await search_movies(deps, SearchMovies(keyword, page_request(page, page_size)))
        return _movies(found, page, page_size)

    @get(
        "/recommended",
        operation_id="recommendedMovies",
        responses=errors.PUBLIC_LIST,
        summary="Films for the home page",
    )
    async def recommended(
        self, deps: NamedDependency[Deps], page: Page = 1, page_size: PageSize = 20
    ) -> MovieListResponse:
        return _movies(
            await recommended_movies(deps, page_request(page, page_size)), page, page_size
        )

    @get(
        "/{movie_id:str}",
        operation_id="getMovie",
        responses=errors.PUBLIC_ITEM,
        summary="A film with its characters",
    )
    async def detail(
        self, deps: NamedDependency[Deps], movie_id: FromPath[str]
    ) -> MovieDetailResponse:
        found = await get_movie(deps, movie_id)
        return MovieDetailResponse(
            movie=present.movie(found.movie),
            characters=[present.character(c) for c in found.characters],
        )

    @get(
        "/{movie_id:str}/dialogues",
        operation_id="listDialogues",
        responses=errors.PUBLIC_ITEM,
        summary="A film's lines in film order",
    )
    async def dialogues(
        self,
        deps: NamedDependency[Deps],
        movie_id: FromPath[str],
        page: Page = 1,
        page_size: PageSize = 20,
        character_id: Annotated[
            str | None, QueryParameter(name="characterId", max_length=64)
        ] = None,
    ) -> DialoguesResponse:
        found = await list_dialogues(
            deps, ListDialogues(movie_id, character_id, page_request(page, page_size))
        )
        return DialoguesResponse(
            dialogues=[present.dialogue(d) for d in found.items],
            total=found.total,
            page=page,
            page_size=page_size,
            has_more=found.has_more,
        )


class CharactersController(Controller):
    path = "/api/characters"
    tags = ["library"]

    @get(
        "/{character_id:str}",
        operation_id="getCharacter",
        responses=errors.PUBLIC_ITEM,
        summary="A character's page",
    )
    async def detail(
        self, deps: NamedDependency[Deps], character_id: FromPath[str]
    ) -> CharacterDetailResponse:
        found = await get_character(deps, character_id)
        return CharacterDetailResponse(
            character=present.character(found.character), movie=present.movie(found.movie)
        )
