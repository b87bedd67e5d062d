"""Films, characters and dialogue lines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping

from adapters.sql.mappers._json import texts
from npc_core.model import Character, DialogueLine, Movie


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
