"""Film-library importers: each source format read into `SourceFilm`s, one film at a time.

`iter_films(path)` detects the format (or takes the one named), then streams the
films of the file or folder; problems found while reading travel with each film, so
the writer can report them with their `file:line` and import the rest. `detect`
alone tells which format a path holds, or raises `UnrecognizedSource` saying why
none fits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from adapters.importers import cornell, fountain, imsdb, jsonl, metadata, parsed_json, subtitles
from adapters.importers.detect import Format, UnrecognizedSource, detect
from adapters.importers.records import Problem, Severity, SourceCharacter, SourceFilm, SourceLine

__all__ = [
    "SINGLE_FILM",
    "Format",
    "Problem",
    "Severity",
    "SourceCharacter",
    "SourceFilm",
    "SourceLine",
    "UnrecognizedSource",
    "detect",
    "iter_films",
]

# Formats whose file is one film, which `--tmdb-id` can therefore name.
SINGLE_FILM = frozenset({Format.IMSDB, Format.FOUNTAIN, Format.PARSED_JSON, Format.SRT, Format.ASS})


def _one(read: Callable[[Path], SourceFilm]) -> Callable[[Path], Iterator[SourceFilm]]:
    def films(path: Path) -> Iterator[SourceFilm]:
        yield read(path)

    return films


_READERS: dict[Format, Callable[[Path], Iterator[SourceFilm]]] = {
    Format.JSONL: jsonl.read,
    Format.CORNELL: cornell.read,
    Format.IMSDB: _one(imsdb.read),
    Format.FOUNTAIN: _one(fountain.read),
    Format.PARSED_JSON: _one(parsed_json.read),
    Format.SRT: _one(subtitles.read_srt),
    Format.ASS: _one(subtitles.read_ass),
    Format.TMDB_CSV: metadata.read_tmdb,
    Format.DOUBAN_CSV: metadata.read_douban,
}


def iter_films(
    path: Path, fmt: Format | None = None, *, tmdb_id: str | None = None
) -> Iterator[SourceFilm]:
    """The films of `path`, streamed, in `fmt` (detected when None).

    `tmdb_id` names the TMDB film that a single-film source (screenplay, parsed script,
    subtitles) is: the film gets that id and the key `tmdb:<id>`, so TMDB metadata
    imported before or after merges into it. Format detection and argument checks
    happen on the call (raising `UnrecognizedSource` or `ValueError`), reading as the
    films are consumed.
    """
    if not path.exists():
        raise UnrecognizedSource(path, "no such file or folder")
    fmt = detect(path) if fmt is None else Format(fmt)
    if tmdb_id is not None:
        tmdb_id = tmdb_id.strip()
        if not tmdb_id.isdigit():
            raise ValueError(f"a TMDB id is a number, not {tmdb_id!r}")
        if fmt not in SINGLE_FILM:
            raise ValueError(
                f"--tmdb-id names the film of a single-film source (screenplay, parsed "
                f"script, subtitles), not of a {fmt} source"
            )
    films = _READERS[fmt](path)
    return films if tmdb_id is None else _named(films, tmdb_id)


def _named(films: Iterator[SourceFilm], tmdb_id: str) -> Iterator[SourceFilm]:
    for film in films:
        yield attrs.evolve(film, tmdb_id=tmdb_id, source_key=f"tmdb:{tmdb_id}")
