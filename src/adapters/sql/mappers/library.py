"""Films, characters and dialogue lines."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import RowMapping

from adapters.sql.mappers._json import embedded_texts, texts
from adapters.sql.tables import movies
from adapters.sql.types import stored_utc
from npc_core.model import Character, DialogueLine, Movie

# The columns of `movies`, in its order: how a JSON array of a film's columns holds them.
FILM_COLUMNS: Final = tuple(column.name for column in movies.c)
# Every column a `Movie` has, read out of such an array in one call.
_film_fields = operator.itemgetter(
    *(
        FILM_COLUMNS.index(name)
        for name in (
            "id",
            "title",
            "original_title",
            "overview",
            "tmdb_id",
            "poster_url",
            "rating",
            "popularity",
            "genres",
            "aliases",
            "release_year",
            "director",
            "created_at",
            "release_date",
        )
    )
)


def movie_row(movie: Movie, *, overview_overflow: bool) -> dict[str, object]:
    """Every column of a film; `overview_overflow` comes from the search index."""
    return {
        "id": movie.id,
        "title": movie.title,
        "original_title": movie.original_title,
        "overview": movie.overview,
        "tmdb_id": movie.tmdb_id,
        "poster_url": movie.poster_url,
        "rating": movie.rating,
        "popularity": movie.popularity,
        "genres": list(movie.genres),
        "aliases": list(movie.aliases),
        "release_year": movie.release_year,
        "release_date": movie.release_date,
        "director": movie.director,
        "created_at": movie.created_at,
        "overview_overflow": overview_overflow,
    }


def movie_from(row: RowMapping | Mapping[str, Any]) -> Movie:
    """The film stored in `row`."""
    return Movie(
        id=row["id"],
        title=row["title"],
        original_title=row["original_title"],
        overview=row["overview"],
        tmdb_id=row["tmdb_id"],
        poster_url=row["poster_url"],
        rating=row["rating"],
        popularity=row["popularity"],
        genres=texts(row["genres"]),
        aliases=texts(row["aliases"]),
        release_year=row["release_year"],
        director=row["director"],
        created_at=row["created_at"],
        release_date=row["release_date"],
    )


def movie_from_json(values: Sequence[Any]) -> Movie:
    """The film whose columns a MySQL/MariaDB server wrote as one JSON array (`FILM_COLUMNS`).

    JSON types them apart from SQLAlchemy: a DOUBLE may come as an integer (8.0 as 8),
    dates and timestamps as ISO text, and MariaDB embeds a JSON column as its text.
    The film search reads its candidates so; taking the array apart here, without a
    row dict between, is about a quarter of the cost of building a found film.
    """
    (
        movie_id,
        title,
        original_title,
        overview,
        tmdb_id,
        poster_url,
        rating,
        popularity,
        genres,
        aliases,
        release_year,
        director,
        created_at,
        release_date,
    ) = _film_fields(values)
    return Movie(
        id=movie_id,
        title=title,
        original_title=original_title,
        overview=overview,
        tmdb_id=tmdb_id,
        poster_url=poster_url,
        rating=None if rating is None else float(rating),
        popularity=float(popularity),
        genres=embedded_texts(genres),
        aliases=embedded_texts(aliases),
        release_year=release_year,
        director=director,
        created_at=None if created_at is None else stored_utc(datetime.fromisoformat(created_at)),
        release_date=None if release_date is None else date.fromisoformat(release_date),
    )


def character_row(character: Character) -> dict[str, object]:
    """Every column of a character."""
    return {
        "id": character.id,
        "movie_id": character.movie_id,
        "name": character.name,
        "description": character.description,
        "avatar_url": character.avatar_url,
        "importance": character.importance,
        "line_count": character.line_count,
        "personality_traits": list(character.personality_traits),
    }


def character_from(row: RowMapping) -> Character:
    """The character stored in `row`."""
    return Character(
        id=row["id"],
        movie_id=row["movie_id"],
        name=row["name"],
        description=row["description"],
        avatar_url=row["avatar_url"],
        importance=row["importance"],
        line_count=row["line_count"],
        personality_traits=texts(row["personality_traits"]),
    )


def line_row(line: DialogueLine) -> dict[str, object]:
    """Every column of a dialogue line."""
    return {
        "id": line.id,
        "movie_id": line.movie_id,
        "character_id": line.character_id,
        "line_order": line.order,
        "content": line.content,
        "speaker": line.speaker,
        "scene": line.scene,
        "start_ms": line.start_ms,
        "end_ms": line.end_ms,
    }


def line_from(row: RowMapping | Mapping[str, Any], movie_id: str | None = None) -> DialogueLine:
    """The dialogue line stored in `row` (of film `movie_id`, when the row does not say)."""
    return DialogueLine(
        id=row["id"],
        movie_id=row["movie_id"] if movie_id is None else movie_id,
        order=row["line_order"],
        content=row["content"],
        character_id=row["character_id"],
        speaker=row["speaker"],
        scene=row["scene"],
        start_ms=row["start_ms"],
        end_ms=row["end_ms"],
    )
