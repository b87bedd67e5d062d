"""The event-stream reader: any split of a stream into network chunks gives the same events."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.dify.sse import SseDecoder, SseEvent, decode_all, dify_events

TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
    max_size=30,
)
PAYLOADS = st.fixed_dictionaries(
    {
        "event": st.sampled_from(
            ["workflow_started", "text_chunk", "node_finished", "workflow_finished", "agent_log"]
        ),
        "data": st.fixed_dictionaries({"text": TEXT}),
    }
)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[dict[str, Any]]]:
    """A Dify stream (pings, comments, CRLF or LF, escaped or raw JSON) and its payloads."""
    payloads = draw(st.lists(PAYLOADS, max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    parts: list[str] = []
    for payload in payloads:
        if draw(st.booleans()):
            parts.append(f"event: ping{newline}{newline}")
        if draw(st.booleans()):
            parts.append(f": keep-alive comment{newline}")
        escaped = draw(st.booleans())
        parts.append(f"data: {json.dumps(payload, ensure_ascii=escaped)}{newline}{newline}")
    return "".join(parts).encode(), payloads


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@given(streams(), st.lists(st.integers(min_value=0, max_value=4000), max_size=40))
def test_any_chunking_gives_the_same_events(
    stream: tuple[bytes, list[dict[str, object]]], cuts: list[int]
) -> None:
    """Cut anywhere (inside lines, CRLF pairs or UTF-8 characters), the events are the same.

    They equal the payloads written, in order, with pings and comments dropped.
    """
    data, payloads = stream
    whole = decode_all([data])
    assert decode_all(split(data, cuts)) == whole
    assert list(dify_events(whole)) == payloads


@given(streams())
def test_byte_by_byte_feeding_gives_the_same_events(
    stream: tuple[bytes, list[dict[str, object]]],
) -> None:
    """Feeding one byte at a time (every UTF-8 character split) loses and garbles nothing."""
    data, payloads = stream
    events = decode_all([data[i : i + 1] for i in range(len(data))])
    assert list(dify_events(events)) == payloads


def test_a_character_split_across_chunks_is_decoded_whole() -> None:
    """The three bytes of 为 arriving in two chunks give 为, not replacement characters."""
    raw = 'data: {"text": "为"}\n\n'.encode()
    cut = raw.index("为".encode()) + 1
    decoder = SseDecoder()
    assert decoder.feed(raw[:cut]) == []
    assert decoder.feed(raw[cut:]) == [SseEvent('{"text": "为"}')]


def test_ascii_escaped_and_raw_json_give_the_same_payload() -> None:
    r"""`\u4e3a` and a raw 为 are the same text once parsed."""
    escaped = decode_all([b'data: {"text": "\\u4e3a"}\n\n'])
    raw = decode_all(['data: {"text": "为"}\n\n'.encode()])
    assert list(dify_events(escaped)) == list(dify_events(raw)) == [{"text": "为"}]


def test_pings_alone_are_not_events() -> None:
    """`event: ping` with no data line, anywhere, dispatches nothing."""
    assert decode_all([b"event: ping\n\nevent: ping\n\n"]) == []


def test_event_names_and_multi_line_data_follow_the_sse_rules() -> None:
    """An `event:` name is kept; several `data:` lines join with a newline."""
    events = decode_all([b"event: message\ndata: a\ndata:b\n\n"])
    assert events == [SseEvent("a\nb", "message")]


def test_a_last_event_without_its_blank_line_is_kept() -> None:
    """A stream that ends right after `data: ...` (no blank line) still yields that event."""
    assert decode_all([b'data: {"event": "workflow_finished"}']) == [
        SseEvent('{"event": "workflow_finished"}')
    ]


def test_data_that_is_not_a_json_object_is_skipped() -> None:
    """Garbage, arrays and bare strings in `data:` are ignored, not raised."""
    events = decode_all([b'data: not json\n\ndata: [1]\n\ndata: "x"\n\ndata: {"a": 1}\n\n'])
    assert list(dify_events(events)) == [{"a": 1}]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    """A broken byte sequence becomes U+FFFD instead of failing the whole stream."""
    events = decode_all([b'data: {"text": "\xff"}\n\n'])
    assert list(dify_events(events)) == [{"text": "\ufffd"}]
