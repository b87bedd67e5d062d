"""The port's typed inputs as Start-node variables (DIFY.md Part B).

Variables are strings or numbers; structured values go as JSON strings (UTF-8, not
ASCII-escaped, so prompts stay readable in Dify's logs).
"""

from __future__ import annotations

import json
from typing import Any

from npc_core.model import Frame, Relationship, StoryNode
from npc_core.ports import (
    CharacterAnalysisInput,
    CharacterChatInput,
    ComicInput,
    DialogueDiscussionInput,
    MonologueInput,
    StoryboardDesignInput,
    StoryReconstructInput,
    VoiceInput,
)
from npc_core.ports.workflows import history_json

Inputs = dict[str, str | int | float]


def as_json(value: object) -> str:
    """A structured value as the JSON string a Start-node variable takes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _node(n: StoryNode) -> dict[str, Any]:
    return {
        "id": n.id,
        "order": n.order,
        "title": n.title,
        "content": n.content,
        "character_ids": list(n.character_ids),
    }


def _relationship(r: Relationship) -> dict[str, Any]:
    return {"source": r.source, "target": r.target, "type": r.kind, "description": r.description}


def _frame(f: Frame) -> dict[str, Any]:
    return {
        "order": f.order,
        "scene_description": f.scene_description,
        "dialogue": f.dialogue,
        "camera": f.camera,
        "visual_effects": list(f.visual_effects),
    }


def character_analysis(data: CharacterAnalysisInput) -> Inputs:
    """The film, the character, its lines (one per row) and the user's context."""
    return {
        "movie_title": data.movie_title,
        "character_name": data.character_name,
        "character_description": data.character_description,
        "dialogues": "\n".join(line.replace("\n", " ") for line in data.dialogues),
        "user_context": as_json(data.user_context),
    }


def dialogue_discussion(data: DialogueDiscussionInput) -> Inputs:
    """The character, the line, the user's insight and the session's earlier turns."""
    return {
        "character_name": data.character_name,
        "character_profile": as_json(data.character_profile),
        "dialogue": data.dialogue,
        "user_insight": data.user_insight,
        "history": as_json(list(data.history)),
    }


def character_chat(data: CharacterChatInput) -> Inputs:
    """The character, the recent turns ({role, content}) and the new message."""
    return {
        "character_name": data.character_name,
        "character_profile": as_json(data.character_profile),
        "history": as_json(history_json(data.history)),
        "message": data.message,
    }


def story_reconstruct(data: StoryReconstructInput) -> Inputs:
    """The user's story graph and monologue."""
    return {
        "movie_title": data.movie_title,
        "character_name": data.character_name,
        "story_nodes": as_json([_node(n) for n in data.story_nodes]),
        "relationships": as_json([_relationship(r) for r in data.relationships]),
        "monologue": data.monologue,
    }


def storyboard_design(data: StoryboardDesignInput) -> Inputs:
    """The story, the user's frames, the style and the user's own lines."""
    return {
        "story": as_json(data.story),
        "frames": as_json([_frame(f) for f in data.frames]),
        "style_preference": as_json(data.style_preference),
        "custom_dialogue": as_json(list(data.custom_dialogue)),
    }


def monologue_generation(data: MonologueInput) -> Inputs:
    """The character, the frames to speak over and the tone."""
    return {
        "character_name": data.character_name,
        "character_profile": as_json(data.character_profile),
        "frame_context": as_json(list(data.frame_context)),
        "emotion_tone": data.emotion_tone,
    }


def voice_synthesis(data: VoiceInput) -> Inputs:
    """The text and the voice to speak it with."""
    v = data.voice
    return {
        "text": data.text,
        "voice": as_json({"voice": v.voice, "speed": v.speed, "pitch": v.pitch}),
        "character": as_json(data.character),
    }


def comic_generation(data: ComicInput) -> Inputs:
    """The frames in order, the style and the character."""
    frames = sorted(data.frames, key=lambda f: f.order)
    return {
        "frames": as_json([_frame(f) for f in frames]),
        "style": data.style,
        "character": as_json(data.character),
    }
