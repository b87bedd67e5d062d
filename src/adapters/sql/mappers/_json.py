"""Reading JSON column values back into the shapes the domain expects."""

from __future__ import annotations

from typing import Any

from npc_core.model import JsonObject


def items(value: object) -> list[Any]:
    """A JSON array as a list (anything else as an empty one)."""
    return list(value) if isinstance(value, list | tuple) else []


def texts(value: object) -> tuple[str, ...]:
    """A JSON array of strings as a tuple."""
    return tuple(map(str, value)) if isinstance(value, list | tuple) else ()


def obj(value: object) -> JsonObject:
    """A JSON object as a fresh dict (anything else as an empty one)."""
    return dict(value) if isinstance(value, dict) else {}


def optional_obj(value: object) -> JsonObject | None:
    """A JSON object, or None for SQL NULL."""
    return None if value is None else obj(value)
