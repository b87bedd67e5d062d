"""The profile's list of works: analyses, storyboards and audio comics."""

from __future__ import annotations

import attrs

from npc_core.errors import NotFound
from npc_core.model import Comic, Page, PageRequest, Storyboard, UserWork, WorkType
from npc_core.services.deps import Deps


async def list_works(deps: Deps, user_id: str, page: PageRequest) -> Page[UserWork]:
    """The user's works, newest first."""
    async with deps.uow() as uow:
        return await uow.works.list_for_user(user_id, page)


@attrs.frozen
class WorkDetail:
    work: UserWork
    storyboard: Storyboard | None = None
    comic: Comic | None = None


async def get_work(deps: Deps, user_id: str, work_id: str) -> WorkDetail:
    """A work with what it holds: its storyboard or its comic."""
    async with deps.uow() as uow:
        work = await uow.works.get(work_id, user_id)
        if work is None:
            raise NotFound("work", work_id)
        if work.work_type is WorkType.STORYBOARD:
            return WorkDetail(work, storyboard=await uow.storyboards.for_work(work_id, user_id))
        if work.work_type is WorkType.COMIC:
            return WorkDetail(work, comic=await uow.comics.for_work(work_id, user_id))
    return WorkDetail(work)


async def delete_work(deps: Deps, user_id: str, work_id: str) -> None:
    """Delete one of the user's works; a comic's share link stops working with it."""
    async with deps.uow() as uow:
        if not await uow.works.delete(work_id, user_id):
            raise NotFound("work", work_id)
        await uow.commit()
