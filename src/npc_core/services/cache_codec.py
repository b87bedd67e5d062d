"""Library values and analysis results as cache bytes: compact UTF-8 JSON, read back exactly.

A decoded value equals the encoded one (`==`), field for field: tuples come back as
tuples through the entities' own converters, floats through `repr` (what `json` writes),
dates and datetimes through ISO 8601 (with the offset), tagged with their type. Decoding
runs the entities' validators again, so an entry that is not what this build would write
raises instead of slipping through; the cache-through helper then treats it as a miss.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import attrs

from npc_core.model import (
    Character,
    CharacterAnalysis,
    DialogueLine,
    Movie,
    Page,
    PageRequest,
    TraitSuggestion,
)
from npc_core.ports import CharacterAnalysisOutput

T = TypeVar("T")
Fields = dict[str, Any]


@attrs.frozen
class Codec(Generic[T]):
    """How one kind of value becomes cache bytes and back."""

    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


def dumps(value: object) -> bytes:
    """Compact JSON; NaN and infinities refused, since they would not compare equal again."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # surrogatepass: a lone surrogate in a Python string still makes the round trip.
    return text.encode("utf-8", "surrogatepass")


def loads(data: bytes) -> Any:  # noqa: ANN401 - JSON is untyped until a reader below types it
    """The JSON value in `data`."""
    return json.loads(data.decode("utf-8", "surrogatepass"))


def _plain(value: object) -> object:
    # Times are tagged with their type, so a date never comes back as a datetime.
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _revived(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return date.fromisoformat(value["date"])
    return value


def _fields(value: attrs.AttrsInstance) -> Fields:
    # asdict turns tuples into lists (JSON arrays); the entities' converters turn them back.
    # No library entity has a dict field, so a one-key dict is always a tagged time.
    return {k: _plain(v) for k, v in attrs.asdict(value).items()}


def _typed(fields: Fields) -> Fields:
    return {k: _revived(v) for k, v in fields.items()}


def movie_of(fields: Fields) -> Movie:
    """The film `_fields` wrote."""
    return Movie(**_typed(fields))


def character_of(fields: Fields) -> Character:
    """The character `_fields` wrote."""
    return Character(**_typed(fields))


def line_of(fields: Fields) -> DialogueLine:
    """The line `_fields` wrote."""
    return DialogueLine(**_typed(fields))


def page_codec(to_fields: Callable[[T], Fields], of: Callable[[Fields], T]) -> Codec[Page[T]]:
    """A codec for pages of one kind of item."""

    def encode(page: Page[T]) -> bytes:
        request = [page.request.page, page.request.page_size]
        items = [to_fields(i) for i in page.items]
        body = {"items": items, "total": page.total, "request": request}
        if not page.total_exact:
            body["exact"] = False
        return dumps(body)

    def decode(data: bytes) -> Page[T]:
        raw = loads(data)
        number, size = raw["request"]
        items = tuple(of(i) for i in raw["items"])
        return Page(items, raw["total"], PageRequest(number, size), raw.get("exact", True))

    return Codec(encode, decode)


MOVIE_PAGE: Codec[Page[Movie]] = page_codec(_fields, movie_of)
LINE_PAGE: Codec[Page[DialogueLine]] = page_codec(_fields, line_of)


def _encode_film(film: tuple[Movie, tuple[Character, ...]]) -> bytes:
    movie, characters = film
    return dumps({"movie": _fields(movie), "characters": [_fields(c) for c in characters]})


def _decode_film(data: bytes) -> tuple[Movie, tuple[Character, ...]]:
    raw = loads(data)
    return movie_of(raw["movie"]), tuple(character_of(c) for c in raw["characters"])


FILM: Codec[tuple[Movie, tuple[Character, ...]]] = Codec(_encode_film, _decode_film)
"""A film with its characters."""


def _encode_cast(cast: tuple[Character, Movie]) -> bytes:
    character, movie = cast
    return dumps({"character": _fields(character), "movie": _fields(movie)})


def _decode_cast(data: bytes) -> tuple[Character, Movie]:
    raw = loads(data)
    return character_of(raw["character"]), movie_of(raw["movie"])


CAST: Codec[tuple[Character, Movie]] = Codec(_encode_cast, _decode_cast)
"""A character with its film."""


def _encode_analysis(output: CharacterAnalysisOutput) -> bytes:
    return dumps(
        {
            "run_id": output.run_id,
            "analysis": _fields(output.analysis),
            "traits": [_fields(t) for t in output.traits],
        }
    )


def _decode_analysis(data: bytes) -> CharacterAnalysisOutput:
    raw = loads(data)
    return CharacterAnalysisOutput(
        str(raw["run_id"]),
        CharacterAnalysis(**raw["analysis"]),
        tuple(TraitSuggestion(**t) for t in raw["traits"]),
    )


ANALYSIS: Codec[CharacterAnalysisOutput] = Codec(_encode_analysis, _decode_analysis)
"""What the character-analysis workflow answered."""
