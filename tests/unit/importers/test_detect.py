"""Format detection: each format recognised by name and content; anything else refused with why."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from adapters.importers import Format, UnrecognizedSource, detect, iter_films
from tests.unit.importers.data import DATA, needs_data

SRT = "1\n00:00:01,000 --> 00:00:02,000\nHi.\n\n2\n00:00:03,000 --> 00:00:04,000\nBye.\n"
FOUNTAIN = "".join(f"\nALICE\nLine {n}.\n\nBOB\nReply {n}.\n" for n in range(4))
INDENTED = "".join(
    f"\n{' ' * 30}ALICE\n{' ' * 20}Line {n}.\n\n{' ' * 30}BOB\n{' ' * 20}Reply {n}.\n"
    for n in range(4)
)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("films.jsonl", '{"key": "a", "title": "A"}\n', Format.JSONL),
        ("films.txt", '{"key": "a", "title": "A"}\n{"key": "b", "title": "B"}\n', Format.JSONL),
        ("subs.txt", SRT, Format.SRT),
        ("subs.srt", SRT, Format.SRT),
        ("subs.txt", "[Script Info]\n\n[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,,,0,0,0,,Hi\n",
         Format.ASS),
        ("script.txt", FOUNTAIN, Format.FOUNTAIN),
        ("script.txt", INDENTED, Format.IMSDB),
        ("table.txt", "id,title,overview,genres,release_date,vote_average\n", Format.TMDB_CSV),
        ("表.txt", "\ufeff电影名称,别称,导演,主演,年代,地区,影片类型,评分,评价人数,简介\n",
         Format.DOUBAN_CSV),
        ("p.txt", json.dumps({"Characters": [{"Character": "A", "Replies": []}]}, indent=1),
         Format.PARSED_JSON),
    ],
)  # fmt: skip
def test_formats_are_sniffed_from_content(
    tmp_path: Path, name: str, content: str, expected: Format
) -> None:
    """Whatever the extension says (.txt here), the content tells the format."""
    path = tmp_path / name
    path.write_text(content, "utf-8")
    assert detect(path) is expected


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("blob.bin", random.Random(8).randbytes(4096).replace(b"\0", b"."), "binary data"),
        ("nul.txt", b"Almost text\0 but a NUL", "binary data"),
        ("notes.txt", "It was a dark and stormy night.\n\nShe left.\n" * 30, "no character cues"),
        ("movies.csv", "movieId,title,genres\n1,Toy Story (1995),Animation\n", "header is neither"),
        ("empty.txt", "  \n", "empty"),
        ("x.srt", "no timings here\n", "without subtitle timings"),
        ("x.json", '["a list"]', "neither a parsed script"),
    ],
)
def test_unrecognisable_files_are_refused_with_the_reason(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    """A file of no known format raises UnrecognizedSource whose message says why."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, "utf-8")
    with pytest.raises(UnrecognizedSource, match=reason) as raised:
        detect(path)
    assert raised.value.path == path
    assert str(path) in str(raised.value)


def test_folders_and_missing_paths(tmp_path: Path) -> None:
    """A folder that is not a Cornell corpus, and a missing path, are refused.

    So is a single file of the corpus: the folder is the source.
    """
    with pytest.raises(UnrecognizedSource, match="not a Cornell corpus"):
        detect(tmp_path)
    with pytest.raises(UnrecognizedSource, match="no such file"):
        iter_films(tmp_path / "missing.srt")
    titles = tmp_path / "movie_titles_metadata.txt"
    titles.write_text("m0 +++$+++ x +++$+++ 1999 +++$+++ 1 +++$+++ 1 +++$+++ []\n", "utf-8")
    with pytest.raises(UnrecognizedSource, match="import its folder"):
        detect(titles)
    assert detect(tmp_path) is Format.CORNELL


def test_a_named_format_skips_detection(tmp_path: Path) -> None:
    """With a format given, the file is read as that format; a mismatch is an error film."""
    path = tmp_path / "subs.txt"
    path.write_text(SRT, "utf-8")
    (film,) = iter_films(path, Format.IMSDB)
    assert film.lines == ()
    assert "no indented character cues" in film.problems[0].message


@needs_data
@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("cornell", Format.CORNELL),
        ("screenplays/His-Girl-Friday.imsdb.txt", Format.IMSDB),
        ("screenplays/Fight-Club.imsdb.txt", Format.IMSDB),
        ("screenplays/Fight-Club.parsed.json", Format.PARSED_JSON),
        ("subtitles/coach_carter_2005.zh.srt", Format.SRT),
        ("tmdb/tmdb_5000_movies.csv.zip", Format.TMDB_CSV),
        ("douban/douban_top250.csv", Format.DOUBAN_CSV),
    ],
)
def test_real_samples_are_detected(relative: str, expected: Format) -> None:
    """Each real sample is recognised as its format."""
    assert detect(DATA / relative) is expected


@needs_data
@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("movielens/movies.csv", "header is neither"),
        ("movielens/README.txt", "no character cues, subtitle timings"),
        ("movielens", "not a Cornell corpus"),
    ],
)
def test_real_files_of_no_known_format_are_refused(relative: str, reason: str) -> None:
    """MovieLens files are not an import format: refused, saying why."""
    with pytest.raises(UnrecognizedSource, match=reason):
        detect(DATA / relative)


def test_json_lines_with_a_broken_first_record_are_still_json_lines(tmp_path: Path) -> None:
    """A .jsonl whose first record is broken is JSON Lines: the reader reports that record."""
    path = tmp_path / "films.jsonl"
    path.write_text('{"key": "a", "title": \n{"key": "b", "title": "B"}\n', "utf-8")
    assert detect(path) is Format.JSONL
    broken, good = iter_films(path)
    assert "invalid JSON" in broken.problems[0].message
    assert good.problems == ()
