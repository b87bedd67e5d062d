"""Plausible workflow outputs built from the inputs alone: an engine that needs no network.

Deterministic (the same input gives the same output apart from `run_id`) and always
valid for the domain model, so the whole creation flow runs offline end to end.
"""

from __future__ import annotations

import hashlib
from typing import Final

import attrs

from npc_core.model import (
    CharacterAnalysis,
    EmotionMarker,
    Frame,
    JsonObject,
    TraitSuggestion,
    estimate_seconds,
    limits,
    tidy_markers,
)
from npc_core.ports import (
    CharacterAnalysisInput,
    CharacterAnalysisOutput,
    CharacterChatInput,
    CharacterChatOutput,
    ComicInput,
    ComicOutput,
    DialogueDiscussionInput,
    DialogueDiscussionOutput,
    GeneratedFile,
    MonologueInput,
    MonologueOutput,
    StoryboardDesignInput,
    StoryboardDesignOutput,
    StoryReconstructInput,
    StoryReconstructOutput,
    VoiceInput,
    VoiceOutput,
)

DEFAULT_TRAITS: Final = ("勇敢", "冷静")
MP3_HEADER: Final = b"ID3\x04\x00\x00\x00\x00\x00\x00"
PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def analyze_character(data: CharacterAnalysisInput, run_id: str) -> CharacterAnalysisOutput:
    """Name the character, quote a line as evidence, and suggest the default traits."""
    name = data.character_name
    evidence = tuple(_clip(line, 80) for line in data.dialogues[:1])
    analysis = CharacterAnalysis(
        summary=f"{name}是《{data.movie_title}》中的角色。{data.character_description}".strip(),
        motivations=(f"{name}想守住自己在乎的东西",),
        relationships=(),
        arc=f"{name}在故事中逐渐成长",
    )
    traits = tuple(
        TraitSuggestion(trait, evidence, confidence)
        for trait, confidence in zip(DEFAULT_TRAITS, (0.8, 0.7), strict=True)
    )
    return CharacterAnalysisOutput(run_id, analysis, traits)


def discuss_dialogue(data: DialogueDiscussionInput, run_id: str) -> DialogueDiscussionOutput:
    """Answer the user's insight about the line."""
    insight = data.user_insight.strip() or "这句台词"
    return DialogueDiscussionOutput(
        run_id=run_id,
        ai_response=(
            f"「{_clip(data.dialogue, 60)}」——{data.character_name}说这句话时，"
            f"{insight}，很有道理。"
        ),
        insights=(f"这句台词体现了{data.character_name}的性格",),
        personality_tags=DEFAULT_TRAITS[:1],
    )


def chat(data: CharacterChatInput, run_id: str) -> CharacterChatOutput:
    """Answer in character, echoing the message."""
    reply = f"我是{data.character_name}。你说「{_clip(data.message, 40)}」，让我想一想。"
    return CharacterChatOutput(run_id, reply, "平静")


def reconstruct_story(data: StoryReconstructInput, run_id: str) -> StoryReconstructOutput:
    """Return the story in order, flagging beats no relationship touches."""
    nodes = tuple(sorted(data.story_nodes, key=lambda n: n.order))
    linked = {end for r in data.relationships for end in (r.source, r.target)}
    issues = tuple(f"情节「{n.title}」与其他情节没有关联" for n in nodes if n.id not in linked)
    monologue = data.monologue.strip() or f"我是{data.character_name}，这是我的故事。"
    return StoryReconstructOutput(
        run_id=run_id,
        nodes=nodes,
        relationships=data.relationships,
        suggestions=("可以在关键情节之间加入转折，让动机更清楚",),
        logic_issues=issues if data.relationships else (),
        enhanced_monologue=_clip(monologue, limits.MONOLOGUE),
    )


def design_storyboard(data: StoryboardDesignInput, run_id: str) -> StoryboardDesignOutput:
    """Fill the frames' empty fields; with no frames, make one per custom line (or one)."""
    if data.frames:
        frames = tuple(
            attrs.evolve(
                f,
                scene_description=f.scene_description or f"第{f.order}个镜头",
                camera=f.camera or "中景",
                user_fields=frozenset(),
            )
            for f in data.frames
        )
    else:
        lines = data.custom_dialogue[: limits.FRAMES] or ("",)
        frames = tuple(
            Frame(
                order=i,
                scene_description=f"第{i}个镜头",
                dialogue=_clip(line, limits.FRAME_FIELD),
                camera="中景",
            )
            for i, line in enumerate(lines, start=1)
        )
    return StoryboardDesignOutput(run_id, frames, ("保持色调统一", "关键情绪处使用特写"))


def _frame_text(context: JsonObject) -> str:
    for key in ("dialogue", "scene_description", "sceneDescription", "description"):
        value = context.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def generate_monologue(data: MonologueInput, run_id: str) -> MonologueOutput:
    """Speak the frames' lines (or scenes) in the first person, with one or two emotions."""
    parts = [p for p in (_frame_text(c) for c in data.frame_context) if p]
    body = "……".join(parts) if parts else "一切都在无声中发生"
    text = _clip(f"我是{data.character_name}。{body}。", limits.MONOLOGUE)
    tone = data.emotion_tone.strip()[: limits.SHORT_LABEL] or "平静"
    # The text always opens with "我是…。", so its middle is past the first marker.
    markers = (EmotionMarker(0, tone, 0.6), EmotionMarker(len(text) // 2, "坚定", 0.7))
    return MonologueOutput(run_id, text, tidy_markers(markers, len(text)))


def synthesize_voice(data: VoiceInput, run_id: str) -> VoiceOutput:
    """Return MP3-looking bytes whose stated duration is the model's estimate."""
    payload = hashlib.sha256(f"{data.voice.voice}:{data.text}".encode()).digest()
    seconds = round(max(estimate_seconds(data.text, data.voice.speed), 0.1), 3)
    return VoiceOutput(run_id, GeneratedFile(MP3_HEADER + payload, "audio/mpeg"), seconds)


def render_comic(data: ComicInput, run_id: str) -> ComicOutput:
    """Return one PNG-looking image per frame, in frame order."""
    panels = tuple(
        GeneratedFile(
            PNG_SIGNATURE
            + hashlib.sha256(f"{data.style}:{f.order}:{f.scene_description}".encode()).digest(),
            "image/png",
        )
        for f in sorted(data.frames, key=lambda f: f.order)
    )
    return ComicOutput(run_id, panels)
