r"""An incremental reader of `text/event-stream` bodies, as Dify sends them.

Network chunks may end anywhere: inside a line, between `\r` and `\n`, or inside a
UTF-8 character. Bytes go through an incremental UTF-8 decoder and lines are cut only
at `\n` (a trailing `\r` is dropped), so any split of a stream gives the same events.
Lone `\r` line ends, which the SSE grammar allows and no Dify version sends, are not
recognised.

Dify's grammar is a subset: one `data: {json}` line and a blank line per event, the
bare `event: ping` keep-alive, and nothing else. The reader follows the SSE rules for
the rest (comments, several `data:` lines joined by `\n`, `event:` names, a final
event without its blank line), and `dify_events` turns each `data` into a dict.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from typing import Any

import attrs


@attrs.frozen
class SseEvent:
    """One dispatched event: its `event:` name (empty when none came) and its data."""

    data: str
    event: str = ""


class SseDecoder:
    """Turns the bytes of an event stream, fed in any pieces, into events."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._data: list[str] = []
        self._event = ""

    def feed(self, chunk: bytes) -> list[SseEvent]:
        """The events completed by `chunk`."""
        text = self._pending + self._utf8.decode(chunk)
        *lines, self._pending = text.split("\n")
        return [e for e in (self._line(line.removesuffix("\r")) for line in lines) if e]

    def close(self) -> list[SseEvent]:
        """The events still held when the stream ends (a last event without its blank line)."""
        tail = self._pending + self._utf8.decode(b"", final=True)
        self._pending = ""
        if tail:
            self._line(tail.removesuffix("\r"))  # a non-empty line never dispatches
        last = self._dispatch()
        return [last] if last else []

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        return None

    def _dispatch(self) -> SseEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None  # `event: ping` alone: a keep-alive, not an event
        return SseEvent("\n".join(data), event)


def decode_all(chunks: Iterable[bytes]) -> list[SseEvent]:
    """Every event of a stream given as chunks (for tests and small bodies)."""
    decoder = SseDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return [*events, *decoder.close()]


def dify_events(events: Iterable[SseEvent]) -> Iterator[dict[str, Any]]:
    """The JSON objects carried by Dify's events; data that is not a JSON object is skipped."""
    for event in events:
        try:
            value = json.loads(event.data)
        except ValueError:
            continue
        if isinstance(value, dict):
            yield value
