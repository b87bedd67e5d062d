"""The in-memory database: committed rows of every table."""

from __future__ import annotations

import attrs

from npc_core.model import (
    AudioFile,
    Character,
    ChatMessage,
    ChatSession,
    CollaborationLogEntry,
    CollaborativeSession,
    Comic,
    DialogueAnalysis,
    DialogueLine,
    Monologue,
    Movie,
    Story,
    Storyboard,
    Task,
    TraitProfile,
    User,
    UserWork,
)


@attrs.define(eq=False)
class MemoryStore:
    """Every table's committed rows, shared by all units of work made from this store.

    Units of work read these dicts directly and write them only on commit.
    Child rows that grow without bound (log entries, messages) are keyed by
    (session id, seq), so two writers appending the same seq collide. Rows are
    left out of the repr: printing every row helps nobody.
    """

    users: dict[str, User] = attrs.field(factory=dict, repr=False)
    movies: dict[str, Movie] = attrs.field(factory=dict, repr=False)
    characters: dict[str, Character] = attrs.field(factory=dict, repr=False)
    dialogues: dict[str, DialogueLine] = attrs.field(factory=dict, repr=False)
    dialogue_analyses: dict[str, DialogueAnalysis] = attrs.field(factory=dict, repr=False)
    trait_profiles: dict[str, TraitProfile] = attrs.field(factory=dict, repr=False)
    collaborations: dict[str, CollaborativeSession] = attrs.field(factory=dict, repr=False)
    collaboration_log: dict[tuple[str, int], CollaborationLogEntry] = attrs.field(
        factory=dict, repr=False
    )
    chats: dict[str, ChatSession] = attrs.field(factory=dict, repr=False)
    chat_messages: dict[tuple[str, int], ChatMessage] = attrs.field(factory=dict, repr=False)
    works: dict[str, UserWork] = attrs.field(factory=dict, repr=False)
    stories: dict[str, Story] = attrs.field(factory=dict, repr=False)
    storyboards: dict[str, Storyboard] = attrs.field(factory=dict, repr=False)
    monologues: dict[str, Monologue] = attrs.field(factory=dict, repr=False)
    audio: dict[str, AudioFile] = attrs.field(factory=dict, repr=False)
    comics: dict[str, Comic] = attrs.field(factory=dict, repr=False)
    tasks: dict[str, Task] = attrs.field(factory=dict, repr=False)
