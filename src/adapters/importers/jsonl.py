"""npc's own JSON Lines format: one film per line, with its cast and its lines in order.

The file is read a line at a time, so memory stays flat however many films it holds.
Each line is decoded straight into typed records by msgspec (which checks types as it
goes, and is several times faster than `json` plus hand checks), then into
`SourceFilm`s. A line that is not a valid film does not stop the file: it becomes a
film carrying an error, which the writer reports and skips. The schema is documented
in the README ("Importing films").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import msgspec

from adapters.importers.assemble import LineSink, characters_of, error, warning, where
from adapters.importers.checks import finish
from adapters.importers.records import Problem, SourceFilm

_BOM = b"\xef\xbb\xbf"


class JsonlCharacter(msgspec.Struct, rename="camel"):
    """A person of the film; `key` is what its lines name in `character`."""

    key: str
    name: str
    gender: str | None = None
    aliases: list[str] = msgspec.field(default_factory=list)


class JsonlLine(msgspec.Struct, rename="camel"):
    """One line; `character` is a character key, `speaker` a free name (groups, unknowns)."""

    content: str
    character: str | None = None
    speaker: str | None = None
    scene: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None


class JsonlFilm(msgspec.Struct, rename="camel"):
    """One film: one line of the file."""

    title: str
    key: str | None = None
    tmdb_id: str | int | None = None
    original_title: str | None = None
    year: int | None = None
    release_date: date | None = None
    overview: str = ""
    rating: float | None = None
    popularity: float = 0.0
    genres: list[str] = msgspec.field(default_factory=list)
    aliases: list[str] = msgspec.field(default_factory=list)
    director: str | None = None
    poster_url: str | None = None
    characters: list[JsonlCharacter] = msgspec.field(default_factory=list)
    lines: list[JsonlLine] = msgspec.field(default_factory=list)


_DECODER = msgspec.json.Decoder(JsonlFilm)


def read(path: Path) -> Iterator[SourceFilm]:
    """The films of a JSON Lines file, one per non-blank line, streamed."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            record = raw.removeprefix(_BOM) if number == 1 else raw
            if record.isspace() or not record:
                continue
            yield _film(path, number, record, complete=raw.endswith(b"\n"))


def _film(path: Path, number: int, raw: bytes, *, complete: bool) -> SourceFilm:
    location = where(path, number)
    problems: list[Problem] = []
    try:
        try:
            record = _DECODER.decode(raw)
        except UnicodeDecodeError:
            # Bad bytes in an otherwise good record: keep the record, flag the bytes.
            raw = raw.decode("utf-8", errors="replace").encode()
            problems.append(warning(location, "undecodable bytes replaced by U+FFFD"))
            record = _DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        return _invalid(path, number, raw, f"not a valid film: {exc}")
    except msgspec.DecodeError as exc:
        what = "invalid JSON" if complete else "truncated last line, not imported"
        return _invalid(path, number, raw, f"{what}: {exc}")
    return _convert(record, location, problems)


def _invalid(path: Path, number: int, raw: bytes, reason: str) -> SourceFilm:
    """A stand-in film carrying the error, keyed like the record when its key is readable."""
    location = where(path, number)
    title = key = None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if isinstance(value, dict):
        title = value.get("title") if isinstance(value.get("title"), str) else None
        tmdb = value.get("tmdbId")
        if isinstance(tmdb, str | int) and not isinstance(tmdb, bool) and str(tmdb):
            key = f"tmdb:{tmdb}"
        elif isinstance(value.get("key"), str) and value["key"]:
            key = value["key"]
    source_key = key or f"jsonl:{path.name}:{number}"
    return SourceFilm(
        source_key,
        title or source_key,
        location,
        problems=(error(location, reason),),
    )


def _convert(record: JsonlFilm, location: str, problems: list[Problem]) -> SourceFilm:
    tmdb_id = str(record.tmdb_id) if record.tmdb_id is not None else None
    source_key = f"tmdb:{tmdb_id}" if tmdb_id else record.key
    if not source_key:
        problems.append(error(location, "a film needs a `key` or a `tmdbId`"))
        source_key = f"jsonl:{location}"
    names: dict[str, str] = {}
    aliases: dict[str, tuple[str, ...]] = {}
    genders: dict[str, str | None] = {}
    by_name: dict[str, str] = {}
    for character in record.characters:
        if not character.key or character.key in names:
            problems.append(error(location, f"character key {character.key!r} empty or repeated"))
            continue
        names[character.key] = character.name
        aliases[character.key] = tuple(character.aliases)
        genders[character.key] = character.gender
        by_name.setdefault(character.name, character.key)
    sink = LineSink(problems)
    add = sink.add
    for number, line in enumerate(record.lines):
        key = line.character
        if key is None:
            key = by_name.get(line.speaker) if line.speaker is not None else None
        elif key not in names:
            problems.append(error(f"{location} lines[{number}]", f"unknown character key {key!r}"))
            key = None
        add(
            line.content,
            location,
            speaker=line.speaker if line.speaker is not None else names.get(key or ""),
            character_key=key,
            scene=line.scene,
            start_ms=line.start_ms,
            end_ms=line.end_ms,
        )
    characters = characters_of(sink.lines, names, aliases, genders)
    release_year = record.year
    if release_year is None and record.release_date is not None:
        release_year = record.release_date.year
    film = SourceFilm(
        source_key,
        record.title,
        location,
        original_title=record.original_title,
        overview=record.overview,
        tmdb_id=tmdb_id,
        release_year=release_year,
        release_date=record.release_date,
        rating=record.rating,
        popularity=record.popularity,
        genres=tuple(record.genres),
        aliases=tuple(record.aliases),
        director=record.director,
        poster_url=record.poster_url,
        characters=characters,
        lines=tuple(sink.lines),
    )
    return finish(film, problems)
