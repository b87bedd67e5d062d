"""Source films built in code, as the readers would produce them, and row counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import attrs
from sqlalchemy import Engine, func, select

from adapters.importers.records import SourceCharacter, SourceFilm, SourceLine
from adapters.sql.tables import (
    character_dialogues,
    characters,
    movie_overview_grams,
    movie_sources,
    movie_title_grams,
    movies,
)

LIBRARY_TABLES = (
    movies,
    movie_title_grams,
    movie_overview_grams,
    movie_sources,
    characters,
    character_dialogues,
)


def cast_film(
    key: str = "test:1",
    title: str = "Fight Club",
    *,
    lines: int = 6,
    names: Iterable[str] = ("JACK", "TYLER", "MARLA"),
    year: int | None = None,
    tmdb_id: str | None = None,
    overview: str = "",
    file: str = "films.jsonl",
) -> SourceFilm:
    """A film with a cast: lines spoken in turn by `names`."""
    cast = list(names)
    spoken = [
        SourceLine(
            order=i,
            content=f"{cast[i % len(cast)].title()} says line {i}.",
            speaker=cast[i % len(cast)],
            character_key=cast[i % len(cast)],
            location=f"{file}:{10 + i}",
        )
        for i in range(lines)
    ]
    counts = {name: sum(1 for x in spoken if x.character_key == name) for name in cast}
    return SourceFilm(
        source_key=key,
        title=title,
        location=f"{file}:1",
        release_year=year,
        tmdb_id=tmdb_id,
        overview=overview,
        characters=tuple(
            SourceCharacter(key=n, name=n, line_count=counts[n], importance=3) for n in cast
        ),
        lines=tuple(spoken),
    )


def tmdb_film(
    tmdb_id: str = "550",
    title: str = "Fight Club",
    *,
    year: int = 1999,
    overview: str = "A ticking-time-bomb insomniac and a soap salesman form a club.",
    rating: float = 8.3,
    released: date | None = date(1999, 10, 15),
    original_title: str | None = None,
) -> SourceFilm:
    """A TMDB metadata row."""
    return SourceFilm(
        source_key=f"tmdb:{tmdb_id}",
        title=title,
        location=f"tmdb.csv:{tmdb_id}",
        original_title=original_title or title,
        overview=overview,
        tmdb_id=tmdb_id,
        release_year=year,
        release_date=released,
        rating=rating,
        popularity=61.5,
        genres=("Drama",),
        director=None,
        metadata_only=True,
    )


def douban_film(
    title: str = "搏击俱乐部",
    *,
    year: int = 1999,
    aliases: tuple[str, ...] = ("斗阵俱乐部", "Fight Club"),
    rating: float = 9.0,
) -> SourceFilm:
    """A Douban metadata row: a Chinese title, aliases (one of them English)."""
    return SourceFilm(
        source_key=f"douban:{title}:{year}",
        title=title,
        location=f"douban.csv:{year}",
        release_year=year,
        rating=rating,
        genres=("剧情",),
        aliases=aliases,
        director="大卫·芬奇 David Fincher",
        metadata_only=True,
    )


def with_lines(film: SourceFilm, **changes: Any) -> SourceFilm:
    """`film` with its last line changed."""
    last = attrs.evolve(film.lines[-1], **changes)
    return attrs.evolve(film, lines=(*film.lines[:-1], last))


def counts(engine: Engine) -> dict[str, int]:
    """Rows per library table."""
    with engine.connect() as connection:
        return {
            t.name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
            for t in LIBRARY_TABLES
        }
