"""The shared film library: films, characters and their dialogue lines."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

import attrs

from npc_core.errors import DomainValidationError
from npc_core.model import _checks, limits

# The years a release date can fall in: those `release_year` accepts.
_FIRST_YEAR, _LAST_YEAR = 1870, 2200


def _strings(values: object) -> tuple[str, ...]:
    return tuple(map(str, values)) if isinstance(values, list | tuple) else ()


def _optional_date(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """None, or a calendar date (not a datetime) in the years a film can have."""
    if value is None:
        return
    field = _checks.camel(attribute.name)
    # A datetime is a date subclass: storing one would drop its time without a word.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise DomainValidationError(field, "must be a date")
    if not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        raise DomainValidationError(field, f"must be between {_FIRST_YEAR} and {_LAST_YEAR}")


@attrs.frozen
class Movie:
    """A film in the local library."""

    id: str
    title: str = attrs.field(validator=_checks.text(limits.TITLE))
    original_title: str | None = attrs.field(
        default=None, validator=_checks.optional_text(limits.TITLE)
    )
    overview: str = attrs.field(default="", validator=_checks.text(20_000, allow_empty=True))
    tmdb_id: str | None = None
    poster_url: str | None = attrs.field(default=None, validator=_checks.optional_text(limits.URL))
    rating: float | None = attrs.field(default=None, validator=_checks.optional_number_in(0, 10))
    popularity: float = attrs.field(default=0.0, validator=_checks.number_in(0, 1e12))
    genres: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    release_year: int | None = attrs.field(
        default=None, validator=_checks.optional_integer_in(1870, 2200)
    )
    director: str | None = attrs.field(default=None, validator=_checks.optional_text(limits.NAME))
    created_at: datetime | None = None
    release_date: date | None = attrs.field(default=None, validator=_optional_date)


@attrs.frozen
class Character:
    """A person (or NPC) in a film, ranked by importance 1-5."""

    id: str
    movie_id: str
    name: str = attrs.field(validator=_checks.text(limits.NAME))
    description: str = attrs.field(
        default="", validator=_checks.text(limits.DESCRIPTION, allow_empty=True)
    )
    avatar_url: str | None = attrs.field(default=None, validator=_checks.optional_text(limits.URL))
    importance: int = attrs.field(default=1, validator=_checks.integer_in(1, 5))
    line_count: int = attrs.field(default=0, validator=_checks.integer_in(0, 10**9))
    personality_traits: tuple[str, ...] = attrs.field(default=(), converter=_strings)


def importance_for(line_count: int, top_line_count: int) -> int:
    """Importance 1-5 from a character's share of the busiest character's lines.

    The busiest character is 5; anyone with at least half its lines is 4, a quarter 3,
    a tenth 2, and the rest 1, so a film's supporting cast spreads out visibly.
    """
    if line_count < 0 or top_line_count < 0:
        raise DomainValidationError("lineCount", "must not be negative")
    if top_line_count == 0 or line_count == 0:
        return 1
    share = line_count / top_line_count
    for importance, threshold in ((5, 1.0), (4, 0.5), (3, 0.25), (2, 0.1)):
        if share >= threshold:
            return importance
    return 1


@attrs.frozen
class DialogueLine:
    """One spoken line, in film order; `character_id` is None when the speaker is unknown."""

    id: str
    movie_id: str
    order: int = attrs.field(validator=_checks.integer_in(0, 10**9))
    content: str = attrs.field(validator=_checks.text(limits.DIALOGUE_LINE))
    character_id: str | None = None
    speaker: str | None = attrs.field(default=None, validator=_checks.optional_text(limits.NAME))
    scene: str | None = attrs.field(default=None, validator=_checks.optional_text(limits.TITLE))
    start_ms: int | None = attrs.field(
        default=None, validator=_checks.optional_integer_in(0, 10**9)
    )
    end_ms: int | None = attrs.field(default=None, validator=_checks.optional_integer_in(0, 10**9))

    def __attrs_post_init__(self) -> None:
        if self.start_ms is not None and self.end_ms is not None and self.end_ms < self.start_ms:
            raise DomainValidationError("endMs", "must not be before startMs")


def fold(text: str) -> str:
    """Search form of a text: full-width to half-width, case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# Ranks of a title match, best first; films that match nowhere have no rank.
EXACT, PREFIX, CONTAINS, OVERVIEW = 0, 1, 2, 3


def match_rank(movie: Movie, keyword: str) -> int | None:
    """How well `movie` matches `keyword`: exact title, prefix, contains, overview, or None.

    Titles are the title, the original title and the aliases, compared in `fold` form,
    so Chinese matches inside words and Latin case-insensitively, full-width alike.
    """
    needle = fold(keyword)
    if not needle:
        return None
    titles = [fold(t) for t in (movie.title, movie.original_title, *movie.aliases) if t]
    if needle in titles:
        return EXACT
    if any(t.startswith(needle) for t in titles):
        return PREFIX
    if any(needle in t for t in titles):
        return CONTAINS
    if needle in fold(movie.overview):
        return OVERVIEW
    return None


def search_key(movie: Movie, rank: int) -> tuple[int, float, str]:
    """Sort key for search results: rank, then higher rating, then title for stability."""
    return (rank, -(movie.rating or 0.0), movie.title)


def recommendation_key(movie: Movie) -> tuple[float, float, str]:
    """Sort key for the home page: higher rating, then more popular."""
    return (-(movie.rating or 0.0), -movie.popularity, movie.id)
