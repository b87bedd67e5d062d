"""The in-memory unit of work: pending writes become visible to others only on commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

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

    def __init__(self, store: MemoryStore) -> None:
        users = MemoryUserRepository(store)
        movies = MemoryMovieRepository(store)
        characters = MemoryCharacterRepository(store)
        dialogues = MemoryDialogueRepository(store)
        dialogue_analyses = MemoryDialogueAnalysisRepository(store)
        trait_profiles = MemoryTraitProfileRepository(store)
        collaborations = MemoryCollaborationRepository(store)
        chats = MemoryChatRepository(store)
        works = MemoryWorkRepository(store)
        stories = MemoryStoryRepository(store)
        storyboards = MemoryStoryboardRepository(store)
        monologues = MemoryMonologueRepository(store)
        audio = MemoryAudioRepository(store)
        comics = MemoryComicRepository(store)
        tasks = MemoryTaskRepository(store)
        repositories = (
            users, movies, characters, dialogues, dialogue_analyses, trait_profiles,
            collaborations, chats, works, stories, storyboards, monologues, audio, comics, tasks,
        )  # fmt: skip
        self._pending: tuple[Pending, ...] = tuple(p for r in repositories for p in r.pending)
        # Typed as the ports: the Protocol's attributes are settable, hence invariant.
        self.users: UserRepository = users
        self.movies: MovieRepository = movies
        self.characters: CharacterRepository = characters
        self.dialogues: DialogueRepository = dialogues
        self.dialogue_analyses: DialogueAnalysisRepository = dialogue_analyses
        self.trait_profiles: TraitProfileRepository = trait_profiles
        self.collaborations: CollaborationRepository = collaborations
        self.chats: ChatRepository = chats
        self.works: WorkRepository = works
        self.stories: StoryRepository = stories
        self.storyboards: StoryboardRepository = storyboards
        self.monologues: MonologueRepository = monologues
        self.audio: AudioRepository = audio
        self.comics: ComicRepository = comics
        self.tasks: TaskRepository = tasks

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


@attrs.frozen
class MemoryUnitOfWorkFactory:
    """Makes units of work over one shared store (a fresh, empty one by default)."""

    store: MemoryStore = attrs.field(factory=MemoryStore)

    def __call__(self) -> MemoryUnitOfWork:
        """Return a new unit of work over the store."""
        return MemoryUnitOfWork(self.store)
