"""npc's JSON Lines format: films streamed line by line, bad records reported, not fatal."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

from adapters.importers import Format, Severity, iter_films
from adapters.importers.jsonl import read
from npc_core.model import limits


def _film(**fields: Any) -> dict[str, Any]:
    return {
        "key": "demo:1",
        "title": "The Demo",
        "characters": [{"key": "a", "name": "Alice", "gender": "f"}, {"key": "b", "name": "Bob"}],
        "lines": [
            {"character": "a", "content": "Hello.", "scene": "INT. ROOM", "startMs": 0},
            {"speaker": "Bob", "content": "Hi, Alice."},
            {"speaker": "EVERYONE", "content": "Hurray!"},
            {"character": "a", "content": "Bye."},
        ],
        **fields,
    }


def _write(path: Path, *records: object, tail: bytes = b"") -> Path:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_bytes(text.encode() + tail)
    return path


def test_a_film_with_its_cast_and_lines(tmp_path: Path) -> None:
    """Fields map to the film; lines keep order; speakers resolve by key or by name."""
    source = _write(
        tmp_path / "films.jsonl",
        _film(year=2001, releaseDate="2001-05-04", rating=7.5, genres=["剧情"], aliases=["演示"]),
    )
    (film,) = read(source)
    assert (film.source_key, film.title, film.release_year) == ("demo:1", "The Demo", 2001)
    assert film.release_date == date(2001, 5, 4)
    assert (film.rating, film.genres, film.aliases) == (7.5, ("剧情",), ("演示",))
    assert [line.order for line in film.lines] == [0, 1, 2, 3]
    assert [line.character_key for line in film.lines] == ["a", "b", None, "a"]
    assert film.lines[2].speaker == "EVERYONE"
    assert film.lines[0].scene == "INT. ROOM"
    alice, bob = film.characters
    assert (alice.line_count, alice.importance, alice.gender) == (2, 5, "f")
    assert (bob.line_count, bob.importance) == (1, 4)
    assert film.problems == ()
    assert film.location == f"{source}:1"


def test_a_tmdb_id_makes_the_key(tmp_path: Path) -> None:
    """With a tmdbId the film's key is tmdb:<id>, so TMDB metadata merges into it."""
    (film,) = read(_write(tmp_path / "f.jsonl", _film(tmdbId=550)))
    assert (film.source_key, film.tmdb_id) == ("tmdb:550", "550")


def test_an_invalid_record_becomes_an_error_film_and_reading_goes_on(tmp_path: Path) -> None:
    """A record of the wrong shape yields a stand-in film with an error; reading goes on.

    The stand-in is keyed like the record when its key is readable.
    """
    source = _write(
        tmp_path / "f.jsonl", _film(key="bad:1", rating="high"), {"oops": 1}, _film(key="ok:3")
    )
    bad, shapeless, good = read(source)
    assert bad.source_key == "bad:1"
    assert [p.severity for p in bad.problems] == [Severity.ERROR]
    assert "$.rating" in bad.problems[0].message
    assert bad.problems[0].location == f"{source}:1"
    assert shapeless.source_key == "jsonl:f.jsonl:2"
    assert shapeless.problems[0].severity is Severity.ERROR
    assert good.problems == ()
    assert len(good.lines) == 4


def test_a_truncated_last_line_is_reported(tmp_path: Path) -> None:
    """The last line cut mid-record is an error film saying so; the films before it are fine."""
    source = _write(tmp_path / "f.jsonl", _film(), tail=b'{"key": "cut", "title": "Cu')
    first, cut = read(source)
    assert first.problems == ()
    assert cut.problems[0].severity is Severity.ERROR
    assert "truncated last line" in cut.problems[0].message
    assert cut.problems[0].location == f"{source}:2"


def test_a_last_line_without_newline_but_complete_is_fine(tmp_path: Path) -> None:
    """Many tools omit the final newline: a complete record there is a film like any."""
    path = tmp_path / "f.jsonl"
    path.write_text(json.dumps(_film()), "utf-8")
    (film,) = read(path)
    assert film.problems == ()


