"""Which format a path holds: by its name first, confirmed by its content, else sniffed.

A file that matches no format is rejected with the reason, naming what was looked
for, so an operator knows whether the file is broken or simply not a film source.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from adapters.importers import cornell, fountain, imsdb, metadata, parsed_json, speakers, subtitles
from adapters.importers.text import decode, split_lines

_SNIFF = 1 << 20  # bytes read to recognise a text format; scripts show their layout early
_WHOLE_JSON = 64 << 20  # a parsed script is far smaller; bigger JSON is not one
_SRT_TIMINGS = 2  # timing lines needed to call a file SRT
_BINARY_CONTROLS = 0.02  # share of control bytes that marks binary data
# C0 controls that text files do not hold (tab, line ends, form feed and escape do occur).
_CONTROL_BYTES = [b for b in range(1, 32) if b not in (9, 10, 12, 13, 27)]


class Format(StrEnum):
    """The source formats `npc import` reads."""

    JSONL = "jsonl"
    CORNELL = "cornell"
    IMSDB = "imsdb"
    FOUNTAIN = "fountain"
    PARSED_JSON = "parsed_json"
    SRT = "srt"
    ASS = "ass"
    TMDB_CSV = "tmdb_csv"
    DOUBAN_CSV = "douban_csv"


class UnrecognizedSource(Exception):
    """A path that holds no format `npc import` reads; `reason` says what was missing."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


_NOTHING = "no character cues, subtitle timings, CSV header or JSON shape found"


def detect(path: Path) -> Format:
    """The format of the file or folder at `path`; raises `UnrecognizedSource` with why not."""
    if path.is_dir():
        if cornell.is_corpus(path):
            return Format.CORNELL
        raise UnrecognizedSource(
            path, f"a folder, but not a Cornell corpus (no {cornell.TITLES} in it)"
        )
    if not path.is_file():
        raise UnrecognizedSource(path, "no such file or folder")
    if path.name in (cornell.TITLES, cornell.CHARACTERS) or path.match(cornell.LINES):
        raise UnrecognizedSource(path, "part of a Cornell corpus: import its folder instead")
    with path.open("rb") as file:
        head = file.read(_SNIFF)
    if path.suffix.lower() == ".zip":
        if metadata.tmdb_member(path):
            return Format.TMDB_CSV
        raise UnrecognizedSource(path, "a zip archive holding no TMDB movies CSV")
    if not head.strip():
        raise UnrecognizedSource(path, "the file is empty")
    if _binary(head):
        raise UnrecognizedSource(path, "binary data, not text")
    found = _by_content(path, head)
    if found is None:
        raise UnrecognizedSource(path, _reason(path))
    return found


def _binary(head: bytes) -> bool:
    """Whether a file's first bytes are binary: NUL bytes (without a UTF-16 BOM), or
    control characters where text has almost none.
    """  # noqa: D205
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(head.count(byte) for byte in _CONTROL_BYTES)
    return head.count(0) > 0 or controls > _BINARY_CONTROLS * len(head)


def _reason(path: Path) -> str:
    """Why a file with a known extension was refused, or the general reason."""
    return {
        ".srt": "an .srt file without subtitle timings (00:00:01,000 --> 00:00:02,000)",
        ".ass": "an .ass file without an [Events] section of Dialogue lines",
        ".ssa": "an .ssa file without an [Events] section of Dialogue lines",
        ".csv": "a CSV whose header is neither TMDB's (id, title, vote_average...) "
        "nor Douban's (电影名称, 别称, 导演...)",
        ".jsonl": "JSON Lines whose first record is not a JSON object",
        ".json": "JSON that is neither a parsed script (Characters/Replies) nor JSON Lines",
        ".fountain": "a Fountain file without character cues followed by dialogue",
    }.get(path.suffix.lower(), _NOTHING)


def _by_content(path: Path, head: bytes) -> Format | None:
    text = decode(head, partial=True).text.lstrip("\ufeff")
    if text.lstrip().startswith(("{", "[")) and (found := _json_format(path, text)):
        return found
    lines = split_lines(text)
    header = metadata.header_of(head)
    fountain_named = path.suffix.lower() in (".fountain", ".spmd")
    # A name that says the format needs one sign of it; content alone needs more.
    timings = 1 if path.suffix.lower() == ".srt" else _SRT_TIMINGS
    # In order: the cheap, unmistakable signs first, the screenplay layouts last.
    checks: tuple[tuple[Format, Callable[[], bool]], ...] = (
        (Format.ASS, lambda: "[events]" in text.lower() and "dialogue:" in text.lower()),
        (
            Format.SRT,
            lambda: sum(1 for line in lines[:200] if subtitles.SRT_TIMING.match(line)) >= timings,
        ),
        (Format.TMDB_CSV, lambda: metadata.is_tmdb_header(header)),
        (Format.DOUBAN_CSV, lambda: metadata.is_douban_header(header)),
        (Format.FOUNTAIN, lambda: fountain_named and _fountain_cues(lines, minimum=1)),
        (Format.IMSDB, lambda: imsdb.layout(imsdb.prepare(text)) is not None),
        (Format.FOUNTAIN, lambda: _fountain_cues(lines, minimum=imsdb.MIN_CUES)),
    )
    return next((fmt for fmt, check in checks if check()), None)


def _json_format(path: Path, text: str) -> Format | None:
    """JSON Lines when the first line is a JSON object of its own (one film per line),
    parsed-script JSON when that object, or the whole file, has its shape.

    The whole file is parsed only when its first line is not a complete value and the
    file is not named as JSON Lines (which may be huge and start with a broken record).
    """  # noqa: D205
    first = next((line for line in split_lines(text) if line.strip()), "")
    jsonl_named = path.suffix.lower() in (".jsonl", ".ndjson")
    try:
        value = json.loads(first)
    except ValueError:
        if jsonl_named:
            return Format.JSONL if first.lstrip().startswith("{") else None
        if path.stat().st_size > _WHOLE_JSON:
            return None
        try:
            value = json.loads(decode(path.read_bytes()).text)
        except ValueError:
            return None
        return Format.PARSED_JSON if parsed_json.is_parsed_script(value) else None
    if parsed_json.is_parsed_script(value):
        return Format.PARSED_JSON
    return Format.JSONL if isinstance(value, dict) else None


def _fountain_cues(lines: list[str], *, minimum: int) -> bool:
    """Whether enough unindented cues make this a Fountain script.

    Past a single cue, the names must recur (people speak more than once), which
    upper-case headings in prose do not.
    """
    names = [
        speakers.clean_cue(lines[i])
        for i in range(len(lines))
        if lines[i][:1].strip() and fountain.is_cue(lines, i)
    ]
    names = [n for n in names if n]
    recurring = sum(count for count in Counter(names).values() if count > 1)
    if len(names) < minimum:
        return False
    return minimum <= 1 or recurring * 2 >= len(names)
