"""A finished run's `outputs` turned into the port's typed results (DIFY.md Part B).

Objects and arrays may come as JSON values or as JSON strings of them. Unknown
outputs are ignored. The outputs that carry the answer are required (analysis and
traits, ai_response, reply, optimized_story, frames, monologue, audio or audio_url,
panels or panel_urls); the others default to empty. A missing required output, or
one of the wrong shape or breaking a domain rule, is `UpstreamBadOutput` naming the
workflow and the output (down to the item: `frames[2].dialogue`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from adapters.dify.files import FileRef, file_ref
from npc_core.errors import DomainValidationError, UpstreamBadOutput
from npc_core.model import CharacterAnalysis, EmotionMarker, Frame, Relationship, StoryNode
from npc_core.model import TraitSuggestion as Trait
from npc_core.ports import (
    CharacterAnalysisOutput,
    CharacterChatOutput,
    DialogueDiscussionOutput,
    MonologueOutput,
    StoryboardDesignOutput,
    StoryReconstructOutput,
    Workflow,
)

Outputs = Mapping[str, Any]
_MISSING: Final = object()
# Keys an object item of a "list of texts" output may keep its text under.
_TEXT_KEYS: Final = ("text", "content", "suggestion", "issue", "description", "name", "value")
PERCENT: Final = 100


class _Reader:
    """Reads one workflow's outputs, naming it in every complaint."""

    def __init__(self, workflow: Workflow, outputs: Outputs | None) -> None:
        self.workflow = workflow.value
        self.outputs: Outputs = outputs or {}

    def bad(self, key: str, reason: str) -> UpstreamBadOutput:
        return UpstreamBadOutput(self.workflow, key, reason)

    @contextmanager
    def rules(self, key: str) -> Iterator[None]:
        """Domain rules broken while building values from `key` become bad output."""
        try:
            yield
        except DomainValidationError as error:
            raise self.bad(f"{key}.{error.field}", error.issues[0].reason) from None
        except (TypeError, ValueError) as error:
            raise self.bad(key, str(error) or type(error).__name__) from None

    def raw(self, key: str, *, required: bool) -> object:
        value = self.outputs.get(key, _MISSING)
        if value is _MISSING or value is None or value == "":
            if required:
                raise self.bad(key, "missing")
            return _MISSING
        return value

    def structured(self, key: str, value: object) -> object:
        """A JSON string decoded; anything else as it is."""
        if isinstance(value, str):
            stripped = value.strip()
            if stripped[:1] in {"{", "["}:
                try:
                    return json.loads(stripped)
                except ValueError:
                    raise self.bad(key, "not valid JSON") from None
        return value

    def obj(self, key: str, *, required: bool = True) -> dict[str, Any] | None:
        value = self.raw(key, required=required)
        if value is _MISSING:
            return None
        value = self.structured(key, value)
        if not isinstance(value, dict):
            raise self.bad(key, "expected an object")
        return value

    def array(self, key: str, *, required: bool = False, value: object = _MISSING) -> list[Any]:
        if value is _MISSING:
            value = self.raw(key, required=required)
            if value is _MISSING:
                return []
        value = self.structured(key, value)
        if not isinstance(value, list):
            raise self.bad(key, "expected an array")
        return value

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.raw(key, required=required)
        if value is _MISSING:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.bad(key, "expected a string")
        text = str(value).strip()
        if required and not text:
            raise self.bad(key, "missing")
        return text

    def texts(self, key: str, *, value: object = _MISSING) -> tuple[str, ...]:
        items = self.array(key, value=value)
        return tuple(t for t in (item_text(item) for item in items) if t)


def item_text(item: object) -> str:
    """An item of a list of texts: a string, a number, or an object holding its text."""
    if isinstance(item, str):
        return item.strip()
    if isinstance(item, bool) or item is None:
        return ""
    if isinstance(item, int | float):
        return str(item)
    if isinstance(item, dict):
        for key in _TEXT_KEYS:
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return "：".join(t for t in (item_text(v) for v in item.values()) if t)
    return ""


