"""What every importer reads a source into, and what the writer stores.

Parsers (one module per format) turn files into `SourceFilm`s, one film at a time, so
memory stays flat however large the input. The writer turns them into rows with ids
derived from `SourceFilm.source_key` (stable across runs, so importing the same input
again changes nothing).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import attrs


class Severity(StrEnum):
    """How bad a problem found while reading is."""

    WARNING = "warning"  # reported, the rest of the film is imported
    ERROR = "error"  # the film (or the whole file) is not imported


@attrs.frozen
class Problem:
    """Something wrong in the input, with where it is (`file:line` when known)."""

    location: str
    message: str
    severity: Severity = Severity.WARNING


@attrs.frozen
class SourceLine:
    """One spoken line in film order.

    `character_key` names a `SourceCharacter.key` of the same film, or is None when the
    speaker is unknown (subtitles) or a group (`EVERYONE`), whose name stays in `speaker`.
    """

    order: int
    content: str
    speaker: str | None = None
    character_key: str | None = None
    scene: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    location: str = ""


@attrs.frozen
class SourceCharacter:
    """A person of a film; `key` is stable within the film (the source's id or cue name)."""

    key: str
    name: str
    line_count: int = 0
    importance: int = 1
    aliases: tuple[str, ...] = ()
    gender: str | None = None


@attrs.frozen
class SourceFilm:
    """A film read from a source: metadata, and (unless `metadata_only`) its cast and lines.

    `source_key` identifies the film across runs: `tmdb:550` when the TMDB id is known
    (so a screenplay named `--tmdb-id 550` and the TMDB row are one film), else the
    source's own id (`cornell:m0`, `douban:<title>:<year>`, `file:<name>`).
    A `metadata_only` film (TMDB, Douban) merges into an existing film by TMDB id, or by
    folded title plus year, and is created when there is none.
    """

    source_key: str
    title: str
    location: str
    original_title: str | None = None
    overview: str = ""
    tmdb_id: str | None = None
    release_year: int | None = None
    release_date: date | None = None
    rating: float | None = None
    popularity: float = 0.0
    genres: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    director: str | None = None
    poster_url: str | None = None
    characters: tuple[SourceCharacter, ...] = ()
    lines: tuple[SourceLine, ...] = ()
    metadata_only: bool = False
    problems: tuple[Problem, ...] = ()
