"""Wire conventions: camelCase msgspec Structs, separate from the domain's attrs types."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

import msgspec

from npc_core.model import limits


class Wire(msgspec.Struct, rename="camel", kw_only=True):
    """Base of every request and response body: camelCase on the wire."""


Id = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        description="An id (UUID).",
        examples=["00000000-0000-4000-8000-00000000c001"],
    ),
]
SessionId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=limits.SHORT_LABEL,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Client-chosen session id, reused for later turns.",
        examples=["chat-1700000000"],
    ),
]
JsonObject: TypeAlias = dict[str, Any]


def _text(max_length: int, description: str, example: str, min_length: int = 1) -> msgspec.Meta:
    return msgspec.Meta(
        min_length=min_length, max_length=max_length, description=description, examples=[example]
    )


LineText = Annotated[
    str, _text(limits.DIALOGUE_LINE, "One line of dialogue.", "我只相信我亲眼看见的东西。")
]
Insight = Annotated[str, _text(limits.INSIGHT, "The user's reading of the line.", "他其实很孤独。")]
OptionalInsight = Annotated[str, _text(limits.INSIGHT, "The user's reading, if any.", "", 0)]
Message = Annotated[str, _text(limits.CHAT_MESSAGE, "What the user says.", "你在害怕什么？")]
Title = Annotated[str, _text(limits.TITLE, "A title.", "夜航船")]
Label = Annotated[str, _text(limits.SHORT_LABEL, "A short label.", "平静")]
OptionalLabel = Annotated[str, _text(limits.SHORT_LABEL, "A short label, may be empty.", "", 0)]
TraitName = Annotated[str, _text(limits.TRAIT_NAME, "A personality trait.", "冷静")]
MonologueText = Annotated[str, _text(limits.MONOLOGUE, "A monologue, may be empty.", "", 0)]
FrameText = Annotated[
    str, _text(limits.FRAME_FIELD, "Frame text, may be empty.", "甲板上，雨开始落下。", 0)
]
Keyword = Annotated[str, _text(100, "Title or overview keyword.", "夜航", 0)]


class ErrorDetail(Wire):
    field: str
    reason: str


class ErrorBody(Wire):
    code: str
    message: str
    details: list[ErrorDetail]
    request_id: str


class ErrorResponse(Wire):
    """Every error: an HTTP status and this body."""

    success: bool
    error: ErrorBody


class PageInfo(Wire):
    total: int
    page: int
    page_size: int
    has_more: bool
