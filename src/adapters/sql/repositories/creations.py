"""What users make: works, stories and storyboards."""

from __future__ import annotations

import attrs
from sqlalchemy import delete, insert, select

from adapters.sql.mappers.creations import (
    story_from,
    story_row,
    storyboard_from,
    storyboard_row,
    work_from,
    work_row,
)
from adapters.sql.repositories._rows import get_owned, page_of, replace_owned, update_versioned
from adapters.sql.tables import stories, storyboards, user_works
from adapters.sql.transaction import Transaction
from npc_core.model import Page, PageRequest, Story, Storyboard, UserWork


class SqlWorkRepository:
    """A user's works, newest first."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, work_id: str, user_id: str) -> UserWork | None:
        """Return the user's work, or None."""
        return await get_owned(self._tx, user_works, work_id, user_id, work_from)

    async def list_for_user(self, user_id: str, page: PageRequest) -> Page[UserWork]:
        """Return a page of the user's works, newest first (equal times by id)."""
        where = [user_works.c.user_id == user_id]
        order = [user_works.c.created_at.desc(), user_works.c.id]
        return await page_of(self._tx, user_works, where, order, page, work_from)

    async def add(self, work: UserWork) -> None:
        """Add a work; `Conflict` when the id is taken."""
        await self._tx.write(insert(user_works).values(work_row(work)))

    async def update(self, work: UserWork) -> None:
        """Overwrite the user's work; `NotFound` when there is none."""
        await replace_owned(self._tx, user_works, "work", work_row(work))

    async def delete(self, work_id: str, user_id: str) -> bool:
        """Delete the user's work; whether there was one."""
        result = await self._tx.write(
            delete(user_works).where(user_works.c.id == work_id, user_works.c.user_id == user_id)
        )
        return result.rowcount > 0


class SqlStoryRepository:
    """Story reconstructions under optimistic locking."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, story_id: str, user_id: str) -> Story | None:
        """Return the user's story, or None."""
        return await get_owned(self._tx, stories, story_id, user_id, story_from)

    async def add(self, story: Story) -> None:
        """Add a story; `Conflict` when the id is taken."""
        await self._tx.write(insert(stories).values(story_row(story)))

    async def update(self, story: Story) -> Story:
        """Store a story read at `story.version`; return it with the version bumped."""
        await update_versioned(self._tx, stories, "story", story, story_row(story))
        return attrs.evolve(story, version=story.version + 1)


class SqlStoryboardRepository:
    """Storyboards (frames included) under optimistic locking."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def get(self, storyboard_id: str, user_id: str) -> Storyboard | None:
        """Return the user's storyboard, or None."""
        return await get_owned(self._tx, storyboards, storyboard_id, user_id, storyboard_from)

    async def for_work(self, work_id: str, user_id: str) -> Storyboard | None:
        """Return the user's newest storyboard of the work, or None."""
        found = await self._tx.read(
            select(storyboards)
            .where(storyboards.c.user_id == user_id, storyboards.c.work_id == work_id)
            .order_by(storyboards.c.created_at.desc(), storyboards.c.id.desc())
            .limit(1)
        )
        row = found.mappings().first()
        return None if row is None else storyboard_from(row)

    async def add(self, storyboard: Storyboard) -> None:
        """Add a storyboard; `Conflict` when the id is taken."""
        await self._tx.write(insert(storyboards).values(storyboard_row(storyboard)))

    async def update(self, storyboard: Storyboard) -> Storyboard:
        """Store a storyboard read at `storyboard.version`; return it with the version bumped."""
        await update_versioned(
            self._tx, storyboards, "storyboard", storyboard, storyboard_row(storyboard)
        )
        return attrs.evolve(storyboard, version=storyboard.version + 1)
