"""What users make: works, stories, storyboards, monologues, audio and comics."""

from __future__ import annotations

import attrs

from adapters.memory.repositories._owned import get_owned, replace_owned, update_versioned
from adapters.memory.staging import Pending, StagedTable
from adapters.memory.store import MemoryStore
from npc_core.model import (
    AudioFile,
    Comic,
    Monologue,
    Page,
    PageRequest,
    Story,
    Storyboard,
    UserWork,
)


class MemoryWorkRepository:
    """A user's works, newest first."""

    def __init__(self, store: MemoryStore) -> None:
        self._works = StagedTable("work", store.works, copies=True)
        self.pending: tuple[Pending, ...] = (self._works,)

    async def get(self, work_id: str, user_id: str) -> UserWork | None:
        """Return the user's work, or None."""
        return get_owned(self._works, work_id, user_id)

    async def list_for_user(self, user_id: str, page: PageRequest) -> Page[UserWork]:
        """Return a page of the user's works, newest first."""
        found = sorted(self._works.rows(lambda w: w.user_id == user_id), key=lambda w: w.id)
        found.sort(key=lambda w: w.created_at, reverse=True)  # stable: equal times stay by id
        return Page.of(found, page)

    async def add(self, work: UserWork) -> None:
        """Add a work; `Conflict` when the id is taken."""
        self._works.insert(work.id, work)

    async def update(self, work: UserWork) -> None:
        """Overwrite the user's work; `NotFound` when there is none."""
        replace_owned(self._works, work)

    async def delete(self, work_id: str, user_id: str) -> bool:
        """Delete the user's work; whether there was one."""
        return get_owned(self._works, work_id, user_id) is not None and self._works.delete(work_id)


def _story_version(story: Story) -> int:
    return story.version


class MemoryStoryRepository:
    """Story reconstructions under optimistic locking."""

    def __init__(self, store: MemoryStore) -> None:
        self._stories = StagedTable("story", store.stories, version=_story_version)
        self.pending: tuple[Pending, ...] = (self._stories,)

    async def get(self, story_id: str, user_id: str) -> Story | None:
        """Return the user's story, or None."""
        return get_owned(self._stories, story_id, user_id)

    async def add(self, story: Story) -> None:
        """Add a story; `Conflict` when the id is taken."""
        self._stories.insert(story.id, story)

    async def update(self, story: Story) -> Story:
        """Store a story read at `story.version`; return it with the version bumped."""
        return update_versioned(
            self._stories, story, attrs.evolve(story, version=story.version + 1)
        )


def _storyboard_version(storyboard: Storyboard) -> int:
    return storyboard.version


class MemoryStoryboardRepository:
    """Storyboards under optimistic locking."""

    def __init__(self, store: MemoryStore) -> None:
        self._boards = StagedTable(
            "storyboard", store.storyboards, version=_storyboard_version, copies=True
        )
        self.pending: tuple[Pending, ...] = (self._boards,)

    async def get(self, storyboard_id: str, user_id: str) -> Storyboard | None:
        """Return the user's storyboard, or None."""
        return get_owned(self._boards, storyboard_id, user_id)

    async def for_work(self, work_id: str, user_id: str) -> Storyboard | None:
        """Return the user's newest storyboard of the work, or None."""
        found = self._boards.rows(lambda b: b.work_id == work_id and b.user_id == user_id)
        return max(found, key=lambda b: (b.created_at, b.id), default=None)

    async def add(self, storyboard: Storyboard) -> None:
        """Add a storyboard; `Conflict` when the id is taken."""
        self._boards.insert(storyboard.id, storyboard)

    async def update(self, storyboard: Storyboard) -> Storyboard:
        """Store a storyboard read at `storyboard.version`; return it with the version bumped."""
        bumped = attrs.evolve(storyboard, version=storyboard.version + 1)
        return update_versioned(self._boards, storyboard, bumped)


class MemoryMonologueRepository:
    """Generated monologues."""

    def __init__(self, store: MemoryStore) -> None:
        self._monologues = StagedTable("monologue", store.monologues)
        self.pending: tuple[Pending, ...] = (self._monologues,)

    async def get(self, monologue_id: str, user_id: str) -> Monologue | None:
        """Return the user's monologue, or None."""
        return get_owned(self._monologues, monologue_id, user_id)

    async def add(self, monologue: Monologue) -> None:
        """Add a monologue; `Conflict` when the id is taken."""
        self._monologues.insert(monologue.id, monologue)


class MemoryAudioRepository:
    """Synthesized audio files (the bytes live in object storage)."""

    def __init__(self, store: MemoryStore) -> None:
        self._audio = StagedTable("audio", store.audio)
        self.pending: tuple[Pending, ...] = (self._audio,)

    async def get(self, audio_id: str, user_id: str) -> AudioFile | None:
        """Return the user's audio file, or None."""
        return get_owned(self._audio, audio_id, user_id)

    async def add(self, audio: AudioFile) -> None:
        """Add an audio file; `Conflict` when the id is taken."""
        self._audio.insert(audio.id, audio)


def _count_views(comic: Comic, views: int) -> Comic:
    return attrs.evolve(comic, view_count=comic.view_count + views)


def _share_token(comic: Comic) -> str:
    return comic.share_token


class MemoryComicRepository:
    """Audio comics, found by owner or by share token; views count as deltas."""

    def __init__(self, store: MemoryStore) -> None:
        self._comics = StagedTable(
            "comic", store.comics, unique=(_share_token,), counter=_count_views, copies=True
        )
        self.pending: tuple[Pending, ...] = (self._comics,)

    async def get(self, comic_id: str, user_id: str) -> Comic | None:
        """Return the user's comic, or None."""
        return get_owned(self._comics, comic_id, user_id)

    async def for_work(self, work_id: str, user_id: str) -> Comic | None:
        """Return the user's newest comic of the work, or None."""
        found = self._comics.rows(lambda c: c.work_id == work_id and c.user_id == user_id)
        return max(found, key=lambda c: (c.created_at, c.id), default=None)

    async def by_share_token(self, token: str) -> Comic | None:
        """Return the comic shared under `token`, whoever owns it, or None."""
        found = self._comics.rows(lambda c: c.share_token == token)
        return found[0] if found else None

    async def add(self, comic: Comic) -> None:
        """Add a comic; `Conflict` when the id or the share token is taken."""
        self._comics.insert(comic.id, comic)

    async def count_view(self, comic_id: str) -> None:
        """Count one view, added to the latest value on commit."""
        self._comics.bump(comic_id, 1)
