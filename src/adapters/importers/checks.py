"""The limits of `npc_core.model.library`, checked on a read film so nothing is cut silently.

The domain entities raise on the first bad field; an import wants every problem of a
film at once, with where it is, and wants them cheaply (a million lines go through
here), so the same limits are checked by hand.
"""

from __future__ import annotations

import math

import attrs

from adapters.importers.assemble import error
from adapters.importers.records import Problem, SourceFilm
from npc_core.model import limits

OVERVIEW = 20_000  # Movie.overview's limit
YEARS = (1870, 2200)  # Movie.release_year's range
RATINGS = (0.0, 10.0)


def _too_long(value: str | None, limit: int) -> bool:
    return value is not None and len(value) > limit


def film_problems(film: SourceFilm) -> list[Problem]:
    """Errors for fields of `film` (and its characters) that the library cannot store."""
    at = film.location
    problems: list[Problem] = []
    if not film.title.strip():
        problems.append(error(at, "the film has no title"))
    elif len(film.title) > limits.TITLE:
        problems.append(error(at, f"title over {limits.TITLE} characters: {film.title[:60]}..."))
    if _too_long(film.original_title, limits.TITLE):
        problems.append(error(at, f"original title over {limits.TITLE} characters"))
    if len(film.overview) > OVERVIEW:
        problems.append(error(at, f"overview over {OVERVIEW} characters"))
    if _too_long(film.director, limits.NAME):
        problems.append(error(at, f"director over {limits.NAME} characters"))
    if _too_long(film.poster_url, limits.URL):
        problems.append(error(at, f"poster URL over {limits.URL} characters"))
    if film.rating is not None and not (
        math.isfinite(film.rating) and RATINGS[0] <= film.rating <= RATINGS[1]
    ):
        problems.append(error(at, f"rating {film.rating} is not between 0 and 10"))
    if not (math.isfinite(film.popularity) and film.popularity >= 0):
        problems.append(error(at, f"popularity {film.popularity} is negative or not finite"))
    if film.release_year is not None and not YEARS[0] <= film.release_year <= YEARS[1]:
        problems.append(error(at, f"year {film.release_year} is not between 1870 and 2200"))
    return problems + _cast_problems(film)


def _cast_problems(film: SourceFilm) -> list[Problem]:
    at = film.location
    problems: list[Problem] = []
    for character in film.characters:
        if not character.name.strip():
            problems.append(error(at, f"character {character.key!r} has no name"))
        elif len(character.name) > limits.NAME:
            problems.append(
                error(
                    at,
                    f"character name over {limits.NAME} characters: {character.name[:40]}...",
                )
            )
    return problems


def finish(film: SourceFilm, problems: list[Problem]) -> SourceFilm:
    """`film` carrying `problems` and whatever `film_problems` finds."""
    found = [*film.problems, *problems, *film_problems(film)]
    return attrs.evolve(film, problems=tuple(found)) if found else film
