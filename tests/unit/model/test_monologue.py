"""Monologues: emotion markers and timing estimated from the text."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import (
    EmotionMarker,
    Monologue,
    build_timing,
    check_markers,
    estimate_seconds,
    tidy_markers,
)
from npc_core.model.monologue import (
    CJK_CHARS_PER_SECOND,
    LATIN_WORDS_PER_SECOND,
    SENTENCE_PAUSE_SECONDS,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EMOTIONS = ["平静", "愤怒", "悲伤", "joy"]

markers = st.tuples(st.integers(0, 120), st.integers(0, 60)).map(
    lambda pl: EmotionMarker(pl[0], EMOTIONS[pl[0] % 4], length=pl[1] or None)
)
marker_lists = st.lists(markers, max_size=12)
speeds = st.sampled_from([0.5, 0.75, 1.0, 1.25, 1.5, 2.0])
# Pieces of mixed text: CJK, Latin words, punctuation and spaces.
pieces = st.sampled_from(
    ["我", "你好", "沉默", "hello", "world", " ", "。", "！", ", ", ". ", "?", "…"]
)
texts = st.lists(pieces, max_size=30).map("".join)
cjk_texts = st.text(alphabet="我你他的是不在有人这中大为上个国", max_size=100)


def _valid_markers(raw: list[EmotionMarker], text: str) -> tuple[EmotionMarker, ...]:
    return tidy_markers(raw, len(text))


@given(marker_lists, st.integers(0, 130))
def test_tidy_markers_always_passes_check_markers(
    raw: list[EmotionMarker], text_length: int
) -> None:
    """Whatever a workflow returns, tidied markers are sorted, disjoint and inside the text.

    Tidying is idempotent: markers that are already tidy stay as they are.
    """
    once = tidy_markers(raw, text_length)
    check_markers(once, text_length)
    assert tidy_markers(once, text_length) == once


def test_tidy_markers_keeps_at_most_two_hundred() -> None:
    """A flood of markers is cut to the documented maximum."""
    raw = [EmotionMarker(i, "平静", length=1) for i in range(250)]
    tidy = tidy_markers(raw, 1_000)
    assert len(tidy) == 200
    check_markers(tidy, 1_000)


@given(marker_lists, st.integers(1, 130))
def test_tidy_markers_keeps_emotions_and_only_shortens(
    raw: list[EmotionMarker], text_length: int
) -> None:
    """Tidied markers carry the workflow's emotions and never grow."""
    for marker in tidy_markers(raw, text_length):
        origin = [m for m in raw if m.emotion == marker.emotion]
        assert origin
        if marker.length is not None:
            assert any(m.length is not None and m.length >= marker.length for m in origin)


def test_tidy_markers_of_empty_text_is_empty() -> None:
    """An empty text carries no markers."""
    assert tidy_markers([EmotionMarker(0, "平静")], 0) == ()


def test_tidy_markers_example() -> None:
    """Out of order, out of the text, repeated and overlapping markers are made valid."""
    raw = [
        EmotionMarker(8, "悲伤", length=5),
        EmotionMarker(0, "平静", length=6),
        EmotionMarker(4, "愤怒", length=2),
        EmotionMarker(4, "joy"),
        EmotionMarker(50, "joy", length=3),
    ]
    assert tidy_markers(raw, 10) == (
        EmotionMarker(0, "平静", length=4),
        EmotionMarker(4, "愤怒", length=2),
        EmotionMarker(8, "悲伤", length=1),
        EmotionMarker(9, "joy", length=1),
    )


@pytest.mark.parametrize(
    ("marks", "field"),
    [
        ([EmotionMarker(10, "平静")], "emotionMarkers[0].position"),
        ([EmotionMarker(8, "平静", length=3)], "emotionMarkers[0].length"),
        ([EmotionMarker(5, "平静"), EmotionMarker(2, "愤怒")], "emotionMarkers[1].position"),
        ([EmotionMarker(5, "平静"), EmotionMarker(5, "愤怒")], "emotionMarkers[1].position"),
        (
            [EmotionMarker(0, "平静", length=4), EmotionMarker(3, "愤怒")],
            "emotionMarkers[1].position",
        ),
        ([EmotionMarker(0, "平静")] * 201, "emotionMarkers"),
    ],
)
def test_check_markers_names_the_bad_marker(marks: list[EmotionMarker], field: str) -> None:
    """Markers outside the text, unsorted, overlapping or too many are reported by path."""
    with pytest.raises(DomainValidationError) as caught:
        check_markers(marks, 10)
    assert caught.value.field == field


def test_adjacent_markers_are_fine() -> None:
    """A marker may start exactly where the previous one ends, and end at the text's end."""
    check_markers([EmotionMarker(0, "平静", length=4), EmotionMarker(4, "愤怒", length=6)], 10)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"position": -1}, "position"),
        ({"emotion": ""}, "emotion"),
        ({"intensity": 1.5}, "intensity"),
        ({"length": 0}, "length"),
    ],
)
def test_marker_fields_are_validated(fields: dict[str, object], field: str) -> None:
    """A marker's position, emotion, intensity (0-1) and length (>= 1) are checked."""
    base: dict[str, object] = {"position": 0, "emotion": "平静"}
    with pytest.raises(DomainValidationError) as caught:
        EmotionMarker(**{**base, **fields})  # type: ignore[arg-type]
    assert caught.value.field == field


