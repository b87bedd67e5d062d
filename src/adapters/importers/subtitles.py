r"""SRT and ASS/SSA subtitles: timed lines without speakers.

Each cue becomes one line with its start and end times and no speaker. Markup goes:
ASS override blocks (`{\an8}`, `{\i1}`), which fansubs also leave in SRT files, and
HTML-like tags (`<i>`, `<font color=...>`); `\N` and `\n` are line breaks, `\h` a space.

Two conventions are kept readable in one line:

- a cue with several speakers (`- Hi, son  - Hey`, or one `-` line per speaker, or
  ASS events sharing their times) keeps each speaker's part on its own line, joined
  with a newline and without the dashes: `Hi, son\nHey`;
- a bilingual cue (a Chinese line and an English line) keeps both languages, the
  first one shown first, separated by ` / `: `嘿，儿子 / Hey, son`.

A file holds one film, titled after its name (`coach_carter_2005.zh.srt` is "Coach
Carter", 2005).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from adapters.importers.assemble import LineSink, error, title_from_path, warning, where
from adapters.importers.checks import finish
from adapters.importers.records import Problem, SourceFilm
from adapters.importers.text import read_text, split_lines

SRT_TIMING = re.compile(
    r"^\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
)
_ASS_TIME = re.compile(r"^\s*(\d+):(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?\s*$")
_OVERRIDE = re.compile(r"\{[^{}]*\}")  # `{\...}` blocks, and `{comments}` that ASS allows
_DRAWING = re.compile(r"\{[^{}]*\\p[1-9][^{}]*\}")  # vector drawings are not text
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_DASH = re.compile(r"^-(?![-=])\s*")  # `- ` opening a speaker's part; not `--` or `-=`
_NEXT_DASH = re.compile(r"\s+-(?![-=])\s+")
# Scripts that mark a line as Chinese, Japanese or Korean (the second language of
# bilingual subtitles is then the other one).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# The default [Events] format, for files that leave their Format line out.
_ASS_FIELDS = [
    "layer",
    "start",
    "end",
    "style",
    "name",
    "marginl",
    "marginr",
    "marginv",
    "effect",
    "text",
]


def _ms(hours: str, minutes: str, seconds: str, fraction: str | None) -> int:
    frac = int((fraction or "0").ljust(3, "0")[:3])
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + frac


def clean_markup(text: str) -> list[str]:
    r"""The text lines of a cue with override blocks, tags, `\N` and `\h` resolved."""
    text = _OVERRIDE.sub("", text)
    text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    text = _TAG.sub("", text)
    return [" ".join(line.split()) for line in split_lines(text) if line.strip()]


def _language(text: str) -> str:
    return "cjk" if _CJK.search(text) else "other"


def cue_text(parts: Iterable[list[str]]) -> str:
    """One line from a cue's text lines (given per event): speakers by newline, languages by ` / `.

    Each event of `parts` starts a new speaker's part, as does a line opening with a
    dash; other lines continue the part before them (a wrapped line).
    """
    languages: dict[str, list[str]] = {}
    for lines in parts:
        fresh = True
        for line in lines:
            pieces = [line]
            dashed = bool(_DASH.match(line))
            if dashed:
                pieces = [p for p in _NEXT_DASH.split(_DASH.sub("", line, count=1)) if p]
            for piece in pieces:
                segments = languages.setdefault(_language(piece), [])
                if segments and not (fresh or dashed):
                    segments[-1] = f"{segments[-1]} {piece}"
                else:
                    segments.append(piece)
            fresh = False
    return " / ".join("\n".join(segments) for segments in languages.values())


def _film(path: Path, sink: LineSink, problems: list[Problem]) -> SourceFilm:
    title, year = title_from_path(path)
    if not sink.lines:
        problems.append(error(where(path), "no subtitle cues found"))
    film = SourceFilm(
        f"file:{path.name}", title, where(path), release_year=year, lines=tuple(sink.lines)
    )
    return finish(film, problems)


def read_srt(path: Path) -> SourceFilm:
    """The film of an SRT file: one line per cue, in file order."""
    lines = split_lines(read_text(path).text)
    problems: list[Problem] = []
    sink = LineSink(problems)
    cue: tuple[int, int, int] | None = None  # line number, start, end
    text: list[str] = []

    def flush() -> None:
        if cue is not None:
            content = cue_text([clean_markup("\n".join(text))])
            if content:
                sink.add(content, where(path, cue[0]), start_ms=cue[1], end_ms=cue[2])
            else:
                problems.append(warning(where(path, cue[0]), "cue without text skipped"))

    for index, line in enumerate(lines):
        timing = SRT_TIMING.match(line)
        if timing:
            flush()
            g = timing.groups()
            cue, text = (index + 1, _ms(*g[:4]), _ms(*g[4:])), []
        elif cue is not None and line.strip():
            after = lines[index + 1] if index + 1 < len(lines) else ""
            if not (line.strip().isdigit() and SRT_TIMING.match(after)):
                text.append(line)  # a number right above a timing is the next cue's index
    flush()
    return _film(path, sink, problems)


def read_ass(path: Path) -> SourceFilm:
    """The film of an ASS/SSA file: its Dialogue events by start time, same-time events merged."""
    lines = split_lines(read_text(path).text)
    problems: list[Problem] = []
    fields = _ASS_FIELDS.copy()
    in_events = False
    events: list[tuple[int, int, int, list[str]]] = []  # start, end, line number, text
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_events = stripped.lower() == "[events]"
            continue
        key, colon, value = stripped.partition(":")
        if not in_events or not colon:
            continue
        if key.lower() == "format":
            fields = [f.strip().lower() for f in value.split(",")]
        elif key.lower() == "dialogue":
            event = _event(value, fields)
            if event is None:
                problems.append(warning(where(path, number), "unreadable Dialogue event skipped"))
            elif event[2]:
                events.append((event[0], event[1], number, event[2]))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    sink = LineSink(problems)
    index = 0
    while index < len(events):
        start, end, number, _ = events[index]
        same = [e[3] for e in events[index:] if (e[0], e[1]) == (start, end)]
        index += len(same)
        content = cue_text(same)
        if content:
            sink.add(content, where(path, number), start_ms=start, end_ms=end)
    return _film(path, sink, problems)


def _event(value: str, fields: list[str]) -> tuple[int, int, list[str]] | None:
    """(start, end, text lines) of a Dialogue event's fields; None when unreadable."""
    cells = [c.strip() for c in value.split(",", len(fields) - 1)]
    if len(cells) < len(fields) or "text" not in fields:
        return None
    record = dict(zip(fields, cells, strict=True))
    raw = value.split(",", len(fields) - 1)[fields.index("text")]  # text keeps its spaces
    start = _ASS_TIME.match(record.get("start", ""))
    end = _ASS_TIME.match(record.get("end", ""))
    if not start or not end:
        return None
    if _DRAWING.search(raw):
        return _ms(*start.groups()), _ms(*end.groups()), []
    return _ms(*start.groups()), _ms(*end.groups()), clean_markup(raw)
