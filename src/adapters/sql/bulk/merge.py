"""What a film becomes when a source is imported into it: the merge rules.

- A new film takes everything its source gives.
- Metadata sources (TMDB, Douban) own a film's metadata: overview, rating, release
  date and year, genres, popularity, poster and director are replaced by every value
  the source gives (an empty value gives nothing). The first metadata source to
  reach a film names it (the old title stays as an alias); later ones add their
  titles as aliases, so Douban's Chinese title becomes an alias of an English-titled
  film and search finds it under both.
- A cast source (screenplay, subtitles, corpus) owns the cast. It sets the metadata it
  gives while no metadata source has reached the film, and afterwards only fills
  what is still empty.
- Aliases are a union, without repeats and without the film's own titles (compared
  in `fold` form); the TMDB id, once known, stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from adapters.importers.records import SourceFilm
from npc_core.model import Movie, fold


def _aliases(title: str, original: str | None, candidates: Iterable[str | None]) -> list[str]:
    """`candidates` in order, blanks, repeats and the film's own titles left out."""
    taken = {fold(title)} | ({fold(original)} if original else set())
    kept: list[str] = []
    for alias in filter(None, candidates):
        key = fold(alias)
        if key and key not in taken:
            taken.add(key)
            kept.append(alias.strip())
    return kept


def new_movie(film: SourceFilm, movie_id: str, now: datetime) -> Movie:
    """The film a source creates."""
    original = film.original_title or None
    return Movie(
        id=movie_id,
        title=film.title,
        original_title=original,
        overview=film.overview,
        tmdb_id=film.tmdb_id,
        poster_url=film.poster_url,
        rating=film.rating,
        popularity=film.popularity,
        genres=list(film.genres),
        aliases=_aliases(film.title, original, film.aliases),
        release_year=_year(film),
        release_date=film.release_date,
        director=film.director,
        created_at=now,
    )


def _year(film: SourceFilm) -> int | None:
    if film.release_year is not None:
        return film.release_year
    return film.release_date.year if film.release_date else None


def merged_movie(existing: Movie, film: SourceFilm, *, metadata_owned: bool) -> Movie:
    """`existing` with `film` imported into it, by the module's rules.

    `metadata_owned`: whether a metadata source has reached the film before.
    """
    if film.metadata_only:
        return _with_metadata(existing, film, names=not metadata_owned)
    if not metadata_owned:
        return _with_metadata(attrs.evolve(existing, title=film.title), film, names=False)
    return _filled(existing, film)


def _with_metadata(existing: Movie, film: SourceFilm, *, names: bool) -> Movie:
    """Every metadata value `film` gives replaces the stored one."""
    title = film.title if names else existing.title
    original = existing.original_title or film.original_title or None
    displaced = [existing.title] if names else [film.title]
    aliases = _aliases(
        title,
        original,
        [*existing.aliases, *displaced, film.original_title, *film.aliases],
    )
    return attrs.evolve(
        existing,
        title=title,
        original_title=original,
        overview=film.overview or existing.overview,
        tmdb_id=existing.tmdb_id or film.tmdb_id,
        poster_url=film.poster_url or existing.poster_url,
        rating=film.rating if film.rating is not None else existing.rating,
        popularity=film.popularity or existing.popularity,
        genres=list(film.genres or existing.genres),
        aliases=aliases,
        release_year=_year(film) or existing.release_year,
        release_date=film.release_date or existing.release_date,
        director=film.director or existing.director,
    )


def _filled(existing: Movie, film: SourceFilm) -> Movie:
    """Only what the stored film lacks is taken from `film`."""
    original = existing.original_title or film.original_title or None
    return attrs.evolve(
        existing,
        original_title=original,
        overview=existing.overview or film.overview,
        tmdb_id=existing.tmdb_id or film.tmdb_id,
        poster_url=existing.poster_url or film.poster_url,
        rating=existing.rating if existing.rating is not None else film.rating,
        popularity=existing.popularity or film.popularity,
        genres=list(existing.genres or film.genres),
        aliases=_aliases(existing.title, original, [*existing.aliases, *film.aliases]),
        release_year=existing.release_year or _year(film),
        release_date=existing.release_date or film.release_date,
        director=existing.director or film.director,
    )
