"""The domain model: attrs entities and the pure rules of the creation flow."""

from npc_core.model.analysis import CharacterAnalysis, DialogueAnalysis
from npc_core.model.antonyms import AntonymLexicon, default_lexicon
from npc_core.model.audio import AudioFile, VoiceConfig, audio_key
from npc_core.model.audio_measure import AudioInfo, format_for_content_type, measure_audio
from npc_core.model.chat import ChatMessage, ChatSession, Role, recent_history
from npc_core.model.collaboration import (
    CollaborationLogEntry,
    CollaborativeSession,
    Contributor,
    SessionType,
)
from npc_core.model.comic import (
    Comic,
    TimelineSpan,
    build_timeline,
    check_timeline,
    panel_at,
    panel_key,
    timeline_for_monologue,
)
from npc_core.model.json import JsonObject, JsonValue
from npc_core.model.library import (
    Character,
    DialogueLine,
    Movie,
    fold,
    importance_for,
    match_rank,
    recommendation_key,
    search_key,
)
from npc_core.model.monologue import (
    EmotionMarker,
    Monologue,
    TimedSegment,
    TimingInfo,
    build_timing,
    check_markers,
    estimate_seconds,
    tidy_markers,
)
from npc_core.model.paging import Page, PageRequest
from npc_core.model.story import Relationship, Story, StoryNode, validate_graph
from npc_core.model.storyboard import (
    Frame,
    Storyboard,
    check_frames,
    from_user,
    merge_enhanced,
    renumber,
)
from npc_core.model.tasks import Task, TaskStatus, TaskType
from npc_core.model.trait_profile import TraitProfile
from npc_core.model.traits import (
    Provenance,
    Resolution,
    Trait,
    TraitConflict,
    TraitMerge,
    TraitSuggestion,
    as_suggestions,
    merge_traits,
)
from npc_core.model.users import (
    SHANGHAI,
    Membership,
    QuotaPolicy,
    UsageToday,
    User,
    next_quota_reset,
    quota_day,
)
from npc_core.model.works import UserWork, WorkType

__all__ = [
    "SHANGHAI",
    "AntonymLexicon",
    "AudioFile",
    "AudioInfo",
    "Character",
    "CharacterAnalysis",
    "ChatMessage",
    "ChatSession",
    "CollaborationLogEntry",
    "CollaborativeSession",
    "Comic",
    "Contributor",
    "DialogueAnalysis",
    "DialogueLine",
    "EmotionMarker",
    "Frame",
    "JsonObject",
    "JsonValue",
    "Membership",
    "Monologue",
    "Movie",
    "Page",
    "PageRequest",
    "Provenance",
    "QuotaPolicy",
    "Relationship",
    "Resolution",
    "Role",
    "SessionType",
    "Story",
    "StoryNode",
    "Storyboard",
    "Task",
    "TaskStatus",
    "TaskType",
    "TimedSegment",
    "TimelineSpan",
    "TimingInfo",
    "Trait",
    "TraitConflict",
    "TraitMerge",
    "TraitProfile",
    "TraitSuggestion",
    "UsageToday",
    "User",
    "UserWork",
    "VoiceConfig",
    "WorkType",
    "as_suggestions",
    "audio_key",
    "build_timeline",
    "build_timing",
    "check_frames",
    "check_markers",
    "check_timeline",
    "default_lexicon",
    "estimate_seconds",
    "fold",
    "format_for_content_type",
    "from_user",
    "importance_for",
    "match_rank",
    "measure_audio",
    "merge_enhanced",
    "merge_traits",
    "next_quota_reset",
    "panel_at",
    "panel_key",
    "quota_day",
    "recent_history",
    "recommendation_key",
    "renumber",
    "search_key",
    "tidy_markers",
    "timeline_for_monologue",
    "validate_graph",
]
