"""SRT and ASS subtitles: timed lines without speakers, markup removed, cues kept whole."""

from __future__ import annotations

from pathlib import Path

from adapters.importers import Format, Severity, SourceFilm, detect, iter_films
from adapters.importers.subtitles import clean_markup, cue_text
from tests.unit.importers.data import DATA, needs_data

SRT = """\
1
00:00:01,000 --> 00:00:02,500
{\\an8}<i>Hello</i> <font color="#ffffff">there</font>.

2
00:00:03,000 --> 00:00:04,000
- 嘿，儿子  - 嘿

3
00:01:05,100 --> 00:01:07,000
我们走吧
Let's go.

4
00:01:08,000 --> 00:01:09,000
- Who are you?
- Nobody.

5
00:01:10,000 --> 00:01:12,000
42

6
00:01:13,000 --> 00:01:14,000
a line that
wraps
"""


def _film(path: Path) -> SourceFilm:
    (film,) = iter_films(path)
    return film


def test_srt_cues_become_timed_lines_without_speakers(tmp_path: Path) -> None:
    """Each cue is one line with its times and no speaker; tags go.

    Dash parts and languages stay in one line: a newline between speakers, ` / `
    between languages.
    """
    path = tmp_path / "some_film_1999.en.srt"
    path.write_bytes(SRT.replace("\n", "\r\n").encode("utf-8-sig"))
    assert detect(path) is Format.SRT
    film = _film(path)
    assert (film.title, film.release_year, film.source_key) == (
        "Some Film",
        1999,
        "file:some_film_1999.en.srt",
    )
    assert [line.content for line in film.lines] == [
        "Hello there.",
        "嘿，儿子\n嘿",
        "我们走吧 / Let's go.",
        "Who are you?\nNobody.",
        "42",
        "a line that wraps",
    ]
    assert [(line.start_ms, line.end_ms) for line in film.lines][:3] == [
        (1000, 2500),
        (3000, 4000),
        (65100, 67000),
    ]
    assert all(line.speaker is None and line.character_key is None for line in film.lines)
    assert [line.order for line in film.lines] == list(range(6))
    assert film.characters == ()
    assert film.lines[1].location == f"{path}:6"


def test_gb18030_subtitles_are_decoded(tmp_path: Path) -> None:
    """A Chinese SRT saved as GB18030 reads as the same text."""
    path = tmp_path / "film.srt"
    path.write_bytes("1\n00:00:01,000 --> 00:00:02,000\n你好，世界！\n\n".encode("gb18030"))
    assert [line.content for line in _film(path).lines] == ["你好，世界！"]


def test_bad_timings_are_left_out_with_a_warning(tmp_path: Path) -> None:
    """A cue ending before it starts keeps its text, without times."""
    path = tmp_path / "film.srt"
    path.write_text("1\n00:00:05,000 --> 00:00:01,000\nBackwards.\n", "utf-8")
    film = _film(path)
    assert [(line.content, line.start_ms) for line in film.lines] == [("Backwards.", None)]
    assert [p.severity for p in film.problems] == [Severity.WARNING]


ASS = """\
[Script Info]
Title: Test
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize
Style: Default,Arial,20

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:03.00,0:00:04.50,Default,,0,0,0,,{\\i1}Second{\\i0}, with a comma
Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,中文一行\\N{\\fs12}English line
Comment: 0,0:00:01.50,0:00:02.00,Default,,0,0,0,,not shown
Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}
Dialogue: 0,0:00:07.00,0:00:08.00,Top,,0,0,0,,第二句
Dialogue: 0,0:00:07.00,0:00:08.00,Eng,,0,0,0,,The second\\hsentence
"""


def test_ass_events_sorted_with_bilingual_lines(tmp_path: Path) -> None:
    r"""ASS events come in time order; overrides and drawings go.

    `\N` splits languages; events sharing their times (one per language) make one line.
    """
    path = tmp_path / "film.ass"
    path.write_text(ASS, "utf-8")
    assert detect(path) is Format.ASS
    film = _film(path)
    assert [(line.content, line.start_ms, line.end_ms) for line in film.lines] == [
        ("中文一行 / English line", 1000, 2000),
        ("Second, with a comma", 3000, 4500),
        ("第二句 / The second sentence", 7000, 8000),
    ]


def test_markup_cleaning() -> None:
    """Override blocks, HTML-like tags and ASS escapes are resolved; `a < b` survives."""
    assert clean_markup("{\\b1}Bold{\\b0} <b>and</b> a < b\\Nnext\\hword") == [
        "Bold and a < b",
        "next word",
    ]


def test_cue_text_rules() -> None:
    """Dash parts split speakers; a wrapped line joins its part; credits with `-=` are text."""
    assert cue_text([["- A", "continues", "- B"]]) == "A continues\nB"
    assert cue_text([["-= CREDITS =-"]]) == "-= CREDITS =-"
    assert cue_text([["well -- no"]]) == "well -- no"


@needs_data
def test_real_chinese_subtitles() -> None:
    """The Coach Carter subtitles give at least 1,900 timed lines with no speaker."""
    film = _film(DATA / "subtitles" / "coach_carter_2005.zh.srt")
    assert (film.title, film.release_year) == ("Coach Carter", 2005)
    assert len(film.lines) >= 1900
    assert all(line.speaker is None and line.character_key is None for line in film.lines)
    assert all(line.start_ms is not None for line in film.lines)
    assert not any(p.severity is Severity.ERROR for p in film.problems)
