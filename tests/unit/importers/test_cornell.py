"""The Cornell Movie-Dialogs corpus: a synthetic folder with its traps, and the real partial one."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path

import pytest

from adapters.importers import Format, Severity, SourceFilm, detect, iter_films
from adapters.importers.cornell import SEPARATOR, read
from tests.unit.importers.data import DATA, needs_data

S = SEPARATOR


def _corpus(folder: Path, *, cut: bool = True) -> Path:
    """Two films (one without lines), ISO-8859-1 bytes, CRLF, ids descending in blocks."""
    folder.mkdir()
    titles = [
        f"m0{S}l\xe9on{S}1994{S}8.60{S}204901{S}['crime', 'drama']",
        f"m1{S}2001: a space odyssey{S}1968/I{S}8.40{S}163227{S}['sci-fi']",
    ]
    (folder / "movie_titles_metadata.txt").write_bytes("\n".join(titles).encode("latin-1") + b"\n")
    characters = [
        f"u0{S}L\xc9ON{S}m0{S}l\xe9on{S}m{S}1",
        f"u1{S}MATHILDA{S}m0{S}l\xe9on{S}F{S}2",
        f"u2{S}HAL{S}m1{S}2001: a space odyssey{S}?{S}?",
    ]
    (folder / "movie_characters_metadata.txt").write_bytes(
        "\n".join(characters).encode("latin-1") + b"\n"
    )
    lines = [
        f"L12{S}u1{S}m0{S}MATHILDA{S}Is life always this hard?",
        f"L11{S}u0{S}m0{S}L\xc9ON{S}Always like this.",
        f"L3{S}u0{S}m0{S}L\xc9ON{S}First.",
        f"L2{S}u1{S}m0{S}MATHILDA{S}",  # an empty line
        f"L1{S}u1{S}m0{S}MATHILDA{S}Zero.",
    ]
    body = "\r\n".join(lines).encode("latin-1") + b"\r\n"
    if cut:
        body += f"L13{S}u1{S}m0{S}MATHILDA{S}I was ready for the n".encode("latin-1")
    (folder / "movie_lines.part1.txt").write_bytes(body)
    return folder


def test_a_corpus_folder_is_detected(tmp_path: Path) -> None:
    """A folder holding movie_titles_metadata.txt is the Cornell format."""
    assert detect(_corpus(tmp_path / "c")) is Format.CORNELL


def test_films_characters_and_lines_in_id_order(tmp_path: Path) -> None:
    """Titles are title-cased and decoded, years lose their `/I`, lines follow the id number."""
    leon, odyssey = read(_corpus(tmp_path / "c"))
    assert (leon.source_key, leon.title, leon.release_year) == ("cornell:m0", "Léon", 1994)
    assert (leon.rating, leon.genres) == (8.6, ("crime", "drama"))
    assert (odyssey.title, odyssey.release_year) == ("2001: A Space Odyssey", 1968)
    assert [line.content for line in leon.lines] == [
        "Zero.",
        "First.",
        "Always like this.",
        "Is life always this hard?",
    ]
    assert [line.order for line in leon.lines] == [0, 1, 2, 3]
    assert [line.character_key for line in leon.lines] == ["u1", "u0", "u0", "u1"]
    assert leon.lines[1].speaker == "LÉON"
    genders = {c.key: c.gender for c in (*leon.characters, *odyssey.characters)}
    assert genders == {"u0": "m", "u1": "f", "u2": None}


def test_a_film_without_lines_keeps_its_characters(tmp_path: Path) -> None:
    """Characters of films outside the lines file are imported with no lines."""
    _, odyssey = read(_corpus(tmp_path / "c"))
    assert odyssey.lines == ()
    assert [(c.key, c.name, c.line_count, c.importance) for c in odyssey.characters] == [
        ("u2", "HAL", 0, 1)
    ]


def test_the_cut_last_line_and_an_empty_line_are_reported(tmp_path: Path) -> None:
    """The unterminated last line and an empty line are warnings with their file:line.

    Neither becomes a line, and both go with the film they belong to.
    """
    folder = _corpus(tmp_path / "c")
    leon, odyssey = read(folder)
    messages = {p.location: p.message for p in leon.problems}
    lines_file = folder / "movie_lines.part1.txt"
    assert "last line cut off" in messages[f"{lines_file}:6"]
    assert "empty line" in messages[f"{lines_file}:4"]
    assert all(p.severity is Severity.WARNING for p in leon.problems)
    assert "I was ready" not in {line.content for line in leon.lines}
    assert odyssey.problems == ()


def test_a_complete_last_line_is_imported(tmp_path: Path) -> None:
    """Without the cut, the file's last line is a line like the others."""
    leon, _ = read(_corpus(tmp_path / "c", cut=False))
    assert not any("cut off" in p.message for p in leon.problems)
    assert len(leon.lines) == 4


# The real, partial corpus.

CORNELL = DATA / "cornell"


def _complete_lines() -> dict[int, tuple[str, int, str]]:
    """Line number -> (film, id number, text) of every complete line of the real file.

    Counted here independently: the rows ended by CRLF, with 5 fields and some text.
    """
    raw = (CORNELL / "movie_lines.m0-m58.partial.txt").read_bytes()
    *complete, _cut = raw.split(b"\r\n")  # the last piece is what follows the last CRLF
    found: dict[int, tuple[str, int, str]] = {}
    for number, row in enumerate(complete, 1):
        fields = row.decode("utf-8").split(" +++$+++ ")
        if len(fields) == 5 and fields[4].strip():
            found[number] = (fields[2], int(fields[0].removeprefix("L")), fields[4].strip())
    return found


@pytest.fixture(scope="module")
def corpus() -> list[SourceFilm]:
    return list(iter_films(CORNELL))


@needs_data
def test_real_corpus_has_617_films_and_9035_characters(corpus: list[SourceFilm]) -> None:
    """Every film and every character of the metadata files is read."""
    assert len(corpus) == 617
    assert sum(len(f.characters) for f in corpus) == 9035
    assert len({f.source_key for f in corpus}) == 617


@needs_data
def test_real_corpus_imports_every_complete_line(corpus: list[SourceFilm]) -> None:
    """Each complete line of m0-m58 is imported, in id order within its film, and no other.

    A line split for length comes in pieces that rejoin to it.
    """
    expected = _complete_lines()
    pieces: dict[int, list[str]] = defaultdict(list)
    for film in corpus:
        ids = []
        for line in film.lines:
            number = int(line.location.rsplit(":", 1)[1])
            pieces[number].append(line.content)
            assert expected[number][0] == film.source_key.removeprefix("cornell:")
            ids.append(expected[number][1])
        assert ids == sorted(ids)
    assert set(pieces) == set(expected)
    for number, parts in pieces.items():
        assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", expected[number][2])


@needs_data
def test_real_corpus_reports_the_cut_line(corpus: list[SourceFilm]) -> None:
    """The cut last line (L203490 of m58) is a warning on m58."""
    m58 = next(f for f in corpus if f.source_key == "cornell:m58")
    cut = [p for p in m58.problems if "cut off" in p.message]
    assert len(cut) == 1
    assert "L203490" in cut[0].message
    assert cut[0].location.endswith(":28676")


@needs_data
def test_real_corpus_parses_fast() -> None:
    """The folder parses well under two seconds."""
    started = time.perf_counter()
    films = sum(1 for _ in iter_films(CORNELL))
    assert films == 617
    assert time.perf_counter() - started < 2
