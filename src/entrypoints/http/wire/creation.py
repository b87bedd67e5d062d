"""Request and response bodies of the AI co-creation routes.

Both the `/api/dify` surface and the business surface use them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from entrypoints.http.wire.common import (
    FrameText,
    Id,
    Insight,
    JsonObject,
    Label,
    LineText,
    Message,
    MonologueText,
    OptionalInsight,
    OptionalLabel,
    SessionId,
    Title,
    TraitName,
    Wire,
)
from npc_core.model import limits

Speed = Annotated[float, msgspec.Meta(ge=0.5, le=2.0, description="0.5-2.0; 1.0 is natural.")]


class TraitOut(Wire):
    name: str
    evidence: list[str]
    confidence: float | None


class AnalysisOut(Wire):
    summary: str
    motivations: list[str]
    relationships: list[str]
    arc: str


class StoryNodeIn(Wire):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=limits.SHORT_LABEL, examples=["n1"])]
    order: Annotated[int, msgspec.Meta(ge=1, le=limits.STORY_NODES)]
    title: Title
    content: FrameText = ""
    character_ids: Annotated[list[Id], msgspec.Meta(max_length=20)] = []


class RelationshipIn(Wire):
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=limits.SHORT_LABEL)]
    target: Annotated[str, msgspec.Meta(min_length=1, max_length=limits.SHORT_LABEL)]
    type: Label
    description: OptionalInsight = ""


class FrameIn(Wire):
    order: Annotated[int, msgspec.Meta(ge=1, le=1000, description="Position; renumbered 1..n.")]
    scene_description: FrameText = ""
    dialogue: FrameText = ""
    camera: Annotated[str, msgspec.Meta(max_length=limits.TITLE)] = ""
    visual_effects: Annotated[list[Label], msgspec.Meta(max_length=limits.VISUAL_EFFECTS)] = []
    image_url: Annotated[str, msgspec.Meta(max_length=limits.URL)] | None = None


class FrameOut(Wire):
    order: int
    scene_description: str
    dialogue: str
    camera: str
    visual_effects: list[str]
    image_url: str | None
    user_fields: list[str]


class StoryboardOut(Wire):
    id: str
    story_id: str
    work_id: str
    title: str
    frames: list[FrameOut]
    style_preference: JsonObject
    visual_suggestions: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


Frames = Annotated[list[FrameIn], msgspec.Meta(max_length=limits.FRAMES, description="At most 60.")]
Nodes = Annotated[list[StoryNodeIn], msgspec.Meta(min_length=1, max_length=limits.STORY_NODES)]
Relations = Annotated[list[RelationshipIn], msgspec.Meta(max_length=limits.STORY_RELATIONSHIPS)]
Traits = Annotated[list[TraitName], msgspec.Meta(max_length=limits.TRAITS_PER_SIDE)]


class CharacterAnalysisRequest(Wire):
    movie_id: Id
    character_id: Id
    dialogues: Annotated[
        list[LineText],
        msgspec.Meta(
            max_length=limits.DIALOGUES_PER_ANALYSIS, description="Lines; empty: the library's."
        ),
    ]
    user_context: JsonObject = {}


class CharacterAnalysisResponse(Wire):
    workflow_id: str
    analysis: AnalysisOut
    traits: list[TraitOut]
    status: str


class DialogueDiscussionRequest(Wire):
    character_id: Id
    dialogue: LineText
    user_insight: Insight
    session_id: SessionId


class DialogueDiscussionResponse(Wire):
    workflow_id: str
    ai_response: str
    insights: list[str]
    personality_tags: list[str]
    session_id: str
    status: str


class StoryReconstructRequest(Wire):
    movie_id: Id
    user_story_nodes: Nodes
    user_relations: Relations = []
    character_id: Id | None = None
    story_id: Id | None = None
    version: int | None = None


class OptimizedStory(Wire):
    nodes: list[JsonObject]
    relationships: list[JsonObject]


class StoryReconstructResponse(Wire):
    workflow_id: str
    story_id: str
    version: int
    optimized_story: OptimizedStory
    suggestions: list[str]
    logic_issues: list[str]
    enhanced_monologue: str
    status: str


class StoryboardCreateRequest(Wire):
    story_id: Id
    user_frames: Frames
    style_prefs: JsonObject = {}


class StoryboardCreateResponse(Wire):
    workflow_id: str
    storyboard: StoryboardOut
    visual_suggestions: list[str]
    status: str


class MonologueRequest(Wire):
    storyboard_id: Id
    character_id: Id
    frame_context: Annotated[list[JsonObject], msgspec.Meta(max_length=limits.FRAMES)]
    emotion_tone: OptionalLabel = ""


class VoiceConfigIn(Wire):
    voice: Annotated[str, msgspec.Meta(min_length=1, max_length=limits.SHORT_LABEL)] = "default"
    speed: Speed = 1.0
    pitch: Speed = 1.0


class VoiceSynthesisRequest(Wire):
    monologue_id: Id
    voice_config: VoiceConfigIn
    character: JsonObject = {}


class ComicGenerateRequest(Wire):
    storyboard_id: Id
    audio_id: Id
    style: Label = "manga"
    sync_config: JsonObject = {}


class DialogueAnalysisRequest(Wire):
    movie_id: Id
    character_id: Id
    dialogue: LineText
    user_insight: OptionalInsight = ""


class DialogueAnalysisResponse(Wire):
    success: bool
    analysis_id: str
    ai_analysis: str
    personality_tags: list[str]
    collaborative_insights: JsonObject


class CollaborativeTraitsRequest(Wire):
    character_id: Id
    user_traits: Traits
    ai_suggestions: Traits | None = None
    version: int | None = None


class MergedTraitOut(Wire):
    name: str
    provenance: str
    evidence: list[str]
    confidence: float | None


class ConflictOut(Wire):
    kept: str
    other: str
    resolution: str
    suggestion: str


class ConflictResolution(Wire):
    has_conflicts: bool
    conflicts: list[ConflictOut]


class CollaborativeTraitsResponse(Wire):
    success: bool
    merged_traits: list[MergedTraitOut]
    conflict_resolution: ConflictResolution
    version: int
    work_id: str


class ChatRequest(Wire):
    session_id: SessionId
    message: Message
    character_id: Id


class ChatResponse(Wire):
    success: bool
    session_id: str
    reply: str
    emotion: str | None


class ChatMessageOut(Wire):
    seq: int
    role: str
    content: str
    emotion: str | None
    created_at: datetime


class ChatSessionResponse(Wire):
    success: bool
    session_id: str
    character_id: str
    emotion: str | None
    messages: list[ChatMessageOut]


class CollaborativeReconstructRequest(Wire):
    movie_id: Id
    character_id: Id
    user_story_nodes: Nodes
    user_relationships: Relations = []
    user_monologue: MonologueText = ""
    story_id: Id | None = None
    version: int | None = None


class AiSuggestions(Wire):
    suggestions: list[str]
    logic_issues: list[str]


class CollaborativeReconstructResponse(Wire):
    success: bool
    story_id: str
    version: int
    ai_suggestions: AiSuggestions
    optimized_story: OptimizedStory
    enhanced_monologue: str


class AcceptedChange(Wire):
    order: Annotated[int, msgspec.Meta(ge=1, le=limits.FRAMES)]
    field: Annotated[
        str, msgspec.Meta(pattern="^(sceneDescription|dialogue|camera|visualEffects)$")
    ]


class CollaborativeStoryboardRequest(Wire):
    story_id: Id
    user_frames: Frames
    style_preference: JsonObject = {}
    custom_dialogue: Annotated[list[FrameText], msgspec.Meta(max_length=limits.FRAMES)] = []
    accepted_changes: Annotated[
        list[AcceptedChange], msgspec.Meta(max_length=4 * limits.FRAMES)
    ] = []
    title: Title = "我的分镜"


class VisualSuggestion(Wire):
    suggestion: str


class CollaborativeStoryboardResponse(Wire):
    success: bool
    enhanced_frames: list[FrameOut]
    visual_suggestions: list[VisualSuggestion]
    final_storyboard: StoryboardOut


class StoryboardEditRequest(Wire):
    version: Annotated[int, msgspec.Meta(ge=1, description="The version you read.")]
    title: Title | None = None
    frames: Frames | None = None


class StoryboardResponse(Wire):
    success: bool
    storyboard: StoryboardOut


class AudioSynthesizeRequest(Wire):
    monologue_id: Id
    voice_config: VoiceConfigIn
    speed_rate: Speed | None = None
    pitch_rate: Speed | None = None


class ComicRequest(Wire):
    storyboard_id: Id
    audio_id: Id
    style_config: JsonObject = {}
    sync_config: JsonObject = {}
