"""Building a film's lines and cast from what a parser read, with the checks every format needs.

`LineSink` takes lines in film order and keeps each storable: blank ones are skipped,
over-long ones split at sentence ends (a warning) or, when a sentence alone is too
long, reported as an error rather than cut. `cast_and_lines` turns the raw cues of a
screenplay-like source into characters (aliases merged, groups kept as bare speakers)
with line counts and importance.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import attrs

from adapters.importers import speakers
from adapters.importers.records import Problem, Severity, SourceCharacter, SourceLine
from adapters.importers.text import split_long
from npc_core.model import importance_for, limits


def where(path: Path | str, line: int | None = None) -> str:
    """A problem's location: `file:line`, or the file alone."""
    return f"{path}:{line}" if line is not None else str(path)


def warning(location: str, message: str) -> Problem:
    """A problem after which the rest of the film is still imported."""
    return Problem(location, message, Severity.WARNING)


def error(location: str, message: str) -> Problem:
    """A problem that keeps the film from being imported."""
    return Problem(location, message, Severity.ERROR)


_MAX_MS = 10**9  # DialogueLine's range for times


def _times_ok(start_ms: int | None, end_ms: int | None) -> bool:
    if start_ms is not None and not 0 <= start_ms <= _MAX_MS:
        return False
    if end_ms is not None and not 0 <= end_ms <= _MAX_MS:
        return False
    return start_ms is None or end_ms is None or start_ms <= end_ms


