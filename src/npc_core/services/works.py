"""The profile's list of works: analyses, storyboards and audio comics."""

from __future__ import annotations

import attrs

from npc_core.errors import NotFound
from npc_core.model import Comic, Page, PageRequest, Storyboard, UserWork, WorkType, limits
from npc_core.ports import UnitOfWork
from npc_core.services.deps import Deps
from npc_core.services.files import delete_files


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
    """Delete one of the user's works and the files only it uses.

    A comic takes its panels with it, and its recording unless another of the user's
    comics still plays it; its share link and `get_comic` then find nothing. The files
    go first: when the storage fails, `StorageUnavailable` leaves the work (and its
    link) in place for the client to delete again, and deleting a file already gone is
    no error, so no file outlives its work unnoticed.
    """
    async with deps.uow() as uow:
        work = await uow.works.get(work_id, user_id)
        if work is None:
            raise NotFound("work", work_id)
        keys = await _files_of(uow, work)
    await delete_files(deps, keys)
    async with deps.uow() as uow:
        if not await uow.works.delete(work_id, user_id):
            raise NotFound("work", work_id)  # a concurrent delete got there first
        await uow.commit()


async def _files_of(uow: UnitOfWork, work: UserWork) -> list[str]:
    """The storage keys that belong to the work alone (only comics hold files)."""
    if work.work_type is not WorkType.COMIC:
        return []
    comic = await uow.comics.for_work(work.id, work.user_id)
    if comic is None:
        return []
    keys = list(comic.panel_keys)
    audio = await uow.audio.get(comic.audio_id, work.user_id)
    if audio is not None and not await _plays_elsewhere(uow, comic):
        keys.append(audio.storage_key)
    return keys


async def _plays_elsewhere(uow: UnitOfWork, comic: Comic) -> bool:
    """Whether another of the user's comics plays this comic's recording.

    Rendering a comic again (another style) reuses the recording, and recordings are
    never shared between users, so only this user's comic works are walked: a query per
    comic, paid on deletes only.
    """
    number = 1
    while True:
        page = await uow.works.list_for_user(
            comic.user_id, PageRequest(number, limits.PAGE_SIZE_MAX)
        )
        for work in page.items:
            if work.work_type is WorkType.COMIC and work.id != comic.work_id:
                other = await uow.comics.for_work(work.id, comic.user_id)
                if other is not None and other.audio_id == comic.audio_id:
                    return True
        if not page.has_more:
            return False
        number += 1
