"""Audio comics: the panel timeline against the audio, and `panel_at`."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import (
    Comic,
    EmotionMarker,
    TimelineSpan,
    build_timeline,
    build_timing,
    check_timeline,
    panel_at,
    panel_key,
    tidy_markers,
    timeline_for_monologue,
)
from npc_core.model.comic import caption_cuts

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TOKEN = "a" * 22

weights = st.lists(st.floats(0, 1e6), min_size=1, max_size=12)


@st.composite
def timelines(draw: st.DrawFn) -> tuple[int, list[float], tuple[TimelineSpan, ...]]:
    """Some panel weights, an audio duration long enough for them, and their timeline."""
    ws = draw(weights)
    duration = draw(st.integers(len(ws), 600_000))
    return duration, ws, build_timeline(duration, ws)


@given(timelines())
def test_timeline_covers_the_audio_exactly(
    case: tuple[int, list[float], tuple[TimelineSpan, ...]],
) -> None:
    """Spans run from 0 to the duration in whole ms, with no gap, overlap or empty panel."""
    duration, ws, spans = case
    check_timeline(spans, duration)
    assert [s.panel for s in spans] == list(range(len(ws)))
    assert spans[0].start_ms == 0
    assert spans[-1].end_ms == duration
    for span in spans:
        assert isinstance(span.start_ms, int)
        assert isinstance(span.end_ms, int)
        assert span.end_ms > span.start_ms


@given(timelines())
def test_timeline_follows_the_weights(
    case: tuple[int, list[float], tuple[TimelineSpan, ...]],
) -> None:
    """Each boundary lies within a ms per panel of where the weights put it."""
    duration, ws, spans = case
    total = sum(ws)
    shares = [w / total for w in ws] if total else [1 / len(ws)] * len(ws)
    cumulative = 0.0
    for span, share in zip(spans, shares, strict=True):
        cumulative += share
        assert abs(span.end_ms - duration * cumulative) <= len(ws) + 1


@given(st.integers(1, 40), st.data())
def test_equal_weights_give_spans_within_a_millisecond(count: int, data: st.DataObject) -> None:
    """Panels of equal weight differ in length by at most one millisecond."""
    duration = data.draw(st.integers(count, 100_000))
    lengths = [s.end_ms - s.start_ms for s in build_timeline(duration, [1.0] * count)]
    assert max(lengths) - min(lengths) <= 1


@given(timelines(), st.data())
def test_panel_at_finds_the_one_panel_on_screen(
    case: tuple[int, list[float], tuple[TimelineSpan, ...]], data: st.DataObject
) -> None:
    """At any instant of the audio exactly one panel shows, the one whose span holds it."""
    duration, _, spans = case
    for at in data.draw(st.lists(st.integers(0, duration - 1), min_size=1, max_size=20)):
        (holder,) = [s for s in spans if s.start_ms <= at < s.end_ms]
        assert panel_at(spans, at) == holder.panel


@given(st.lists(st.integers(0, 5), min_size=1, max_size=8), st.integers(0, 30))
def test_panel_at_every_millisecond_of_a_short_clip(ws: list[int], extra: int) -> None:
    """Walking a short clip ms by ms shows panels 0..n-1 in order, each at least once."""
    duration = len(ws) + extra
    spans = build_timeline(duration, [float(w) for w in ws])
    shown = [panel_at(spans, at) for at in range(duration)]
    assert shown == sorted(shown)
    assert sorted(set(shown)) == list(range(len(ws)))


def test_panel_at_before_and_after_the_audio() -> None:
    """Before the start the first panel shows; at or after the end, the last one."""
    spans = build_timeline(1_000, [1.0, 1.0, 1.0])
    assert panel_at(spans, -5) == 0
    assert panel_at(spans, 1_000) == 2
    assert panel_at(spans, 10**9) == 2


def test_build_timeline_example() -> None:
    """Weights 1:3 over 1 s split at 250 ms; captions go with their panels."""
    spans = build_timeline(1_000, [1.0, 3.0], ["开头", "结尾"])
    assert spans == (TimelineSpan(0, 0, 250, "开头"), TimelineSpan(1, 250, 1_000, "结尾"))


def test_zero_weights_share_the_time_evenly() -> None:
    """With no weight at all, the panels share the audio equally."""
    assert [s.end_ms for s in build_timeline(900, [0.0, 0.0, 0.0])] == [300, 600, 900]


def test_a_zero_weight_panel_still_shows() -> None:
    """A panel of zero weight among others still gets at least one millisecond."""
    spans = build_timeline(1_000, [1.0, 0.0, 1.0])
    assert all(s.end_ms > s.start_ms for s in spans)


@pytest.mark.parametrize(
    ("duration", "ws", "field"),
    [(1_000, [], "panels"), (2, [1.0, 1.0, 1.0], "duration"), (1_000, [1.0, -1.0], "weights")],
)
def test_build_timeline_refuses_what_cannot_be_timed(
    duration: int, ws: list[float], field: str
) -> None:
    """No panels, too short an audio or a negative weight are validation errors."""
    with pytest.raises(DomainValidationError) as caught:
        build_timeline(duration, ws)
    assert caught.value.field == field


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_build_timeline_refuses_non_finite_weights(bad: float) -> None:
    """A weight that is not a finite number is a validation error naming `weights`."""
    with pytest.raises(DomainValidationError) as caught:
        build_timeline(1_000, [1.0, bad])
    assert caught.value.field == "weights"


@pytest.mark.parametrize(
    ("spans", "field"),
    [
        ((), "timeline"),
        ((TimelineSpan(0, 1, 100),), "timeline[0].startMs"),
        ((TimelineSpan(0, 0, 40), TimelineSpan(1, 50, 100)), "timeline[1].startMs"),
        ((TimelineSpan(0, 0, 60), TimelineSpan(1, 50, 100)), "timeline[1].startMs"),
        ((TimelineSpan(0, 0, 0), TimelineSpan(1, 0, 100)), "timeline[0].endMs"),
        ((TimelineSpan(0, 0, 90),), "timeline"),
    ],
)
def test_check_timeline_names_gaps_overlaps_and_short_ends(
    spans: tuple[TimelineSpan, ...], field: str
) -> None:
    """A timeline that misses, repeats or overruns part of the audio is reported."""
    with pytest.raises(DomainValidationError) as caught:
        check_timeline(spans, 100)
    assert caught.value.field == field


pieces = st.sampled_from(["我", "很", "开心", "难过", "hello", " ", "。", "！"])


@given(
    st.lists(pieces, max_size=20).map("".join),
    st.lists(
        st.builds(
            EmotionMarker,
            position=st.integers(0, 60),
            emotion=st.sampled_from(["喜", "怒", "哀"]),
            length=st.none() | st.integers(1, 20),
        ),
        max_size=5,
    ),
    st.integers(1, 12),
    st.data(),
)
def test_monologue_timeline_covers_the_audio_with_one_span_per_panel(
    text: str,
    raw: list[EmotionMarker],
    panel_count: int,
    data: st.DataObject,
) -> None:
    """The monologue's timeline has one span per panel and covers the measured audio."""
    markers = tidy_markers(raw, len(text))
    duration = data.draw(st.integers(panel_count, 300_000))
    spans = timeline_for_monologue(text, build_timing(text, markers), panel_count, duration)
    check_timeline(spans, duration)
    assert len(spans) == panel_count
    assert "".join("".join(s.caption.split()) for s in spans) == "".join(text.split())
    assert {s.emotion for s in spans} <= {None} | {m.emotion for m in markers}
    first = next((m.emotion for m in markers if m.position == 0), None)
    assert spans[0].emotion == first


