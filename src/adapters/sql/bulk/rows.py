"""A source film's characters and lines as row tuples, checked as the domain checks them.

Rows are plain tuples in column order (`CHARACTER_COLUMNS`, `LINE_COLUMNS`), built in
batches so a film of any length costs one batch of memory beyond its source. A line is
checked by the rules of `npc_core.model.DialogueLine`, written out here because
building a million attrs objects costs seconds; a line that fails them is rebuilt as a
`DialogueLine`, so the message is the domain's own (the unit tests hold the two to the
same verdicts). Characters are few, so they go through `Character` itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from enum import StrEnum
from itertools import pairwise
from typing import Final

from adapters.importers.records import Severity, SourceFilm, SourceLine
from adapters.sql.bulk.ids import child_ids, line_ids
from npc_core.errors import DomainValidationError
from npc_core.model import Character, DialogueLine, limits

BATCH: Final = 1_000
MAX_SOURCE_KEY: Final = 255  # movie_sources.source_key
# Changing what a film's rows are made of must change every digest, so that the next
# import rewrites films it would otherwise skip as unchanged.
ROWS_VERSION: Final = "1"

CHARACTER_COLUMNS: Final = (
    "id",
    "movie_id",
    "name",
    "description",
    "avatar_url",
    "importance",
    "line_count",
    "personality_traits",
)
LINE_COLUMNS: Final = (
    "id",
    "movie_id",
    "character_id",
    "line_order",
    "content",
    "speaker",
    "scene",
    "start_ms",
    "end_ms",
    "film_position",
    "character_position",
)
_MAX_INT: Final = 10**9  # DialogueLine's bound on orders and times

Row = tuple[object, ...]


class Kind(StrEnum):
    """What a source gives a film: its cast and lines, or metadata only."""

    CAST = "cast"
    METADATA = "metadata"


class FilmRejected(Exception):
    """A film that cannot be stored as it is; `location` is `file:line` when known."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


def kind_of(film: SourceFilm) -> Kind:
    """Metadata-only sources merge; the others bring a cast."""
    return Kind.METADATA if film.metadata_only else Kind.CAST


def carries_cast(film: SourceFilm) -> bool:
    """Whether the film replaces its stored cast: a cast source with characters or lines.

    A cast source with neither (a JSON Lines film with only its metadata) leaves the
    stored cast alone, as a metadata source does.
    """
    return not film.metadata_only and bool(film.characters or film.lines)


def check_source(film: SourceFilm) -> None:
    """Raise `FilmRejected` if the reader found an error in the film, or its key is unusable."""
    for problem in film.problems:
        if problem.severity is Severity.ERROR:
            raise FilmRejected(problem.location or film.location, problem.message)
    if not film.source_key or len(film.source_key) > MAX_SOURCE_KEY:
        raise FilmRejected(film.location, f"source key must have 1 to {MAX_SOURCE_KEY} characters")


def digest(film: SourceFilm) -> str:
    """A fingerprint of everything the film's rows are made of (not where it was read)."""
    state = hashlib.blake2b(digest_size=16)
    head = (
        ROWS_VERSION,
        film.source_key,
        film.title,
        film.original_title,
        film.overview,
        film.tmdb_id,
        film.release_year,
        film.release_date.isoformat() if film.release_date else None,
        film.rating,
        film.popularity,
        film.genres,
        film.aliases,
        film.director,
        film.poster_url,
        film.metadata_only,
        tuple(
            (c.key, c.name, c.line_count, c.importance, c.aliases, c.gender)
            for c in film.characters
        ),
    )
    state.update(repr(head).encode())
    for start in range(0, len(film.lines), BATCH):
        chunk = film.lines[start : start + BATCH]
        values = [
            (x.order, x.content, x.speaker, x.character_key, x.scene, x.start_ms, x.end_ms)
            for x in chunk
        ]
        state.update(repr(values).encode())
    return state.hexdigest()


