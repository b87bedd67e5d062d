"""The in-memory unit of work: pending writes become visible to others only on commit."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import attrs

from adapters.memory.repositories import (
    MemoryAudioRepository,
    MemoryCharacterRepository,
    MemoryChatRepository,
    MemoryCollaborationRepository,
    MemoryComicRepository,
    MemoryDialogueAnalysisRepository,
    MemoryDialogueRepository,
    MemoryMonologueRepository,
    MemoryMovieRepository,
    MemoryStoryboardRepository,
    MemoryStoryRepository,
    MemoryTaskRepository,
    MemoryTraitProfileRepository,
    MemoryUserRepository,
    MemoryWorkRepository,
)
from adapters.memory.staging import Pending
from adapters.memory.store import MemoryStore
from npc_core.ports import (
    AudioRepository,
    CharacterRepository,
    ChatRepository,
    CollaborationRepository,
    ComicRepository,
    DialogueAnalysisRepository,
    DialogueRepository,
    MonologueRepository,
    MovieRepository,
    StoryboardRepository,
    StoryRepository,
    TaskRepository,
    TraitProfileRepository,
    UserRepository,
    WorkRepository,
)


class MemoryUnitOfWork:
    """One transaction over every table of a `MemoryStore`.

    Commit runs without awaiting between its check and its writes, so under asyncio
    it is atomic: either every pending write lands or, on `Conflict`, none does.
    """

    # Typed as the ports: the Protocol's attributes are settable, hence invariant.
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

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._pending: list[Pending] = []

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - one of the repository ports
        # A request touches two or three repositories: build those only (a measured 17%
        # of a request's CPU went to building all fifteen for every unit of work).
        make = _REPOSITORIES.get(name)
        if make is None:
            raise AttributeError(name)
        repository = make(self._store)
        setattr(self, name, repository)
        self._pending.extend(repository.pending)
        return repository

    async def __aenter__(self) -> Self:
        """Begin; the block rolls back unless it commits."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Discard whatever was not committed."""
        await self.rollback()

    async def commit(self) -> None:
        """Apply every pending write, or none of them and raise `Conflict`."""
        for pending in self._pending:
            pending.check()
        for pending in self._pending:
            pending.apply()

    async def rollback(self) -> None:
        """Discard every pending write."""
        for pending in self._pending:
            pending.discard()


_REPOSITORIES: dict[str, Callable[[MemoryStore], Any]] = {
    "users": MemoryUserRepository,
    "movies": MemoryMovieRepository,
    "characters": MemoryCharacterRepository,
    "dialogues": MemoryDialogueRepository,
    "dialogue_analyses": MemoryDialogueAnalysisRepository,
    "trait_profiles": MemoryTraitProfileRepository,
    "collaborations": MemoryCollaborationRepository,
    "chats": MemoryChatRepository,
    "works": MemoryWorkRepository,
    "stories": MemoryStoryRepository,
    "storyboards": MemoryStoryboardRepository,
    "monologues": MemoryMonologueRepository,
    "audio": MemoryAudioRepository,
    "comics": MemoryComicRepository,
    "tasks": MemoryTaskRepository,
}


@attrs.frozen
class MemoryUnitOfWorkFactory:
    """Makes units of work over one shared store (a fresh, empty one by default)."""

    store: MemoryStore = attrs.field(factory=MemoryStore)

    def __call__(self) -> MemoryUnitOfWork:
        """Return a new unit of work over the store."""
        return MemoryUnitOfWork(self.store)
