"""The Cornell Movie-Dialogs corpus: a folder of ` +++$+++ `-separated files.

`movie_titles_metadata.txt` gives the films (lowercase titles, `1989/I` years, genres
as a Python-literal list), `movie_characters_metadata.txt` the characters (`?` for an
unknown gender), and every `movie_lines*.txt` the lines, by film and character. Line
ids descend in blocks, so a film's lines are put in order by the number in their id.
A last line without its line end was cut off: it is reported and left out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from adapters.importers.assemble import LineSink, characters_of, error, title_case, warning, where
from adapters.importers.checks import finish
from adapters.importers.records import Problem, SourceFilm
from adapters.importers.text import read_text, split_lines

TITLES = "movie_titles_metadata.txt"
CHARACTERS = "movie_characters_metadata.txt"
LINES = "movie_lines*.txt"
SEPARATOR = " +++$+++ "

_YEAR = re.compile(r"(1[89]|20)\d\d")
_GENDERS = {"m": "m", "f": "f"}
_TITLE_FIELDS = 6
_CHARACTER_FIELDS = 6
_LINE_FIELDS = 5


def is_corpus(path: Path) -> bool:
    """Whether `path` is a folder holding the corpus's titles file."""
    return path.is_dir() and (path / TITLES).is_file()


def _rows(path: Path, fields: int, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each row of a corpus file, the cut last one included.

    A row with too few fields is malformed: reported and skipped. The caller tells a
    cut row by its number (`_cut_row`).
    """
    for number, line in enumerate(split_lines(read_text(path).text), 1):
        if not line:
            continue
        parts = line.split(SEPARATOR, fields - 1)
        if len(parts) < fields:
            problems.append(
                warning(where(path, number), f"{len(parts)} fields instead of {fields}: skipped")
            )
            continue
        yield number, parts


def _cut_row(path: Path) -> int | None:
    """The number of the last line of `path` when it lacks its line end (it was cut off)."""
    data = path.read_bytes()
    if not data or data.endswith((b"\n", b"\r")):
        return None
    return data.count(b"\n") + 1 if b"\n" in data else data.count(b"\r") + 1


def _cut(path: Path, number: int, parts: list[str]) -> Problem:
    return warning(
        where(path, number),
        f"last line cut off, not imported: {SEPARATOR.join(parts)[:80]!r}",
    )


def _genres(cell: str) -> tuple[str, ...]:
    try:
        value = ast.literal_eval(cell.strip())  # literals only: no code runs
    except (ValueError, SyntaxError):
        return ()
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


class _Film:
    """What is gathered about one film before it is yielded."""

    def __init__(self, number: int, fields: list[str]) -> None:
        self.number = number
        self.fields = fields
        self.characters: dict[str, str] = {}
        self.genders: dict[str, str | None] = {}
        self.lines: list[tuple[int, int, Path, list[str]]] = []
        self.problems: list[Problem] = []


def read(folder: Path) -> Iterator[SourceFilm]:
    """The corpus's films in file order, with their characters and lines.

    Problems tied to no film (a malformed metadata row) are reported with the first film.
    """
    general: list[Problem] = []
    titles = folder / TITLES
    films: dict[str, _Film] = {}
    cut = _cut_row(titles)
    for number, fields in _rows(titles, _TITLE_FIELDS, general):
        if number == cut:
            general.append(_cut(titles, number, fields))
        else:
            films.setdefault(fields[0].strip(), _Film(number, fields))
    _read_characters(folder / CHARACTERS, films, general)
    for path in sorted(folder.glob(LINES)):
        _read_lines(path, films, general)
    first = True
    for film_id, film in films.items():
        yield _source_film(titles, film_id, film, general if first else [])
        first = False


def _read_characters(path: Path, films: dict[str, _Film], general: list[Problem]) -> None:
    cut = _cut_row(path)
    for number, fields in _rows(path, _CHARACTER_FIELDS, general):
        key, name, film_id = fields[0].strip(), fields[1].strip(), fields[2].strip()
        film = films.get(film_id)
        if number == cut or film is None:
            general.append(
                _cut(path, number, fields)
                if number == cut
                else warning(where(path, number), f"character of unknown film {film_id}")
            )
            continue
        if not name:
            film.problems.append(
                warning(where(path, number), f"character {key} has no name: named {key}")
            )
            name = key
        film.characters[key] = name
        film.genders[key] = _GENDERS.get(fields[4].strip().lower())


def _read_lines(path: Path, films: dict[str, _Film], general: list[Problem]) -> None:
    cut = _cut_row(path)
    for number, fields in _rows(path, _LINE_FIELDS, general):
        film = films.get(fields[2].strip())
        line_id = fields[0].strip()
        if number == cut:  # a cut line is reported with the film it was cut from
            (film.problems if film else general).append(_cut(path, number, fields))
        elif film is None or not line_id[1:].isdigit():
            general.append(warning(where(path, number), "line of unknown film, or bad line id"))
        else:
            film.lines.append((int(line_id[1:]), number, path, fields))


def _source_film(titles: Path, film_id: str, film: _Film, general: list[Problem]) -> SourceFilm:
    fields = film.fields
    location = where(titles, film.number)
    problems = [*general, *film.problems]
    year_match = _YEAR.search(fields[2])
    sink = LineSink(problems)
    for _, number, path, line in sorted(film.lines, key=lambda item: item[0]):
        key = line[1].strip()
        if key not in film.characters:
            problems.append(error(where(path, number), f"unknown character {key}"))
            key = ""
        sink.add(
            line[4].strip(),
            where(path, number),
            speaker=line[3].strip() or film.characters.get(key),
            character_key=key or None,
        )
    source = SourceFilm(
        f"cornell:{film_id}",
        title_case(" ".join(fields[1].split())),
        location,
        release_year=int(year_match.group()) if year_match else None,
        rating=_number(fields[3]),
        genres=_genres(fields[5]),
        characters=characters_of(sink.lines, film.characters, genders=film.genders),
        lines=tuple(sink.lines),
    )
    return finish(source, problems)