def _texts_or_text(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(t for t in (item_text(v) for v in value) if t)
    text = item_text(value)
    return (text,) if text else ()


def number(value: object) -> float | None:
    """A finite number from a number or a numeric string; None when absent."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        result = float(value.strip().removesuffix("%"))
    else:
        raise TypeError(f"expected a number, not {type(value).__name__}")
    if not math.isfinite(result):
        raise ValueError("must be a finite number")
    return result


def integer(item: Mapping[str, Any], name: str) -> int:
    """A whole number field of an object item."""
    try:
        value = number(item.get(name))
    except (TypeError, ValueError):
        value = None
    if value is None or not value.is_integer():
        raise ValueError(f"{name} must be a whole number")
    return int(value)


def _fraction(value: object) -> float | None:
    """A 0-1 value (confidence, intensity); models often answer in percent (85 for 0.85)."""
    result = number(value)
    if result is not None and 1 < result <= PERCENT:
        return result / PERCENT
    return result


def _pick(item: Mapping[str, Any], *names: str, default: object = None) -> object:
    for name in names:
        if name in item and item[name] is not None:
            return item[name]
    return default


def _each(
    reader: _Reader, key: str, items: list[Any], build: Callable[[dict[str, Any]], Any]
) -> tuple[Any, ...]:
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise reader.bad(f"{key}[{index}]", "expected an object")
        with reader.rules(f"{key}[{index}]"):
            out.append(build(item))
    return tuple(out)


def character_analysis(run_id: str, outputs: Outputs | None) -> CharacterAnalysisOutput:
    """Outputs `analysis` (an object; plain text is its summary) and `traits`."""
    r = _Reader(Workflow.CHARACTER_ANALYSIS, outputs)
    raw = r.raw("analysis", required=True)
    value = raw
    if isinstance(raw, str) and raw.strip()[:1] in {"{", "["}:
        value = r.structured("analysis", raw)
    if isinstance(value, str):
        analysis = CharacterAnalysis(summary=value.strip())
    elif isinstance(value, dict):
        analysis = CharacterAnalysis(
            summary=item_text(value.get("summary")),
            motivations=_texts_or_text(value.get("motivations")),
            relationships=_texts_or_text(value.get("relationships")),
            arc=item_text(value.get("arc")),
        )
    else:
        raise r.bad("analysis", "expected an object")
    traits: list[Trait] = []
    for index, item in enumerate(r.array("traits", required=True)):
        with r.rules(f"traits[{index}]"):
            if isinstance(item, str):
                traits.append(Trait(item.strip()))
            elif isinstance(item, dict):
                name = item_text(_pick(item, "name", "trait", "label", default=""))
                evidence = _texts_or_text(item.get("evidence"))
                traits.append(Trait(name, evidence, _fraction(item.get("confidence"))))
            else:
                raise r.bad(f"traits[{index}]", "expected a string or an object")
    return CharacterAnalysisOutput(run_id, analysis, tuple(traits))


def dialogue_discussion(run_id: str, outputs: Outputs | None) -> DialogueDiscussionOutput:
    """Outputs `ai_response` (required), `insights` and `personality_tags` (lists of text)."""
    r = _Reader(Workflow.DIALOGUE_DISCUSSION, outputs)
    return DialogueDiscussionOutput(
        run_id, r.text("ai_response"), r.texts("insights"), r.texts("personality_tags")
    )


def character_chat(run_id: str, outputs: Outputs | None) -> CharacterChatOutput:
    """Outputs `reply` (required) and `emotion` (None when absent)."""
    r = _Reader(Workflow.CHARACTER_CHAT, outputs)
    return CharacterChatOutput(run_id, r.text("reply"), r.text("emotion", required=False) or None)


def _node(item: dict[str, Any]) -> StoryNode:
    ids = _pick(item, "character_ids", "characterIds", default=())
    return StoryNode(
        id=item_text(item.get("id")),
        order=integer(item, "order"),
        title=item_text(item.get("title")),
        content=item_text(item.get("content")),
        character_ids=tuple(item_text(i) for i in ids) if isinstance(ids, list) else (),
    )


def _relationship(item: dict[str, Any]) -> Relationship:
    return Relationship(
        source=item_text(item.get("source")),
        target=item_text(item.get("target")),
        kind=item_text(_pick(item, "type", "kind", "relation", default="")),
        description=item_text(item.get("description")),
    )


def story_reconstruct(run_id: str, outputs: Outputs | None) -> StoryReconstructOutput:
    """Outputs `optimized_story` {nodes, relationships}, suggestions, issues, monologue."""
    r = _Reader(Workflow.STORY_RECONSTRUCT, outputs)
    story = r.obj("optimized_story") or {}
    nodes_raw = story.get("nodes")
    if nodes_raw is None:
        raise r.bad("optimized_story.nodes", "missing")
    nodes = _each(
        r, "optimized_story.nodes", r.array("optimized_story.nodes", value=nodes_raw), _node
    )
    relationships_raw = story.get("relationships")
    relationships = (
        ()
        if relationships_raw is None
        else _each(
            r,
            "optimized_story.relationships",
            r.array("optimized_story.relationships", value=relationships_raw),
            _relationship,
        )
    )
    return StoryReconstructOutput(
        run_id,
        nodes,
        relationships,
        r.texts("suggestions"),
        r.texts("logic_issues"),
        r.text("enhanced_monologue", required=False),
    )


def _frame(item: dict[str, Any]) -> Frame:
    effects = _pick(item, "visual_effects", "visualEffects", default=())
    return Frame(
        order=integer(item, "order"),
        scene_description=item_text(_pick(item, "scene_description", "sceneDescription")),
        dialogue=item_text(item.get("dialogue")),
        camera=item_text(item.get("camera")),
        visual_effects=_texts_or_text(effects),
    )


def storyboard_design(run_id: str, outputs: Outputs | None) -> StoryboardDesignOutput:
    """Outputs `frames` (required) and `visual_suggestions`."""
    r = _Reader(Workflow.STORYBOARD_DESIGN, outputs)
    frames = _each(r, "frames", r.array("frames", required=True), _frame)
    return StoryboardDesignOutput(run_id, frames, r.texts("visual_suggestions"))


def _marker(item: dict[str, Any]) -> EmotionMarker:
    intensity = _fraction(item.get("intensity"))
    return EmotionMarker(
        position=integer(item, "position"),
        emotion=item_text(item.get("emotion")),
        intensity=0.5 if intensity is None else intensity,
        length=None if item.get("length") is None else integer(item, "length"),
    )


def monologue_generation(run_id: str, outputs: Outputs | None) -> MonologueOutput:
    """Outputs `monologue` (required) and `emotion_markers` ({position, emotion, intensity})."""
    r = _Reader(Workflow.MONOLOGUE_GENERATION, outputs)
    text = r.text("monologue")
    markers = _each(r, "emotion_markers", r.array("emotion_markers"), _marker)
    return MonologueOutput(run_id, text, markers)


def voice_file(outputs: Outputs | None) -> tuple[FileRef, str, float | None]:
    """The audio's reference, the output it came from, and the stated duration (if any)."""
    r = _Reader(Workflow.VOICE_SYNTHESIS, outputs)
    key = "audio" if r.raw("audio", required=False) is not _MISSING else "audio_url"
    value = r.raw(key, required=False)
    if value is _MISSING:
        raise r.bad("audio", "missing (neither audio nor audio_url)")
    if isinstance(value, list) and len(value) == 1:
        value = value[0]  # a file-array output holding the one recording
    with r.rules("duration"):
        duration = number(r.outputs.get("duration"))
    if duration is not None and duration <= 0:
        duration = None
    return file_ref(value, r.workflow, key), key, duration


def comic_files(outputs: Outputs | None) -> tuple[tuple[FileRef, ...], str]:
    """The panels' references in order, and the output they came from."""
    r = _Reader(Workflow.COMIC_GENERATION, outputs)
    key = "panels" if r.raw("panels", required=False) is not _MISSING else "panel_urls"
    items = r.array(key)
    if not items:
        raise r.bad("panels", "missing (neither panels nor panel_urls)")
    return tuple(file_ref(v, r.workflow, f"{key}[{i}]") for i, v in enumerate(items)), key