def test_monologue_timeline_example() -> None:
    """Each panel gets its share of the text as caption, the emotion there, and its time."""
    text = "我很开心。我很难过。好"
    timing = build_timing(
        text, [EmotionMarker(0, "开心", length=5), EmotionMarker(5, "难过", length=5)]
    )
    spans = timeline_for_monologue(text, timing, 2, 10_000)
    # The even cut (after 6 characters) moves back to the sentence end before it.
    assert [(s.caption, s.emotion) for s in spans] == [
        ("我很开心。", "开心"),
        ("我很难过。好", "难过"),
    ]
    # 4 characters and a pause (1.3 s) against 5 characters and a pause (1.55 s).
    assert [s.end_ms for s in spans] == [round(10_000 * 1.3 / 2.85), 10_000]


@given(st.text(alphabet="我很好。，！ ab.?\n", max_size=200), st.integers(1, 12))
def test_caption_cuts_rise_and_land_on_breaks_when_one_is_near(text: str, panel_count: int) -> None:
    """Cuts rise from 0 to the end, and each lands on a break when one is within reach.

    Reach: half a part around the even cut, after the previous cut, leaving a
    character for every later part. Cuts rise strictly when each part can have one.
    """
    cuts = caption_cuts(text, panel_count)
    n = len(text)
    assert (cuts[0], cuts[-1], len(cuts)) == (0, n, panel_count + 1)
    assert cuts == sorted(cuts)
    if n < 2 * panel_count:
        return
    assert all(a < b for a, b in itertools.pairwise(cuts))
    window = n // (2 * panel_count)
    breaks = set("。！？!?…\n，,、；;：: \u3000")
    for i, cut in enumerate(cuts[1:-1], start=1):
        even = round(i * n / panel_count)
        lo = max(cuts[i - 1] + 1, even - window)
        hi = min(n - (panel_count - i), even + window)
        reachable = range(lo, hi + 1)
        if any(text[p - 1] in breaks for p in reachable):
            assert text[cut - 1] in breaks, (text, cuts)
        assert lo <= cut <= max(lo, hi)