@given(cjk_texts, speeds)
def test_cjk_text_is_timed_per_character(text: str, speed: float) -> None:
    """Chinese without punctuation takes one character-time per character."""
    assert math.isclose(
        estimate_seconds(text, speed), len(text) / CJK_CHARS_PER_SECOND / speed, abs_tol=1e-9
    )


@given(
    st.lists(st.sampled_from(["hello", "world", "it's", "well-known", "R2D2"]), max_size=30), speeds
)
def test_latin_text_is_timed_per_word(words: list[str], speed: float) -> None:
    """Latin text takes one word-time per word, however long the word."""
    assert math.isclose(
        estimate_seconds(" ".join(words), speed),
        len(words) / LATIN_WORDS_PER_SECOND / speed,
        abs_tol=1e-9,
    )


def test_cjk_characters_and_latin_words_have_their_own_rates() -> None:
    """Four characters take a second; so do two and a half words; a sentence end pauses."""
    assert estimate_seconds("我很开心") == 1.0
    assert estimate_seconds("fine") == 1 / LATIN_WORDS_PER_SECOND
    assert estimate_seconds("我很开心。") == 1.0 + SENTENCE_PAUSE_SECONDS
    assert math.isclose(estimate_seconds("Hello world. 你好！"), 0.8 + 0.5 + 0.6)
    assert estimate_seconds("") == 0


@given(texts, speeds)
def test_speaking_faster_takes_proportionally_less_time(text: str, speed: float) -> None:
    """The duration at speed s is the natural duration divided by s."""
    assert math.isclose(estimate_seconds(text, speed), estimate_seconds(text) / speed, abs_tol=1e-9)


@given(texts, texts)
def test_durations_of_texts_joined_by_a_space_add_up(a: str, b: str) -> None:
    """Two texts read one after the other take as long as both; nothing takes negative time."""
    assert estimate_seconds(a) >= 0
    assert math.isclose(estimate_seconds(f"{a} {b}"), estimate_seconds(a) + estimate_seconds(b))


@pytest.mark.parametrize("speed", [0.49, 2.01, 0, float("nan"), float("inf")])
def test_speed_outside_half_to_double_is_refused(speed: float) -> None:
    """A speed outside 0.5-2.0 is a validation error naming `speed`."""
    with pytest.raises(DomainValidationError) as caught:
        estimate_seconds("你好", speed)
    assert caught.value.field == "speed"


def test_full_width_latin_is_timed_like_half_width() -> None:
    """ＨＥＬＬＯ is one Latin word, as HELLO is, not five CJK characters."""
    assert estimate_seconds("ＨＥＬＬＯ") == estimate_seconds("HELLO")


@given(texts, marker_lists, speeds)
def test_timing_segments_are_contiguous_in_text_and_time(
    text: str, raw: list[EmotionMarker], speed: float
) -> None:
    """Segments tile the text from 0 to its end and the time from 0 to the total.

    A segment starting at a marker carries its emotion; one starting elsewhere has none.
    """
    tidy = _valid_markers(raw, text)
    timing = build_timing(text, tidy, speed)
    segments = timing.segments
    if not text:
        assert segments == ()
        assert timing.total_seconds == 0
        return
    assert segments[0].text_start == 0
    assert segments[0].start_seconds == 0
    assert segments[-1].text_end == len(text)
    assert segments[-1].end_seconds == timing.total_seconds
    for before, after in itertools.pairwise(segments):
        assert before.text_end == after.text_start
        assert before.end_seconds == after.start_seconds
    opening = {m.position: m.emotion for m in tidy}
    assert {s.text_start for s in segments} >= set(opening)
    for segment in segments:
        assert segment.text_start < segment.text_end
        assert segment.start_seconds <= segment.end_seconds
        assert segment.emotion == opening.get(segment.text_start)


@given(cjk_texts, marker_lists, speeds)
def test_timing_of_plain_chinese_adds_up_to_the_estimate(
    text: str, raw: list[EmotionMarker], speed: float
) -> None:
    """For Chinese without punctuation, the total equals the whole text's estimate."""
    timing = build_timing(text, _valid_markers(raw, text), speed)
    assert math.isclose(timing.total_seconds, estimate_seconds(text, speed), abs_tol=1e-3)
    assert timing.cjk_characters == len(text)
    assert timing.latin_words == 0


def test_build_timing_refuses_invalid_markers() -> None:
    """Timing is only built for valid markers."""
    with pytest.raises(DomainValidationError) as caught:
        build_timing("你好", [EmotionMarker(5, "平静")])
    assert caught.value.field == "emotionMarkers[0].position"


def test_build_timing_example() -> None:
    """A marked middle part splits the text into three timed segments."""
    timing = build_timing("我很好但是我很难过", [EmotionMarker(3, "悲伤", length=2)])
    assert [(s.text_start, s.text_end, s.emotion) for s in timing.segments] == [
        (0, 3, None),
        (3, 5, "悲伤"),
        (5, 9, None),
    ]
    assert [(s.start_seconds, s.end_seconds) for s in timing.segments] == [
        (0.0, 0.75),
        (0.75, 1.25),
        (1.25, 2.25),
    ]
    assert timing.total_seconds == 2.25


def test_monologue_refuses_markers_outside_its_text() -> None:
    """A monologue's markers must be valid for its text."""
    timing = build_timing("你好", [])
    with pytest.raises(DomainValidationError):
        Monologue("m1", "u1", "sb1", "c1", "你好", (EmotionMarker(2, "平静"),), timing, NOW)
