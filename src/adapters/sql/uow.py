"""The SQL unit of work: one connection and one transaction over every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import attrs
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.repositories import (
    SqlAudioRepository,
    SqlCharacterRepository,
    SqlChatRepository,
    SqlCollaborationRepository,
    SqlComicRepository,
    SqlDialogueAnalysisRepository,
    SqlDialogueRepository,
    SqlMonologueRepository,
    SqlMovieRepository,
    SqlStoryboardRepository,
    SqlStoryRepository,
    SqlTaskRepository,
    SqlTraitProfileRepository,
    SqlUserRepository,
    SqlWorkRepository,
)
from adapters.sql.transaction import Transaction
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


class SqlUnitOfWork:
    """A transaction opened on enter and rolled back on exit unless `commit()` ran.

    Statements run as the repositories are called, so a duplicate id is a `Conflict`
    at `add` already, and every read sees the unit's own writes.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._tx = Transaction(engine)
        # Typed as the ports: the Protocol's attributes are settable, hence invariant.
        self.users: UserRepository = SqlUserRepository(self._tx)
        self.movies: MovieRepository = SqlMovieRepository(self._tx)
        self.characters: CharacterRepository = SqlCharacterRepository(self._tx)
        self.dialogues: DialogueRepository = SqlDialogueRepository(self._tx)
        self.dialogue_analyses: DialogueAnalysisRepository = SqlDialogueAnalysisRepository(self._tx)
        self.trait_profiles: TraitProfileRepository = SqlTraitProfileRepository(self._tx)
        self.collaborations: CollaborationRepository = SqlCollaborationRepository(self._tx)
        self.chats: ChatRepository = SqlChatRepository(self._tx)
        self.works: WorkRepository = SqlWorkRepository(self._tx)
        self.stories: StoryRepository = SqlStoryRepository(self._tx)
        self.storyboards: StoryboardRepository = SqlStoryboardRepository(self._tx)
        self.monologues: MonologueRepository = SqlMonologueRepository(self._tx)
        self.audio: AudioRepository = SqlAudioRepository(self._tx)
        self.comics: ComicRepository = SqlComicRepository(self._tx)
        self.tasks: TaskRepository = SqlTaskRepository(self._tx)

    async def __aenter__(self) -> Self:
        """Take a connection and begin."""
        await self._tx.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back what was not committed and return the connection to the pool."""
        await self._tx.close()

    async def commit(self) -> None:
        """Make every write of this unit visible to others."""
        await self._tx.commit()

    async def rollback(self) -> None:
        """Discard every write since the last commit."""
        await self._tx.rollback()


@attrs.frozen
class SqlUnitOfWorkFactory:
    """Makes units of work over one engine."""

    engine: AsyncEngine

    def __call__(self) -> SqlUnitOfWork:
        """Return a new unit of work (it connects on enter)."""
        return SqlUnitOfWork(self.engine)
