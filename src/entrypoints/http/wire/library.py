"""The film library on the wire."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from entrypoints.http.wire.common import Wire


class MovieOut(Wire):
    id: str
    tmdb_id: str | None
    title: str
    original_title: str | None
    overview: str
    poster_url: str | None
    rating: float | None
    genres: list[str]
    aliases: list[str]
    release_year: int | None
    director: str | None
    release_date: date | None = None  # ISO 8601 (`1999-10-15`); imported from TMDB


class CharacterOut(Wire):
    id: str
    movie_id: str
    name: str
    description: str
    avatar_url: str | None
    importance_level: int
    dialogue_count: int
    personality_traits: list[str]


class DialogueOut(Wire):
    id: str
    movie_id: str
    character_id: str | None
    speaker: str | None
    dialogue_content: str
    order: int
    scene: str | None
    start_ms: int | None
    end_ms: int | None


class MovieListResponse(Wire):
    movies: list[MovieOut]
    total: int
    page: int
    page_size: int
    has_more: bool
    total_exact: Annotated[
        bool,
        msgspec.Meta(
            description="False when `total` is a lower bound: a search of a common keyword "
            "stops counting once it has the films the page needs (`hasMore` still holds)."
        ),
    ] = True


class MovieDetailResponse(Wire):
    movie: MovieOut
    characters: list[CharacterOut]


class DialoguesResponse(Wire):
    dialogues: list[DialogueOut]
    total: int
    page: int
    page_size: int
    has_more: bool


class CharacterDetailResponse(Wire):
    character: CharacterOut
    movie: MovieOut