class LineSink:
    """A film's lines in order, numbered 0..n-1, each short enough to store."""

    def __init__(self, problems: list[Problem]) -> None:
        self.lines: list[SourceLine] = []
        self._problems = problems

    def add(
        self,
        content: str,
        location: str,
        *,
        speaker: str | None = None,
        character_key: str | None = None,
        scene: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> None:
        """Append one line (or several, when it must be split); problems are recorded."""
        if not content or content.isspace():
            self._problems.append(warning(location, "empty line skipped"))
            return
        if speaker is not None and len(speaker) > limits.NAME:
            self._problems.append(
                error(location, f"speaker name longer than {limits.NAME} characters")
            )
        if scene is not None and len(scene) > limits.TITLE:
            self._problems.append(
                warning(location, f"scene heading over {limits.TITLE} characters left out")
            )
            scene = None
        if (start_ms is not None or end_ms is not None) and not _times_ok(start_ms, end_ms):
            self._problems.append(
                warning(location, "times negative, too large or ending before they start: left out")
            )
            start_ms = end_ms = None
        if len(content) <= limits.DIALOGUE_LINE:
            pieces = [content]
        else:
            pieces = split_long(content, limits.DIALOGUE_LINE)
        if len(pieces) > 1:
            self._problems.append(
                warning(
                    location,
                    f"line of {len(content)} characters split at sentence ends "
                    f"into {len(pieces)} lines",
                )
            )
        for piece in pieces:
            if len(piece) > limits.DIALOGUE_LINE:
                self._problems.append(
                    error(
                        location,
                        f"a sentence of {len(piece)} characters is over the "
                        f"{limits.DIALOGUE_LINE}-character limit and has no sentence end "
                        "to split at",
                    )
                )
                continue
            self.lines.append(
                SourceLine(
                    len(self.lines),
                    piece,
                    speaker,
                    character_key,
                    scene,
                    start_ms,
                    end_ms,
                    location,
                )
            )


@attrs.frozen
class Utterance:
    """A line as a screenplay-like source gives it: the raw cue (None when unknown)."""

    cue: str | None
    content: str
    location: str
    scene: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None


def characters_of(
    lines: Iterable[SourceLine],
    names: dict[str, str],
    aliases: dict[str, tuple[str, ...]] | None = None,
    genders: dict[str, str | None] | None = None,
) -> tuple[SourceCharacter, ...]:
    """The characters named by `names` (key -> name, in cast order) with their line counts.

    Importance follows `importance_for` against the film's busiest character.
    """
    counts = Counter(line.character_key for line in lines if line.character_key is not None)
    top = max(counts.values(), default=0)
    aliases = aliases or {}
    genders = genders or {}
    return tuple(
        SourceCharacter(
            key,
            name,
            counts[key],
            importance_for(counts[key], top),
            aliases.get(key, ()),
            genders.get(key),
        )
        for key, name in names.items()
    )


def cast_and_lines(
    utterances: Iterable[Utterance], problems: list[Problem]
) -> tuple[tuple[SourceCharacter, ...], tuple[SourceLine, ...]]:
    """Characters and lines of a film from its utterances, cues cleaned and merged.

    A cue's person is its cleaned name; a titled name merges into the bare name it
    titles when `speakers.alias_map` allows, the merged person being shown under the
    name it speaks most. Group cues become the line's `speaker` with no character.
    """
    said = list(utterances)
    cleaned = [speakers.clean_cue(u.cue) if u.cue else "" for u in said]
    people = {name for name in cleaned if name and not speakers.is_group(name)}
    merged = speakers.alias_map(people)
    sink = LineSink(problems)
    spoken: dict[str, Counter[str]] = {}  # key -> how often each of its names speaks
    for utterance, name in zip(said, cleaned, strict=True):
        key = merged.get(name, name) if name in people else None
        if key is not None:
            spoken.setdefault(key, Counter())[name] += 1
        sink.add(
            utterance.content,
            utterance.location,
            speaker=name or None,
            character_key=key,
            scene=utterance.scene,
            start_ms=utterance.start_ms,
            end_ms=utterance.end_ms,
        )
    names = {key: uses.most_common(1)[0][0] for key, uses in spoken.items()}
    aliases = {
        key: tuple(sorted(n for n in uses if n != names[key])) for key, uses in spoken.items()
    }
    return characters_of(sink.lines, names, aliases), tuple(sink.lines)


# Suffixes dropped from a file name before it becomes a title: formats, languages.
_NAME_SUFFIXES = frozenset(
    {
        "ass", "ssa", "srt", "txt", "fountain", "spmd", "json", "jsonl", "csv", "zip",
        "imsdb", "parsed", "script", "screenplay",
        "zh", "cn", "chs", "cht", "chi", "zho", "sc", "tc", "tw", "hk", "zh-cn", "zh-tw",
        "zh-hans", "zh-hant", "en", "eng", "en-us", "en-gb", "ja", "jp", "ko", "fr", "de",
        "es", "it", "ru", "pt", "bilingual",
    }
)  # fmt: skip
_YEAR_AT_END = re.compile(r"^(?P<title>.*?)[\s(\[]*(?P<year>(?:18|19|20)\d\d)[)\]]?$")
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "nor", "of", "on",
     "or", "the", "to", "vs", "with"}
)  # fmt: skip


def title_case(text: str) -> str:
    """`his girl friday` -> `His Girl Friday`: small words stay lower unless they lead."""
    words = text.split(" ")
    out: list[str] = []
    lead = True
    for word in words:
        if word and (lead or word not in _SMALL_WORDS):
            word = word[:1].upper() + word[1:]  # noqa: PLW2901
        out.append(word)
        lead = word.endswith((":", "-", "—")) or not word
    return " ".join(out)


def title_from_path(path: Path) -> tuple[str, int | None]:
    """A film's title and year from a file name: `coach_carter_2005.zh.srt` -> Coach Carter, 2005.

    Format and language suffixes are dropped; `_`, `.` and `-` (when the name has no
    spaces) separate words; a trailing year is taken off; an all-lowercase name is
    title-cased.
    """
    name = path.name
    while "." in name:
        stem, _, suffix = name.rpartition(".")
        if not stem or suffix.lower() not in _NAME_SUFFIXES:
            break
        name = stem
    separators = r"[._\s]+" if " " in name or "_" in name else r"[._\s-]+"
    words = " ".join(w for w in re.split(separators, name) if w)
    year: int | None = None
    match = _YEAR_AT_END.match(words)
    if match and match.group("title").strip():
        words, year = match.group("title").strip(" -"), int(match.group("year"))
    title = title_case(words) if words == words.lower() else words
    return title or path.name, year
