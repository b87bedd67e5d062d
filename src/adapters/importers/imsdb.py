"""Screenplays in the IMSDb layout: plain text where indentation says what a line is.

Character cues sit deepest (column 29 or 37, say), dialogue less deep, parentheticals
in between, action and scene headings at the margin. Columns differ from script to
script, so `layout` measures them: the usual indentation of cue-like lines followed
directly by a less indented line is the cue column, and that of those next lines the
dialogue column. A speech runs from its cue to the next blank line, action line, or
cue; its dialogue lines are joined with spaces, its parentheticals dropped.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

import attrs

from adapters.importers import speakers
from adapters.importers.assemble import Utterance, cast_and_lines, error, title_from_path, where
from adapters.importers.checks import finish
from adapters.importers.records import Problem, SourceFilm
from adapters.importers.text import collapse, read_text, split_lines

MIN_CUES = 5  # fewer cue-like lines than this is not a screenplay
_CUE_SLACK = 4  # cues drift a few columns from their usual one
_TRANSITION_GAP = 10  # lines this far right of the cue column are transitions
# IMSDb's page footer: the title, then `Writers :` and `Genres :` lines.
_FOOTER = re.compile(
    r"^[ \t]*(?P<title>\S[^\n]*?)[ \t]*\n[ \t]*Writers[ \t]*:[^\n]*\n[ \t]*Genres[ \t]*:"
    r"(?P<genres>[^\n]*)",
    re.MULTILINE,
)


@attrs.frozen
class Layout:
    """The columns of a script: where cues, dialogue and action start."""

    cue: int
    dialogue: int
    action: int
    cues: int  # how many cue-like lines were found at the cue column

    @property
    def action_max(self) -> int:
        """The deepest indentation still counted as action."""
        return (self.action + self.dialogue) // 2


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def prepare(text: str) -> list[str]:
    """The lines of a script, tabs expanded and no-break spaces made spaces."""
    return [line.expandtabs(8).replace("\u00a0", " ").rstrip() for line in split_lines(text)]


def layout(lines: list[str]) -> Layout | None:
    """The script's columns, or None when it has no indented cues (not this layout)."""
    found: list[tuple[int, int]] = []
    for line, after in itertools.pairwise(lines):
        text = line.strip()
        if after.strip() and _indent(after) < _indent(line) and speakers.looks_like_cue(text):
            found.append(
                (_indent(line), _indent(after) if not after.lstrip().startswith("(") else -1)
            )
    if not found:
        return None
    cue, count = Counter(indent for indent, _ in found).most_common(1)[0]
    near = [after for indent, after in found if abs(indent - cue) <= _CUE_SLACK and after >= 0]
    if count < MIN_CUES or not near:
        return None
    dialogue = Counter(near).most_common(1)[0][0]
    margins = Counter(_indent(line) for line in lines if line.strip() and _indent(line) < dialogue)
    action = margins.most_common(1)[0][0] if margins else 0
    if cue - dialogue < 2 or cue < 8:  # noqa: PLR2004 - cues must stand clearly to the right
        return None
    return Layout(cue, dialogue, action, count)


class _Speech:
    def __init__(self, cue: str, number: int, scene: str | None) -> None:
        self.cue = cue
        self.number = number
        self.scene = scene
        self.words: list[str] = []
        self.depth = 0  # open parentheses
        self.more = False  # ended by `(MORE)`: continued after the page break


def join_wrapped(lines: list[str]) -> str:
    """Dialogue lines as one text: joined by spaces, words hyphenated at a line end rejoined."""
    text = ""
    for line in lines:
        if text.endswith("-") and not text.endswith("--") and line[:1].islower():
            text += line
        else:
            text = f"{text} {line}" if text else line
    return text


def read(path: Path) -> SourceFilm:
    """The film of an IMSDb-layout screenplay: its speakers and lines with their scenes."""
    text = read_text(path).text
    lines = prepare(text)
    problems: list[Problem] = []
    title, year = title_from_path(path)
    genres: tuple[str, ...] = ()
    footer = _FOOTER.search(text.replace("\u00a0", " "))
    if footer:
        title = collapse(footer.group("title"))
        genres = tuple(g for g in re.split(r"\s{2,}", footer.group("genres").strip()) if g)
    grid = layout(lines)
    utterances: list[Utterance] = []
    if grid is None:
        problems.append(error(where(path), "no indented character cues found"))
    else:
        utterances = _utterances(path, lines, grid)
    characters, spoken = cast_and_lines(utterances, problems)
    film = SourceFilm(
        f"file:{path.name}",
        title,
        where(path),
        release_year=year,
        genres=genres,
        characters=characters,
        lines=spoken,
    )
    return finish(film, problems)


class _Reader:
    """Speeches of a script, line by line.

    A speech cut by a page break (`(MORE)`, then the same cue with `(CONT'D)`) is one
    speech again.
    """

    def __init__(self, path: Path, grid: Layout) -> None:
        self.path = path
        self.grid = grid
        self.said: list[Utterance] = []
        self.scene: str | None = None
        self.speech: _Speech | None = None
        self.held: _Speech | None = None  # a speech waiting for its continuation

    def end_speech(self) -> None:
        speech, self.speech = self.speech, None
        if speech is not None and speech.more:
            self.release()
            self.held = speech
        elif speech is not None:
            self.emit(speech)

    def release(self) -> None:
        held, self.held = self.held, None
        if held is not None:
            self.emit(held)

    def emit(self, speech: _Speech) -> None:
        if speech.words:
            content = join_wrapped(speech.words)
            at = where(self.path, speech.number)
            self.said.append(Utterance(speech.cue, content, at, speech.scene))

    def cue(self, text: str, number: int) -> None:
        self.end_speech()
        held = self.held
        if held is not None and speakers.clean_cue(held.cue) == speakers.clean_cue(text):
            self.held, self.speech = None, held
            held.more = False
        else:
            self.release()
            self.speech = _Speech(text, number, self.scene)

    def speech_line(self, text: str, indent: int) -> None:
        speech = self.speech
        if speech is None:
            return  # action, title page, transitions
        if indent <= self.grid.action_max or indent > self.grid.cue + _TRANSITION_GAP:
            self.end_speech()  # action or a transition right after the speech
            self.release()
        elif speech.depth or text.startswith("("):
            speech.depth = max(0, speech.depth + text.count("(") - text.count(")"))
            speech.more = text.upper() == "(MORE)"
        else:
            speech.words.append(collapse(text))
            speech.more = False


def _utterances(path: Path, lines: list[str], grid: Layout) -> list[Utterance]:
    reader = _Reader(path, grid)
    for number, line in enumerate(lines, 1):
        text = line.strip()
        indent = _indent(line)
        heading = speakers.SCENE_HEADING.match(text) if indent <= grid.action_max else None
        if not text:
            reader.end_speech()
        elif heading:
            reader.end_speech()
            reader.release()
            reader.scene = collapse(heading.group("heading"))
        elif _is_cue(lines, number, indent, grid):
            reader.cue(text, number)
        else:
            reader.speech_line(text, indent)
    reader.end_speech()
    reader.release()
    return reader.said


def _is_cue(lines: list[str], number: int, indent: int, grid: Layout) -> bool:
    """A cue: cue-like text near the cue column, directly followed by speech."""
    if abs(indent - grid.cue) > _CUE_SLACK or not speakers.looks_like_cue(
        lines[number - 1].strip()
    ):
        return False
    after = lines[number] if number < len(lines) else ""
    return bool(after.strip()) and grid.action_max < _indent(after) < indent
