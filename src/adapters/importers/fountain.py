"""Fountain screenplays (https://fountain.io): plain text where case and blank lines say it all.

A character cue is an upper-case line after a blank line with text right under it (or
any line forced with `@`); dialogue follows until a blank line, parentheticals inside
it dropped. Scene headings start with INT/EXT/EST/I/E (or are forced with `.`).
Title-page keys, boneyard `/* */`, notes `[[ ]]`, sections `#`, synopses `=`, page
breaks `===`, transitions (`CUT TO:`, `>`), lyrics `~` and forced action `!` are read
past; emphasis marks (`*`, `**`, `_`) are removed from dialogue. Dual dialogue (`^`
after the second cue) keeps both speeches, in order.
"""

from __future__ import annotations

import re
from pathlib import Path

from adapters.importers import speakers
from adapters.importers.assemble import Utterance, cast_and_lines, error, title_from_path, where
from adapters.importers.checks import finish
from adapters.importers.records import Problem, SourceFilm
from adapters.importers.text import collapse, read_text, split_lines

_BONEYARD = re.compile(r"/\*.*?\*/", re.DOTALL)
_NOTE = re.compile(r"\[\[.*?\]\]", re.DOTALL)
_TITLE_KEY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]*):(?P<value>.*)$")
_SCENE = re.compile(r"^(?:INT\.?/EXT|INT/EXT|EXT\.?/INT|I/E|INT|EXT|EST)[.\s]", re.IGNORECASE)
_SCENE_NUMBER = re.compile(r"\s*#[\w.-]+#\s*$")
_EMPHASIS = re.compile(r"(\*{1,3}|_)(?=\S)(.+?)(?<=\S)\1")


def _blank(line: str) -> bool:
    return not line.strip()


def strip_markup(text: str) -> str:
    """Dialogue without Fountain's emphasis marks and escapes."""
    previous = None
    while previous != text:
        previous, text = text, _EMPHASIS.sub(r"\2", text)
    return text.replace("\\*", "*").replace("\\_", "_")


def _hide(match: re.Match[str]) -> str:
    # Keep the line breaks of what is removed, so line numbers stay right.
    return "\n" * match.group().count("\n")


def title_page(lines: list[str]) -> tuple[dict[str, str], int]:
    """The title page's keys (lower case) and the index of the first line after it."""
    if not lines or not _TITLE_KEY.match(lines[0].strip()):
        return {}, 0
    keys: dict[str, str] = {}
    key = ""
    for index, line in enumerate(lines):
        if _blank(line):
            return keys, index
        match = _TITLE_KEY.match(line) if not line[:1].isspace() else None
        if match:
            key = match.group("key").strip().lower()
            keys[key] = match.group("value").strip()
        elif key:
            keys[key] = f"{keys[key]} {line.strip()}".strip()
    return keys, len(lines)


def is_cue(lines: list[str], index: int) -> bool:
    """Whether `lines[index]` is a character cue (blank before, text after, upper case)."""
    text = lines[index].strip()
    after = lines[index + 1] if index + 1 < len(lines) else ""
    if _blank(after) or (index > 0 and not _blank(lines[index - 1])):
        return False
    if text.startswith("@"):
        return len(text) > 1
    if text.startswith(("!", ".", ">", "~", "#", "=")) or _SCENE.match(text):
        return False
    return speakers.looks_like_cue(text.rstrip("^").strip())


def read(path: Path) -> SourceFilm:
    """The film of a Fountain screenplay: speakers, lines, scenes; the title page's title."""
    text = read_text(path).text
    text = _NOTE.sub(_hide, _BONEYARD.sub(_hide, text))
    lines = split_lines(text)
    keys, start = title_page(lines)
    title, year = title_from_path(path)
    if keys.get("title"):
        title = collapse(strip_markup(keys["title"]))
    problems: list[Problem] = []
    utterances = _utterances(path, lines, start)
    if not utterances:
        problems.append(error(where(path), "no character cues with dialogue found"))
    characters, spoken = cast_and_lines(utterances, problems)
    film = SourceFilm(
        f"file:{path.name}",
        title,
        where(path),
        release_year=year,
        characters=characters,
        lines=spoken,
    )
    return finish(film, problems)


def _utterances(path: Path, lines: list[str], start: int) -> list[Utterance]:
    said: list[Utterance] = []
    scene: str | None = None
    index = start
    while index < len(lines):
        text = lines[index].strip()
        forced_scene = text.startswith(".") and not text.startswith("..")
        if forced_scene or (_SCENE.match(text) and (index == 0 or _blank(lines[index - 1]))):
            heading = text[1:] if forced_scene else text
            scene = collapse(_SCENE_NUMBER.sub("", heading)) or scene
            index += 1
            continue
        if not is_cue(lines, index):
            index += 1
            continue
        cue, number = text, index + 1
        words: list[str] = []
        depth = 0
        index += 1
        while index < len(lines) and (lines[index] == "  " or not _blank(lines[index])):
            part = lines[index].strip()
            if depth or part.startswith("("):
                depth = max(0, depth + part.count("(") - part.count(")"))
            elif part and not part.startswith("~"):
                words.append(strip_markup(part))
            index += 1
        if words:
            said.append(Utterance(cue, collapse(" ".join(words)), where(path, number), scene))
    return said
