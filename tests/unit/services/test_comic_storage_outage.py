"""A storage outage while a comic's panels are stored: the task retries, then fails plainly.

The storage adapters report outages as OSError (the local disk natively, the OSS
adapter's StorageUnavailable is one); the comic use case turns them into the core's
retryable StorageUnavailable. Whatever happens, the comic and its work (what the
share token opens) appear only together with a completed task.
"""

from __future__ import annotations

import errno
from pathlib import Path

import attrs
import pytest

from adapters.memory import MemoryObjectStorage
from adapters.storage import LocalDiskStorage
from adapters.storage import local as local_storage
from npc_core.errors import NotFound, StorageUnavailable
from npc_core.model import PageRequest, Task, TaskStatus, WorkType, panel_key
from npc_core.ports import StoredObject
from npc_core.services import (
    StartComic,
    get_comic,
    get_profile,
    list_works,
    open_shared_comic,
    start_comic,
)
from tests.unit.services import flow
from tests.unit.services.world import World, make_world


class FlakyStorage(MemoryObjectStorage):
    """Memory storage whose puts of panel `from_panel` on raise `error` (`failures` times)."""

    def __init__(self, error: OSError, *, from_panel: int = 2, failures: int = 1_000) -> None:
        super().__init__()
        self.error = error
        self.from_panel = from_panel
        self.failures = failures
        self.refused: list[str] = []
        self.stored_keys: list[str] = []

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        """Refuse panel puts while failures remain; store everything else."""
        number = key.rsplit("panel-", 1)[-1].removesuffix(".png")
        if key.startswith("comics/") and int(number) >= self.from_panel and self.failures > 0:
            self.failures -= 1
            self.refused.append(key)
            raise self.error
        self.stored_keys.append(key)
        return await super().put(key, data, content_type)


async def _voiced(world: World) -> tuple[str, str, str]:
    """A user with a 3-frame storyboard and a stored recording: (user, board, audio)."""
    user = await world.user()
    board = await flow.storyboard(world, user.id, frames=3)
    monologue_id = flow.field(await flow.monologue(world, user.id, board), "monologueId")
    audio_id = flow.field(await flow.voice(world, user.id, monologue_id), "audioId")
    return user.id, board, audio_id


async def _with_storage(storage: MemoryObjectStorage) -> World:
    world = await make_world()
    world.storage = storage
    world.deps = attrs.evolve(world.deps, storage=storage)
    return world


async def _assert_nothing_to_open(world: World, user_id: str, task: Task) -> None:
    """Neither the comic, nor its work, nor its share token can be found."""
    comic_id, token = str(task.payload["comicId"]), str(task.payload["shareToken"])
    assert comic_id not in world.store.comics
    assert str(task.payload["workId"]) not in world.store.works
    with pytest.raises(NotFound):
        await get_comic(world.deps, user_id, comic_id)
    with pytest.raises(NotFound):
        await open_shared_comic(world.deps, token)
    works = await list_works(world.deps, user_id, PageRequest())
    assert WorkType.COMIC not in {w.work_type for w in works.items}


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        TimeoutError("no answer within 120 s"),
        ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
    ],
    ids=["disk-full", "timeout", "refused"],
)
async def test_an_outage_retries_the_render_then_fails_with_a_plain_message(
    error: OSError,
) -> None:
    """Panel 2 never stores: 1 + 3 attempts, then failed, "storage unavailable: ...", no comic.

    Each attempt renders again (the workflow is called once per attempt), the quota
    action is given back, and panel 1, stored by every attempt, is deleted once the
    task has failed for good: no comic anyone can open, no file left behind.
    """
    storage = FlakyStorage(error)
    world = await _with_storage(storage)
    user_id, board, audio_id = await _voiced(world)
    used = (await get_profile(world.deps, user_id)).usage.used
    task = await flow.comic(world, user_id, board, audio_id)
    assert task.status is TaskStatus.FAILED
    assert task.retry_count == task.max_retries == 3
    comic_id = str(task.payload["comicId"])
    assert task.error_message is not None
    assert task.error_message.startswith("storage unavailable: ")
    assert repr(panel_key(comic_id, 2)) in task.error_message
    assert str(error) in task.error_message
    comic_calls = [c for c in world.workflows.calls if c.workflow.value == "comic_generation"]
    assert len(comic_calls) == 4
    assert (await get_profile(world.deps, user_id)).usage.used == used
    await _assert_nothing_to_open(world, user_id, task)
    assert panel_key(comic_id, 1) in storage.stored_keys  # each attempt stored it again
    assert not await storage.exists(panel_key(comic_id, 1))


async def test_a_short_outage_is_ridden_out_by_a_retry() -> None:
    """Two refused puts, then the storage is back: completed on the third attempt, whole."""
    storage = FlakyStorage(OSError(errno.EIO, "Input/output error"), from_panel=3, failures=2)
    world = await _with_storage(storage)
    user_id, board, audio_id = await _voiced(world)
    task = await flow.comic(world, user_id, board, audio_id)
    assert task.status is TaskStatus.COMPLETED, task.error_message
    assert task.retry_count == 2
    comic_id = flow.field(task, "comicId")
    assert len(storage.refused) == 2
    view = await get_comic(world.deps, user_id, comic_id)
    assert view.comic.panel_keys == tuple(panel_key(comic_id, n) for n in (1, 2, 3))
    assert all([await storage.exists(k) for k in view.comic.panel_keys])
    shared = await open_shared_comic(world.deps, str(task.payload["shareToken"]))
    assert shared.comic.id == comic_id


async def test_a_failing_local_disk_fails_the_render_as_storage_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LocalDiskStorage's OSError (a full disk under the panels' folder) becomes the core error.

    The recording is written before the disk fills; every panel write then fails.
    """
    world = await make_world()
    disk = LocalDiskStorage(tmp_path / "files", "https://npc.example", b"k" * 32, world.clock)
    world.deps = attrs.evolve(world.deps, storage=disk)
    user_id, board, audio_id = await _voiced(world)
    write = local_storage._atomic_write

    def full_disk_for_comics(path: Path, data: bytes) -> None:
        if "comics" in path.parts:
            raise OSError(errno.ENOSPC, "No space left on device")
        write(path, data)

    monkeypatch.setattr(local_storage, "_atomic_write", full_disk_for_comics)
    task = await flow.comic(world, user_id, board, audio_id)
    assert task.status is TaskStatus.FAILED
    assert task.retry_count == 3
    assert task.error_message is not None
    assert task.error_message.startswith("storage unavailable: put 'comics/")
    assert "No space left on device" in task.error_message
    await _assert_nothing_to_open(world, user_id, task)


async def test_starting_a_comic_while_the_storage_is_down_is_unavailable_not_internal() -> None:
    """The start checks the recording is still stored; an outage there is StorageUnavailable."""
    storage = FlakyStorage(OSError(errno.EIO, "Input/output error"))
    world = await _with_storage(storage)
    user_id, board, audio_id = await _voiced(world)

    async def down(key: str) -> bool:
        raise ConnectionResetError(errno.ECONNRESET, f"reset while asking for {key}")

    storage.exists = down  # type: ignore[method-assign]
    with pytest.raises(StorageUnavailable, match=r"^storage unavailable: .*reset while asking"):
        await start_comic(world.deps, StartComic(user_id, board, audio_id))
    assert world.queue.take() is None