def test_undecodable_bytes_are_replaced_and_reported(tmp_path: Path) -> None:
    """Invalid UTF-8 inside a string keeps the film, with U+FFFD and a warning."""
    raw = json.dumps(_film()).encode().replace(b"Hello.", b"Hel\xfflo.")
    path = tmp_path / "f.jsonl"
    path.write_bytes(raw + b"\n")
    (film,) = read(path)
    assert film.lines[0].content == "Hel\ufffdlo."
    assert [(p.severity, "U+FFFD" in p.message) for p in film.problems] == [
        (Severity.WARNING, True)
    ]


def test_over_long_lines_are_split_and_unsplittable_ones_reported(tmp_path: Path) -> None:
    """A line over the limit splits at sentence ends (a warning).

    A single sentence over the limit is an error, never cut.
    """
    sentence = "word " * 300 + "end."  # 1,504 characters
    splittable = f"{sentence} {sentence}"
    endless = "x" * (limits.DIALOGUE_LINE + 1)
    lines = [{"content": splittable}, {"content": endless}, {"content": "After."}]
    (film,) = read(_write(tmp_path / "f.jsonl", _film(lines=lines)))
    assert [line.content for line in film.lines] == [sentence, sentence, "After."]
    assert [line.order for line in film.lines] == [0, 1, 2]
    assert [p.severity for p in film.problems] == [Severity.WARNING, Severity.ERROR]


def test_unknown_character_keys_and_bad_values_are_errors(tmp_path: Path) -> None:
    """A line naming no known character, or a title over the limit, is reported."""
    lines = [{"character": "zz", "content": "Who?"}]
    (film,) = read(_write(tmp_path / "f.jsonl", _film(lines=lines, title="T" * 201)))
    messages = [p.message for p in film.problems]
    assert any("unknown character key 'zz'" in m for m in messages)
    assert any("title over 200" in m for m in messages)
    assert all(p.severity is Severity.ERROR for p in film.problems)


def test_blank_lines_and_a_bom_are_ignored(tmp_path: Path) -> None:
    """A UTF-8 BOM before the first record and empty lines between records are skipped."""
    path = tmp_path / "f.jsonl"
    record = json.dumps(_film()).encode()
    path.write_bytes(b"\xef\xbb\xbf" + record + b"\n\n  \n" + record + b"\n")
    assert [f.problems for f in read(path)] == [(), ()]


def test_reading_streams_with_flat_memory(tmp_path: Path) -> None:
    """Peak memory while reading a file is a small fraction of the file: one film at a time."""
    path = tmp_path / "many.jsonl"
    lines = [{"character": "a", "content": f"Line number {n} of the film."} for n in range(500)]
    record = json.dumps(_film(lines=lines)) + "\n"
    path.write_text(record * 100, "utf-8")  # about 4 MB
    tracemalloc.start()
    try:
        films = sum(1 for _ in iter_films(path, Format.JSONL))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert films == 100
    assert peak < path.stat().st_size / 4


def test_the_readme_example_reads_as_documented(tmp_path: Path) -> None:
    """The JSON Lines example in the README is a valid film with the cast it shows."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text("utf-8")
    section = readme.split("### The JSON Lines format", 1)[1]
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.jsonl"
    path.write_text(example, "utf-8")
    (film,) = iter_films(path)
    assert film.problems == ()
    assert (film.source_key, film.title, film.release_year) == ("demo:night-ferry", "夜航船", 2021)
    assert [c.name for c in film.characters] == ["林舟", "苏晚"]
    assert [line.character_key for line in film.lines] == ["lin", "su", None]
    assert film.lines[2].speaker == "众人"


def test_values_the_library_cannot_hold_are_reported_not_cut(tmp_path: Path) -> None:
    """Bad times and over-long scenes are left out with a warning, the content kept whole.

    An over-long speaker name is an error.
    """
    lines = [
        {"content": "Backwards.", "startMs": 5000, "endMs": 1000},
        {"content": "Negative.", "startMs": -1},
        {"content": "Long scene.", "scene": "S" * 201},
        {"content": "Long name.", "speaker": "N" * 101},
    ]
    (film,) = read(_write(tmp_path / "f.jsonl", _film(lines=lines)))
    assert [(line.content, line.start_ms, line.end_ms, line.scene) for line in film.lines[:3]] == [
        ("Backwards.", None, None, None),
        ("Negative.", None, None, None),
        ("Long scene.", None, None, None),
    ]
    assert [p.severity for p in film.problems] == [
        Severity.WARNING,
        Severity.WARNING,
        Severity.WARNING,
        Severity.ERROR,
    ]
