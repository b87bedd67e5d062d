"""Parsed-script JSON: a public screenplay parser's output, replies grouped by character.

The shape is `{"Title", "Genre": [...], "Characters": [{"Character", "Replies":
[{"Reply", "Didascalie", "Start", "End"}]}]}`, where `Start`/`End` are character
offsets in the original script (not times): lines are put in film order by `Start`.
The parser sometimes runs an action paragraph into the reply before it; such a tail
(a later paragraph, after a double space, with upper-case props and sounds amid lower
case, as action is written) is cut off and reported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from adapters.importers.assemble import (
    Utterance,
    cast_and_lines,
    error,
    title_from_path,
    warning,
    where,
)
from adapters.importers.checks import finish
from adapters.importers.records import Problem, SourceFilm
from adapters.importers.text import read_text

_PARAGRAPHS = re.compile(r"(\s{2,})")
_CAPS = re.compile(r"\b[A-Z][A-Z'’-]{2,}\b")
_LOWER = re.compile(r"\b[a-z]{2,}\b")
# Upper-case words that dialogue itself uses.
_SPOKEN_CAPS = frozenset({"I'M", "I'LL", "I'VE", "I'D", "OK", "OKAY", "TV", "FBI", "CIA", "USA"})
_ACTION_CAPS = 2  # upper-case words that mark a paragraph as action


def is_parsed_script(value: object) -> bool:
    """Whether a decoded JSON value has this format's shape."""
    if not isinstance(value, dict):
        return False
    cast = value.get("Characters")
    return (
        isinstance(cast, list)
        and bool(cast)
        and all(isinstance(c, dict) and "Replies" in c for c in cast)
    )


def action_tail(reply: str) -> int | None:
    """Where an action paragraph run into `reply` starts, or None when there is none.

    Only a later paragraph counts, and only when it holds at least two upper-case
    words among lower-case ones: shouted dialogue is upper case throughout.
    """
    parts = _PARAGRAPHS.split(reply)
    position = len(parts[0])
    for index in range(2, len(parts), 2):
        position += len(parts[index - 1])
        paragraph = parts[index]
        caps = [w for w in _CAPS.findall(paragraph) if w not in _SPOKEN_CAPS]
        if len(caps) >= _ACTION_CAPS and _LOWER.search(paragraph):
            return position
        position += len(paragraph)
    return None


def read(path: Path) -> SourceFilm:
    """The film of a parsed-script JSON file, lines ordered by their offset in the script."""
    problems: list[Problem] = []
    try:
        value: Any = json.loads(read_text(path).text)
    except ValueError as exc:
        value = None
        problems.append(error(where(path), f"invalid JSON: {exc}"))
    if value is not None and not is_parsed_script(value):
        problems.append(error(where(path), "no `Characters` with `Replies` found"))
        value = None
    title, year = title_from_path(path)
    genres: tuple[str, ...] = ()
    found: list[tuple[int, int, Utterance]] = []
    if value is not None:
        if isinstance(value.get("Title"), str) and value["Title"].strip():
            title = " ".join(value["Title"].split())
        if isinstance(value.get("Genre"), list):
            genres = tuple(str(g).strip() for g in value["Genre"] if str(g).strip())
        found = _replies(path, value["Characters"], problems)
    found.sort(key=lambda item: (item[0], item[1]))
    characters, lines = cast_and_lines((u for _, _, u in found), problems)
    film = SourceFilm(
        f"file:{path.name}",
        title,
        where(path),
        release_year=year,
        genres=genres,
        characters=characters,
        lines=lines,
    )
    return finish(film, problems)


def _replies(
    path: Path, cast: list[Any], problems: list[Problem]
) -> list[tuple[int, int, Utterance]]:
    """(Start, reading order, utterance) of every reply; bad replies reported and skipped."""
    found: list[tuple[int, int, Utterance]] = []
    for c_index, character in enumerate(cast):
        cue = character.get("Character")
        replies = character.get("Replies")
        if not isinstance(cue, str) or not isinstance(replies, list):
            problems.append(warning(where(path), f"Characters[{c_index}] has no name or replies"))
            continue
        for r_index, reply in enumerate(replies):
            at = f"{path} Characters[{c_index}].Replies[{r_index}]"
            text = reply.get("Reply") if isinstance(reply, dict) else None
            start = reply.get("Start") if isinstance(reply, dict) else None
            if not isinstance(text, str) or not isinstance(start, int):
                problems.append(warning(at, "reply without text or start offset skipped"))
                continue
            tail = action_tail(text)
            if tail is not None:
                problems.append(warning(at, f"action text removed: {text[tail:][:80]!r}"))
                text = text[:tail]
            found.append((start, len(found), Utterance(cue, " ".join(text.split()), at)))
    return found
