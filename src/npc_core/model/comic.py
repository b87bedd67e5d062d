"""Audio comics: panels shown in sync with the voice, shared by an unguessable token."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import attrs

from npc_core.errors import DomainValidationError
from npc_core.model.json import JsonObject
from npc_core.model.monologue import TimingInfo, estimate_seconds
from npc_core.model.tasks import TaskStatus

SHARE_TOKEN_MIN_BYTES: Final = 16  # 128 bits: not guessable, not enumerable
SHARE_TOKEN_MIN_CHARS: Final = 22  # 16 bytes in URL-safe base64


@attrs.frozen
class TimelineSpan:
    """Panel `panel` (0-based) is on screen for milliseconds [start_ms, end_ms)."""

    panel: int
    start_ms: int
    end_ms: int
    caption: str = ""
    emotion: str | None = None


def check_timeline(spans: Sequence[TimelineSpan], duration_ms: int) -> None:
    """Spans cover [0, duration_ms) in order, with no gap and no overlap."""
    if not spans:
        raise DomainValidationError("timeline", "must have at least one span")
    cursor = 0
    for index, span in enumerate(spans):
        if span.start_ms != cursor:
            raise DomainValidationError(f"timeline[{index}].startMs", f"must be {cursor}")
        if span.end_ms <= span.start_ms:
            raise DomainValidationError(f"timeline[{index}].endMs", "must be after startMs")
        cursor = span.end_ms
    if cursor != duration_ms:
        raise DomainValidationError("timeline", f"must end at the audio's end, {duration_ms} ms")


def build_timeline(
    duration_ms: int, weights: Sequence[float], captions: Sequence[str] = ()
) -> tuple[TimelineSpan, ...]:
    """One span per panel, sized by `weights`, covering the audio exactly.

    Boundaries are whole milliseconds, so every instant of [0, duration) shows exactly
    one panel and the last span ends at `duration_ms` with no floating-point drift.
    """
    count = len(weights)
    if count == 0:
        raise DomainValidationError("panels", "must have at least one panel")
    if duration_ms < count:
        raise DomainValidationError("duration", f"is too short for {count} panels")
    if any(not math.isfinite(w) or w < 0 for w in weights):
        raise DomainValidationError("weights", "must be finite and not negative")
    total = sum(weights)
    shares = [w / total for w in weights] if total > 0 else [1 / count] * count
    spans: list[TimelineSpan] = []
    start, cumulative = 0, 0.0
    for index, share in enumerate(shares):
        cumulative += share
        remaining = count - index - 1
        end = duration_ms if remaining == 0 else round(duration_ms * cumulative)
        end = min(max(end, start + 1), duration_ms - remaining)
        caption = captions[index] if index < len(captions) else ""
        spans.append(TimelineSpan(index, start, end, caption))
        start = end
    return tuple(spans)


def timeline_for_monologue(
    text: str, timing: TimingInfo, panel_count: int, duration_ms: int
) -> tuple[TimelineSpan, ...]:
    """Split the monologue's text over the panels and time them by how long each part takes.

    Each panel's caption is its part of the text and its emotion the one in force where
    that part starts; the measured audio duration, not the estimate, sets the scale.
    """
    if panel_count < 1:
        raise DomainValidationError("panels", "must have at least one panel")
    cuts = caption_cuts(text, panel_count)
    parts = [text[a:b] for a, b in itertools.pairwise(cuts)]
    weights = [estimate_seconds(p) or 0.1 for p in parts]
    spans = build_timeline(duration_ms, weights, [p.strip() for p in parts])
    starts = [s.text_start for s in timing.segments]
    out = []
    for span, cut in zip(spans, cuts, strict=False):
        at = bisect.bisect_right(starts, cut) - 1
        emotion = timing.segments[at].emotion if at >= 0 else None
        out.append(attrs.evolve(span, emotion=emotion))
    return tuple(out)


# A caption ends best after a sentence, else after a clause or a space.
_SENTENCE_ENDS: Final = frozenset("。！？!?…\n")
_CLAUSE_ENDS: Final = frozenset("，,、；;：: \u3000")


def caption_cuts(text: str, panel_count: int) -> list[int]:
    """Where the text splits into `panel_count` captions: about even, at natural breaks.

    Each cut moves to the nearest sentence end (else clause end or space) within half a
    part's length of the even cut, so a caption does not stop mid-sentence or mid-word;
    with no break in reach it stays where it is. Cuts rise strictly while the text has
    a character for every part.
    """
    n = len(text)
    even = [round(i * n / panel_count) for i in range(panel_count + 1)]
    if n < 2 * panel_count:
        return even
    window = n // (2 * panel_count)
    cuts = [0]
    for i in range(1, panel_count):
        lo = max(cuts[-1] + 1, even[i] - window)
        hi = max(lo, min(n - (panel_count - i), even[i] + window))
        cuts.append(_nearest_break(text, even[i], lo, hi))
    cuts.append(n)
    return cuts


def _nearest_break(text: str, target: int, lo: int, hi: int) -> int:
    for ends in (_SENTENCE_ENDS, _CLAUSE_ENDS):
        found = [p for p in range(lo, hi + 1) if text[p - 1] in ends]
        if found:
            return min(found, key=lambda p: (abs(p - target), p))
    return min(max(target, lo), hi)


def panel_at(spans: Sequence[TimelineSpan], at_ms: int) -> int:
    """The panel on screen at `at_ms` (the last one at or after the end)."""
    starts = [s.start_ms for s in spans]
    return spans[max(0, bisect.bisect_right(starts, at_ms) - 1)].panel


def panel_key(comic_id: str, number: int) -> str:
    """Storage key of panel `number` (1-based) of a comic: retries overwrite."""
    return f"comics/{comic_id}/panel-{number}.png"


@attrs.frozen
class Comic:
    """An audio comic: panels, the audio, the timeline tying them, and a share token."""

    id: str
    user_id: str
    work_id: str
    storyboard_id: str
    audio_id: str
    share_token: str
    panel_keys: tuple[str, ...]
    timeline: tuple[TimelineSpan, ...]
    duration_ms: int
    created_at: datetime
    style: JsonObject = attrs.field(factory=dict)
    sync_config: JsonObject = attrs.field(factory=dict)
    render_status: TaskStatus = TaskStatus.COMPLETED
    view_count: int = 0

    def __attrs_post_init__(self) -> None:
        if len(self.share_token) < SHARE_TOKEN_MIN_CHARS:
            raise DomainValidationError("shareToken", "must carry at least 128 random bits")
        check_timeline(self.timeline, self.duration_ms)
        if len(self.panel_keys) != len({s.panel for s in self.timeline}):
            raise DomainValidationError("panels", "every panel must appear in the timeline")
