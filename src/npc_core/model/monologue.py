"""Monologues: text with emotion markers, and timing estimated from the text."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import attrs

from npc_core.errors import DomainValidationError
from npc_core.model import _checks, limits
from npc_core.model.tasks import TaskStatus

# Speaking rates of a neutral voice at speed 1.0: Mandarin TTS reads about four
# characters a second, English about 150 words a minute; sentence ends add a pause.
CJK_CHARS_PER_SECOND: Final = 4.0
LATIN_WORDS_PER_SECOND: Final = 2.5
SENTENCE_PAUSE_SECONDS: Final = 0.3

_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_SENTENCE_END = re.compile(r"[。！？!?…]+|\.(?=\s|$)")


def _is_cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF" and unicodedata.category(char).startswith("L")


@attrs.frozen
class EmotionMarker:
    """An emotion that starts at character `position` and lasts `length` characters.

    With no `length`, it lasts until the next marker or the end of the text.
    """

    position: int = attrs.field(validator=_checks.integer_in(0, limits.MONOLOGUE))
    emotion: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    intensity: float = attrs.field(default=0.5, validator=_checks.number_in(0, 1))
    length: int | None = attrs.field(
        default=None, validator=_checks.optional_integer_in(1, limits.MONOLOGUE)
    )

    @property
    def end(self) -> int | None:
        """The position after the marker's last character, when it has a length."""
        return None if self.length is None else self.position + self.length


def check_markers(
    markers: Sequence[EmotionMarker], text_length: int, field: str = "emotionMarkers"
) -> None:
    """Markers are inside the text, sorted by position, and do not overlap."""
    if len(markers) > limits.EMOTION_MARKERS:
        raise DomainValidationError(field, f"must have at most {limits.EMOTION_MARKERS} items")
    for index, marker in enumerate(markers):
        where = f"{field}[{index}]"
        if marker.position >= max(text_length, 1):
            raise DomainValidationError(f"{where}.position", "must be inside the text")
        if marker.end is not None and marker.end > text_length:
            raise DomainValidationError(f"{where}.length", "must end inside the text")
        if index and markers[index - 1].position >= marker.position:
            raise DomainValidationError(f"{where}.position", "must be after the previous marker")
        previous_end = markers[index - 1].end if index else None
        if previous_end is not None and previous_end > marker.position:
            raise DomainValidationError(f"{where}.position", "overlaps the previous marker")


def tidy_markers(markers: Sequence[EmotionMarker], text_length: int) -> tuple[EmotionMarker, ...]:
    """Make a workflow's markers valid: clamp into the text, sort, drop repeats, trim overlaps."""
    if text_length == 0:
        return ()
    out: list[EmotionMarker] = []
    for m in sorted(markers, key=lambda m: m.position)[: limits.EMOTION_MARKERS]:
        position = min(m.position, text_length - 1)
        if out and out[-1].position >= position:
            continue
        length = None if m.length is None else min(m.length, text_length - position)
        if out and out[-1].end is not None and out[-1].end > position:
            out[-1] = attrs.evolve(out[-1], length=position - out[-1].position)
        out.append(attrs.evolve(m, position=position, length=length))
    return tuple(out)


def estimate_seconds(text: str, speed: float = 1.0) -> float:
    """Spoken duration of `text`: CJK by character, Latin by word, plus sentence pauses."""
    _checks.check_number("speed", speed, 0.5, 2.0)
    # Full-width Latin letters and digits read like their half-width forms.
    text = unicodedata.normalize("NFKC", text)
    cjk = sum(1 for c in text if _is_cjk(c))
    words = len(_LATIN_WORD.findall(text))
    pauses = len(_SENTENCE_END.findall(text))
    raw = (
        cjk / CJK_CHARS_PER_SECOND
        + words / LATIN_WORDS_PER_SECOND
        + pauses * SENTENCE_PAUSE_SECONDS
    )
    return raw / speed


@attrs.frozen
class TimedSegment:
    """A span of the text (characters [text_start, text_end)) and when it is spoken."""

    text_start: int
    text_end: int
    start_seconds: float
    end_seconds: float
    emotion: str | None = None


@attrs.frozen
class TimingInfo:
    """How long the monologue takes and where each emotion span falls in time."""

    total_seconds: float
    cjk_characters: int
    latin_words: int
    segments: tuple[TimedSegment, ...]


def build_timing(text: str, markers: Sequence[EmotionMarker], speed: float = 1.0) -> TimingInfo:
    """Timing of `text`: one segment per marker span (and one before the first marker)."""
    check_markers(markers, len(text))
    cuts = sorted(
        {0, *(m.position for m in markers), *(m.end for m in markers if m.end)} | {len(text)}
    )
    emotions = {m.position: m.emotion for m in markers}
    segments: list[TimedSegment] = []
    clock = 0.0
    for start, end in itertools.pairwise(cuts):
        seconds = estimate_seconds(text[start:end], speed)
        segments.append(
            TimedSegment(
                start, end, round(clock, 3), round(clock + seconds, 3), emotions.get(start)
            )
        )
        clock += seconds
    return TimingInfo(
        total_seconds=round(clock, 3),
        cjk_characters=sum(1 for c in unicodedata.normalize("NFKC", text) if _is_cjk(c)),
        latin_words=len(_LATIN_WORD.findall(unicodedata.normalize("NFKC", text))),
        segments=tuple(segments),
    )


@attrs.frozen
class Monologue:
    """The character's inner monologue for a storyboard."""

    id: str
    user_id: str
    storyboard_id: str
    character_id: str
    text: str = attrs.field(validator=_checks.text(limits.MONOLOGUE))
    markers: tuple[EmotionMarker, ...]
    timing: TimingInfo
    created_at: datetime
    status: TaskStatus = TaskStatus.COMPLETED
    workflow_run_id: str | None = None

    def __attrs_post_init__(self) -> None:
        check_markers(self.markers, len(self.text))