def character_rows(film: SourceFilm, movie_id: str) -> tuple[list[Row], dict[str, str]]:
    """The film's character rows, and the id of each character key."""
    make_id = child_ids(movie_id, "character")
    rows: list[Row] = []
    ids: dict[str, str] = {}
    for source in film.characters:
        if source.key in ids:
            raise FilmRejected(film.location, f"character key {source.key!r} repeats")
        try:
            character = Character(
                id=make_id(source.key),
                movie_id=movie_id,
                name=source.name,
                importance=source.importance,
                line_count=source.line_count,
            )
        except DomainValidationError as error:
            raise FilmRejected(film.location, f"character {source.key!r}: {error}") from None
        ids[source.key] = character.id
        rows.append(
            (
                character.id,
                movie_id,
                character.name,
                character.description,
                character.avatar_url,
                character.importance,
                character.line_count,
                json.dumps(list(character.personality_traits)),
            )
        )
    return rows, ids


def _fits(text: object, limit: int) -> bool:
    return text is None or (type(text) is str and len(text) <= limit)


def _whole(value: object) -> bool:
    return value is None or (type(value) is int and 0 <= value <= _MAX_INT)


def line_is_valid(line: SourceLine) -> bool:
    """What `DialogueLine` accepts, checked without building one."""
    content, start, end = line.content, line.start_ms, line.end_ms
    return (
        type(content) is str
        and 0 < len(content) <= limits.DIALOGUE_LINE
        and not content.isspace()
        and type(line.order) is int
        and 0 <= line.order <= _MAX_INT
        and _fits(line.speaker, limits.NAME)
        and _fits(line.scene, limits.TITLE)
        and _whole(start)
        and _whole(end)
        and (start is None or end is None or end >= start)
    )


def _line_error(line: SourceLine, movie_id: str) -> str:
    """Why the domain refuses `line` (called only for lines `line_is_valid` refused)."""
    try:
        DialogueLine(
            id="-",
            movie_id=movie_id,
            order=line.order,
            content=line.content,
            speaker=line.speaker,
            scene=line.scene,
            start_ms=line.start_ms,
            end_ms=line.end_ms,
        )
    except DomainValidationError as error:
        return f"line {line.order}: {error}"
    # Unreachable while the two agree; the tests hold them to it.
    return f"line {line.order}: refused"  # pragma: no cover


def _in_order(film: SourceFilm) -> tuple[SourceLine, ...]:
    """The film's lines by order (as readers give them; sorted when they did not)."""
    lines = film.lines
    if all(type(x.order) is int for x in lines) and all(
        a.order < b.order for a, b in pairwise(lines)
    ):
        return lines
    for line in lines:  # orders are compared below: every one must be a number
        if not line_is_valid(line):
            raise FilmRejected(line.location or film.location, _line_error(line, "-"))
    return tuple(sorted(lines, key=lambda x: x.order))


def line_batches(
    film: SourceFilm, movie_id: str, character_ids: Mapping[str, str]
) -> Iterator[list[Row]]:
    """The film's line rows in batches of `BATCH`; `FilmRejected` at the first bad line.

    Rows come in line order and carry their positions (from 0) among the film's lines
    and among their speaker's (`character_dialogues.film_position`, `character_position`:
    what `repositories.library.number_lines` would set), so pages of an imported film
    are index ranges at once.
    """
    make_id = line_ids(movie_id)
    seen: set[int] = set()
    spoken: dict[str | None, int] = {}
    batch: list[Row] = []
    for position, line in enumerate(_in_order(film)):
        if not line_is_valid(line):
            raise FilmRejected(line.location or film.location, _line_error(line, movie_id))
        order = line.order
        if order in seen:
            raise FilmRejected(line.location or film.location, f"line order {order} repeats")
        seen.add(order)
        key = line.character_key
        character_id = None
        if key is not None:
            character_id = character_ids.get(key)
            if character_id is None:
                raise FilmRejected(
                    line.location or film.location,
                    f"line {order} names character {key!r}, which the film does not have",
                )
        among_speaker = spoken.get(character_id, 0)
        spoken[character_id] = among_speaker + 1
        batch.append(
            (
                make_id(order),
                movie_id,
                character_id,
                order,
                line.content,
                line.speaker,
                line.scene,
                line.start_ms,
                line.end_ms,
                position,
                among_speaker,
            )
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
