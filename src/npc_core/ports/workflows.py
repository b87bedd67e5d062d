"""The workflow port: one typed method per Dify workflow of npc's contract (DIFY.md Part B)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from enum import StrEnum
from typing import Protocol

import attrs

from npc_core.model import (
    CharacterAnalysis,
    EmotionMarker,
    Frame,
    JsonObject,
    Relationship,
    StoryNode,
    TraitSuggestion,
    VoiceConfig,
)


class Workflow(StrEnum):
    """The workflows; each value is the settings key (`NPC_DIFY_KEY_<VALUE>`)."""

    CHARACTER_ANALYSIS = "character_analysis"
    DIALOGUE_DISCUSSION = "dialogue_discussion"
    CHARACTER_CHAT = "character_chat"
    STORY_RECONSTRUCT = "story_reconstruct"
    STORYBOARD_DESIGN = "storyboard_design"
    MONOLOGUE_GENERATION = "monologue_generation"
    VOICE_SYNTHESIS = "voice_synthesis"
    COMIC_GENERATION = "comic_generation"

    @property
    def setting(self) -> str:
        """The environment variable that holds this workflow's Dify key."""
        return f"NPC_DIFY_KEY_{self.value.upper()}"


@attrs.frozen
class CharacterAnalysisInput:
    movie_title: str
    character_name: str
    character_description: str
    dialogues: tuple[str, ...]
    user_context: JsonObject


@attrs.frozen
class CharacterAnalysisOutput:
    run_id: str
    analysis: CharacterAnalysis
    traits: tuple[TraitSuggestion, ...]


@attrs.frozen
class DialogueDiscussionInput:
    character_name: str
    character_profile: JsonObject
    dialogue: str
    user_insight: str
    history: tuple[JsonObject, ...]


@attrs.frozen
class DialogueDiscussionOutput:
    run_id: str
    ai_response: str
    insights: tuple[str, ...]
    personality_tags: tuple[str, ...]


@attrs.frozen
class ChatTurn:
    role: str
    content: str


@attrs.frozen
class CharacterChatInput:
    character_name: str
    character_profile: JsonObject
    history: tuple[ChatTurn, ...]
    message: str


@attrs.frozen
class CharacterChatOutput:
    run_id: str
    reply: str
    emotion: str | None


@attrs.frozen
class ChatChunk:
    """A piece of a streamed reply; the last chunk carries `final`.

    The texts of all chunks, joined, are `final.reply`; the last chunk's text may be empty.
    """

    text: str
    final: CharacterChatOutput | None = None


@attrs.frozen
class StoryReconstructInput:
    movie_title: str
    character_name: str
    story_nodes: tuple[StoryNode, ...]
    relationships: tuple[Relationship, ...]
    monologue: str


@attrs.frozen
class StoryReconstructOutput:
    run_id: str
    nodes: tuple[StoryNode, ...]
    relationships: tuple[Relationship, ...]
    suggestions: tuple[str, ...]
    logic_issues: tuple[str, ...]
    enhanced_monologue: str


@attrs.frozen
class StoryboardDesignInput:
    story: JsonObject
    frames: tuple[Frame, ...]
    style_preference: JsonObject
    custom_dialogue: tuple[str, ...]


@attrs.frozen
class StoryboardDesignOutput:
    run_id: str
    frames: tuple[Frame, ...]
    visual_suggestions: tuple[str, ...]


@attrs.frozen
class MonologueInput:
    character_name: str
    character_profile: JsonObject
    frame_context: tuple[JsonObject, ...]
    emotion_tone: str


@attrs.frozen
class MonologueOutput:
    run_id: str
    text: str
    markers: tuple[EmotionMarker, ...]


@attrs.frozen
class GeneratedFile:
    """A file a workflow produced, already downloaded (Dify's URLs expire in minutes)."""

    data: bytes
    content_type: str


@attrs.frozen
class VoiceInput:
    text: str
    voice: VoiceConfig
    character: JsonObject


@attrs.frozen
class VoiceOutput:
    run_id: str
    audio: GeneratedFile
    duration_seconds: float | None  # None when the workflow did not say; measure it


@attrs.frozen
class ComicInput:
    frames: tuple[Frame, ...]
    style: str
    character: JsonObject


@attrs.frozen
class ComicOutput:
    run_id: str
    panels: tuple[GeneratedFile, ...]


class WorkflowRunner(Protocol):
    """Runs npc's Dify workflows on behalf of `user` (npc's user id).

    Raises `UpstreamError` subclasses: not configured, failed, bad output,
    unavailable, timeout.
    """

    async def analyze_character(
        self, user: str, data: CharacterAnalysisInput
    ) -> CharacterAnalysisOutput: ...

    async def discuss_dialogue(
        self, user: str, data: DialogueDiscussionInput
    ) -> DialogueDiscussionOutput: ...

    async def chat(self, user: str, data: CharacterChatInput) -> CharacterChatOutput: ...

    def stream_chat(self, user: str, data: CharacterChatInput) -> AsyncIterator[ChatChunk]: ...

    async def reconstruct_story(
        self, user: str, data: StoryReconstructInput
    ) -> StoryReconstructOutput: ...

    async def design_storyboard(
        self, user: str, data: StoryboardDesignInput
    ) -> StoryboardDesignOutput: ...

    async def generate_monologue(self, user: str, data: MonologueInput) -> MonologueOutput: ...

    async def synthesize_voice(self, user: str, data: VoiceInput) -> VoiceOutput: ...

    async def render_comic(self, user: str, data: ComicInput) -> ComicOutput: ...


def history_json(turns: Sequence[ChatTurn]) -> list[JsonObject]:
    """Chat history as the workflow's `history` input expects it."""
    return [{"role": t.role, "content": t.content} for t in turns]