def test_caption_cuts_prefer_a_sentence_end_to_a_comma() -> None:
    """A comma nearer the even cut loses to a sentence end still within reach."""
    text = "一二三四五。六七，八九十一二三四五六七八九"
    assert caption_cuts(text, 2) == [0, 6, len(text)]


def test_monologue_timeline_needs_a_panel() -> None:
    """Zero panels is a validation error."""
    with pytest.raises(DomainValidationError) as caught:
        timeline_for_monologue("你好", build_timing("你好", []), 0, 1_000)
    assert caught.value.field == "panels"


def _comic(**changes: object) -> Comic:
    fields: dict[str, object] = {
        "id": "c1",
        "user_id": "u1",
        "work_id": "w1",
        "storyboard_id": "sb1",
        "audio_id": "a1",
        "share_token": TOKEN,
        "panel_keys": (panel_key("c1", 1), panel_key("c1", 2)),
        "timeline": build_timeline(1_000, [1.0, 1.0]),
        "duration_ms": 1_000,
        "created_at": NOW,
    }
    return Comic(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_valid_comic_is_accepted() -> None:
    """A comic whose timeline covers its audio, with a span per panel, is fine."""
    assert _comic().duration_ms == 1_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"share_token": "short"}, "shareToken"),
        ({"duration_ms": 1_001}, "timeline"),
        ({"panel_keys": (panel_key("c1", 1),)}, "panels"),
    ],
)
def test_a_comic_checks_token_timeline_and_panels(changes: dict[str, object], field: str) -> None:
    """A comic needs a 128-bit token, a timeline covering its audio, and a span per panel."""
    with pytest.raises(DomainValidationError) as caught:
        _comic(**changes)
    assert caught.value.field == field


def test_panel_keys_are_stable_per_comic_and_number() -> None:
    """A retried render writes the same key."""
    assert panel_key("c1", 3) == "comics/c1/panel-3.png"
