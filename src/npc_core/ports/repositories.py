"""Repositories and the unit of work that holds them.

A unit of work is an async context manager: what its repositories write becomes
visible to others only on `commit()`; leaving the block without committing rolls back.
User-owned aggregates are looked up by (id, owner): another user's id finds nothing.
Aggregates with a `version` are written with `update`, which raises `Conflict` when
the stored version is not the one the caller read (`NotFound` when there is no such
row of that owner), and returns the entity with its version bumped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from types import TracebackType
from typing import Protocol, Self

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
    Page,
    PageRequest,
    Story,
    Storyboard,
    Task,
    TaskStatus,
    TraitProfile,
    User,
    UserWork,
)


class UserRepository(Protocol):
    async def get(self, user_id: str) -> User | None: ...
    async def get_by_openid(self, openid: str) -> User | None: ...
    async def add(self, user: User) -> None: ...
    async def update(self, user: User) -> None:
        """Store nickname, avatar and membership; never the usage count (see record_usage)."""

    async def record_usage(self, user_id: str, count: int = 1) -> None:
        """Add to the user's count of successful AI actions (atomic in the store)."""


class MovieRepository(Protocol):
    async def get(self, movie_id: str) -> Movie | None: ...
    async def search(self, keyword: str, page: PageRequest) -> Page[Movie]:
        """Films matching `keyword`, ranked as `npc_core.model.library.match_rank` says."""

    async def recommended(self, page: PageRequest) -> Page[Movie]: ...
    async def add(self, movie: Movie) -> None: ...


class CharacterRepository(Protocol):
    async def get(self, character_id: str) -> Character | None: ...
    async def list_for_movie(self, movie_id: str) -> Sequence[Character]:
        """The film's characters, most important first."""

    async def add(self, character: Character) -> None: ...


class DialogueRepository(Protocol):
    async def for_movie(
        self, movie_id: str, page: PageRequest, character_id: str | None = None
    ) -> Page[DialogueLine]:
        """The film's lines in film order, optionally one character's only."""

    async def for_character(self, character_id: str, limit: int) -> Sequence[DialogueLine]:
        """The character's first `limit` lines in film order."""

    async def add_many(self, lines: Sequence[DialogueLine]) -> None: ...


class DialogueAnalysisRepository(Protocol):
    async def add(self, analysis: DialogueAnalysis) -> None: ...
    async def for_character(
        self, user_id: str, character_id: str
    ) -> Sequence[DialogueAnalysis]: ...


class TraitProfileRepository(Protocol):
    async def get(self, user_id: str, character_id: str) -> TraitProfile | None: ...
    async def add(self, profile: TraitProfile) -> None: ...
    async def update(self, profile: TraitProfile) -> TraitProfile: ...


class CollaborationRepository(Protocol):
    async def get(self, session_id: str, user_id: str) -> CollaborativeSession | None: ...
    async def exists(self, session_id: str) -> bool:
        """Whether any user has a session with this id (ids are global)."""

    async def add(self, session: CollaborativeSession) -> None: ...
    async def save(
        self, session: CollaborativeSession, entries: Sequence[CollaborationLogEntry]
    ) -> None:
        """Store the session and append its new log entries."""

    async def log(self, session_id: str) -> Sequence[CollaborationLogEntry]:
        """The session's entries in order."""


class ChatRepository(Protocol):
    async def get(self, session_id: str, user_id: str) -> ChatSession | None: ...
    async def exists(self, session_id: str) -> bool: ...
    async def add(self, session: ChatSession) -> None: ...
    async def save(self, session: ChatSession, messages: Sequence[ChatMessage]) -> None:
        """Store the session and append its new messages."""

    async def messages(self, session_id: str, limit: int | None = None) -> Sequence[ChatMessage]:
        """The session's messages in order; the last `limit` ones when given."""


class WorkRepository(Protocol):
    async def get(self, work_id: str, user_id: str) -> UserWork | None: ...
    async def list_for_user(self, user_id: str, page: PageRequest) -> Page[UserWork]:
        """The user's works, newest first."""

    async def add(self, work: UserWork) -> None: ...
    async def update(self, work: UserWork) -> None: ...
    async def delete(self, work_id: str, user_id: str) -> bool: ...


class StoryRepository(Protocol):
    async def get(self, story_id: str, user_id: str) -> Story | None: ...
    async def add(self, story: Story) -> None: ...
    async def update(self, story: Story) -> Story: ...


class StoryboardRepository(Protocol):
    async def get(self, storyboard_id: str, user_id: str) -> Storyboard | None: ...
    async def for_work(self, work_id: str, user_id: str) -> Storyboard | None: ...
    async def add(self, storyboard: Storyboard) -> None: ...
    async def update(self, storyboard: Storyboard) -> Storyboard: ...


class MonologueRepository(Protocol):
    async def get(self, monologue_id: str, user_id: str) -> Monologue | None: ...
    async def add(self, monologue: Monologue) -> None: ...


class AudioRepository(Protocol):
    async def get(self, audio_id: str, user_id: str) -> AudioFile | None: ...
    async def add(self, audio: AudioFile) -> None: ...


class ComicRepository(Protocol):
    async def get(self, comic_id: str, user_id: str) -> Comic | None: ...
    async def for_work(self, work_id: str, user_id: str) -> Comic | None: ...
    async def by_share_token(self, token: str) -> Comic | None: ...
    async def add(self, comic: Comic) -> None: ...
    async def count_view(self, comic_id: str) -> None: ...


class TaskRepository(Protocol):
    async def get(self, task_id: str) -> Task | None:
        """Any task by id: for the worker, which acts for every user."""

    async def get_owned(self, task_id: str, user_id: str) -> Task | None: ...
    async def add(self, task: Task) -> None: ...
    async def save(self, task: Task) -> None: ...
    async def with_status(self, status: TaskStatus, limit: int) -> Sequence[Task]:
        """Oldest first: what a reconciler re-enqueues."""


class UnitOfWork(Protocol):
    """One transaction over every repository."""

    users: UserRepository
    movies: MovieRepository
    characters: CharacterRepository
    dialogues: DialogueRepository
    dialogue_analyses: DialogueAnalysisRepository
    trait_profiles: TraitProfileRepository
    collaborations: CollaborationRepository
    chats: ChatRepository
    works: WorkRepository
    stories: StoryRepository
    storyboards: StoryboardRepository
    monologues: MonologueRepository
    audio: AudioRepository
    comics: ComicRepository
    tasks: TaskRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class QuotaLedger(Protocol):
    """Atomic per-user, per-day counters of reserved AI actions, shared by all processes."""

    async def try_reserve(self, user_id: str, day: date, limit: int) -> bool:
        """Take one action of today's quota if fewer than `limit` are taken."""

    async def release(self, user_id: str, day: date) -> None:
        """Give back one action (the AI call failed)."""

    async def used(self, user_id: str, day: date) -> int: ...
