"""Deleting a comic work: its files go with it, and its share link stops answering."""

from __future__ import annotations

import errno

import attrs
import pytest

from adapters.memory import MemoryObjectStorage
from npc_core.errors import NotFound, StorageUnavailable
from npc_core.model import WorkType
from npc_core.services import (
    StartComic,
    delete_work,
    get_comic,
    get_work,
    open_shared_comic,
    start_comic,
)
from tests.unit.services import flow
from tests.unit.services.world import World, make_world


@attrs.frozen
class Made:
    user_id: str
    board: str
    audio_id: str
    audio_key: str


@attrs.frozen
class MadeComic:
    comic_id: str
    work_id: str
    token: str
    panel_keys: tuple[str, ...]


async def _voiced(world: World, code: str = "alice") -> Made:
    user = await world.user(code)
    board = await flow.storyboard(world, user.id, frames=3)
    monologue_id = flow.field(await flow.monologue(world, user.id, board), "monologueId")
    audio_id = flow.field(await flow.voice(world, user.id, monologue_id), "audioId")
    return Made(user.id, board, audio_id, world.store.audio[audio_id].storage_key)


async def _comic(world: World, made: Made) -> MadeComic:
    task = await flow.comic(world, made.user_id, made.board, made.audio_id)
    view = await get_comic(world.deps, made.user_id, flow.field(task, "comicId"))
    return MadeComic(
        view.comic.id, view.comic.work_id, view.comic.share_token, view.comic.panel_keys
    )


async def test_deleting_a_comic_deletes_its_panels_and_recording_and_its_link() -> None:
    """Panels and recording leave storage; link, comic and work are NotFound; the audio too.

    The recording's row stays, but a new comic of it is refused: it would be silent.
    """
    world = await make_world()
    made = await _voiced(world)
    comic = await _comic(world, made)
    assert world.storage.keys() == sorted([made.audio_key, *comic.panel_keys])
    await delete_work(world.deps, made.user_id, comic.work_id)
    assert world.storage.keys() == []
    with pytest.raises(NotFound):
        await open_shared_comic(world.deps, comic.token)
    with pytest.raises(NotFound):
        await get_comic(world.deps, made.user_id, comic.comic_id)
    with pytest.raises(NotFound):
        await get_work(world.deps, made.user_id, comic.work_id)
    with pytest.raises(NotFound, match="audio"):
        await start_comic(world.deps, StartComic(made.user_id, made.board, made.audio_id))


async def test_a_recording_another_comic_plays_stays_until_the_last_one_goes() -> None:
    """Two comics of one recording: deleting one keeps the recording for the other."""
    world = await make_world(free_daily=10)
    made = await _voiced(world)
    first, second = await _comic(world, made), await _comic(world, made)
    await delete_work(world.deps, made.user_id, first.work_id)
    assert world.storage.keys() == sorted([made.audio_key, *second.panel_keys])
    still = await open_shared_comic(world.deps, second.token)
    assert still.comic.id == second.comic_id
    await delete_work(world.deps, made.user_id, second.work_id)
    assert world.storage.keys() == []


async def test_deleting_a_storyboard_work_leaves_the_comic_made_from_it() -> None:
    """Only comic works hold files: deleting the storyboard's work touches none."""
    world = await make_world()
    made = await _voiced(world)
    comic = await _comic(world, made)
    board_work = next(
        w.id for w in world.store.works.values() if w.work_type is WorkType.STORYBOARD
    )
    await delete_work(world.deps, made.user_id, board_work)
    assert world.storage.keys() == sorted([made.audio_key, *comic.panel_keys])
    assert (await open_shared_comic(world.deps, comic.token)).comic.id == comic.comic_id


async def test_another_users_delete_is_not_found_and_deletes_nothing() -> None:
    """Bob cannot delete Alice's comic, nor any of its files, by its work id."""
    world = await make_world()
    made = await _voiced(world)
    comic = await _comic(world, made)
    bob = await world.user("bob")
    with pytest.raises(NotFound):
        await delete_work(world.deps, bob.id, comic.work_id)
    assert world.storage.keys() == sorted([made.audio_key, *comic.panel_keys])


class DeletesFail(MemoryObjectStorage):
    """Memory storage whose deletes fail after `allowed` of them, while `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.allowed = 0

    async def delete(self, key: str) -> None:
        """Delete, unless the storage is down and its allowance is spent."""
        if self.down and self.allowed <= 0:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        self.allowed -= 1
        await super().delete(key)


async def test_a_storage_outage_keeps_the_work_for_another_delete() -> None:
    """Deletes fail half-way: StorageUnavailable, the work stays; a later delete finishes.

    The files go before the row, so a failed delete never leaves files nobody can
    reach again: the client repeats the delete, and files already gone are no error.
    """
    storage = DeletesFail()
    world = await make_world()
    world.storage = storage
    world.deps = attrs.evolve(world.deps, storage=storage)
    made = await _voiced(world)
    comic = await _comic(world, made)
    storage.down, storage.allowed = True, 1
    with pytest.raises(StorageUnavailable, match=r"^storage unavailable: delete 'comics/"):
        await delete_work(world.deps, made.user_id, comic.work_id)
    assert (await get_work(world.deps, made.user_id, comic.work_id)).comic is not None
    assert len(storage.keys()) == 3  # one panel went before the outage
    storage.down = False
    await delete_work(world.deps, made.user_id, comic.work_id)
    assert storage.keys() == []
    with pytest.raises(NotFound):
        await open_shared_comic(world.deps, comic.token)
