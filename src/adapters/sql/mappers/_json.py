"""Reading JSON column values back into the shapes the domain expects."""

from __future__ import annotations

from typing import Any

import msgspec

from npc_core.model import JsonObject

_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder()


def parsed(text: str | bytes) -> Any:  # noqa: ANN401 - whatever the JSON holds
    """JSON text as Python values; ValueError (msgspec's DecodeError) when it is not JSON.

    msgspec's decoder reads a film's JSON columns about 2.4 times as fast as
    `json.loads` (1.6 against 4.0 us a film); search and the dialogue page decode a row
    per candidate and a page of lines per request.
    """
    return _decoder.decode(text)


def items(value: object) -> list[Any]:
    """A JSON array as a list (anything else as an empty one)."""
    return list(value) if isinstance(value, list | tuple) else []


def texts(value: object) -> tuple[str, ...]:
    """A JSON array of strings as a tuple."""
    return tuple(map(str, value)) if isinstance(value, list | tuple) else ()


def embedded_texts(value: object) -> tuple[str, ...]:
    """A JSON array of strings read inside JSON_ARRAY: MariaDB embeds a JSON column as its text."""
    return texts(parsed(value) if isinstance(value, str) else value)


def obj(value: object) -> JsonObject:
    """A JSON object as a fresh dict (anything else as an empty one)."""
    return dict(value) if isinstance(value, dict) else {}


def optional_obj(value: object) -> JsonObject | None:
    """A JSON object, or None for SQL NULL."""
    return None if value is None else obj(value)
