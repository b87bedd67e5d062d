"""Rendering the audio comic and opening it by its share token.

Storage adapters report outages as `OSError`; `put_file` and `delete_files` turn them
into the core's `StorageUnavailable`, which a task run retries like any unavailable
upstream and then fails with a plain `error_message`.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from npc_core.errors import NotFound, UpstreamBadOutput
from npc_core.model import (
    Comic,
    JsonObject,
    Task,
    TaskType,
    UserWork,
    WorkType,
    _checks,
    limits,
    panel_key,
    timeline_for_monologue,
)
from npc_core.ports import ComicInput, GeneratedFile, Workflow
from npc_core.services.audio import require_monologue
from npc_core.services.deps import Deps
from npc_core.services.files import delete_files, file_exists, put_file
from npc_core.services.presenters import comic_json
from npc_core.services.storyboards import require_storyboard
from npc_core.services.tasks import current_task, finish, report_progress, submit
from npc_core.services.users import require_user

MAX_PANEL_BYTES = 20 * 1024 * 1024


@attrs.frozen
class StartComic:
    user_id: str
    storyboard_id: str
    audio_id: str
    style: str = attrs.field(default="manga", validator=_checks.text(limits.SHORT_LABEL))
    style_config: JsonObject = attrs.field(factory=dict)
    sync_config: JsonObject = attrs.field(factory=dict)


async def start_comic(deps: Deps, command: StartComic) -> Task:
    """Check the storyboard and the audio, then queue the rendering.

    An audio whose file is gone (deleted with the last comic that played it) is not found:
    a comic of it would be silent.
    """
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        await require_storyboard(uow, user.id, command.storyboard_id)
        audio = await uow.audio.get(command.audio_id, user.id)
    if audio is None or not await file_exists(deps, audio.storage_key):
        raise NotFound("audio", command.audio_id)
    payload: JsonObject = {
        "comicId": deps.ids.new_id(),
        "workId": deps.ids.new_id(),
        "shareToken": deps.ids.new_token(16),
        "storyboardId": command.storyboard_id,
        "audioId": command.audio_id,
        "style": command.style,
        "styleConfig": command.style_config,
        "syncConfig": command.sync_config,
    }
    return await submit(deps, user, TaskType.COMIC_RENDERING, payload)


def share_url(deps: Deps, token: str) -> str:
    """The public player page of a comic."""
    return f"{deps.settings.public_base_url.rstrip('/')}/s/{token}"


def _check_panels(frames: int, panels: Sequence[GeneratedFile]) -> None:
    """One usable picture per frame, or `UpstreamBadOutput` before anything is stored."""
    workflow = Workflow.COMIC_GENERATION.value
    if len(panels) != frames:
        raise UpstreamBadOutput(workflow, "panels", f"expected {frames} panels, got {len(panels)}")
    for index, panel in enumerate(panels):
        if not panel.data or len(panel.data) > MAX_PANEL_BYTES:
            raise UpstreamBadOutput(workflow, f"panels[{index}]", "empty or too large")


async def discard_comic(deps: Deps, task: Task) -> None:
    """Delete the panels the runs of a comic task that failed for good may have stored.

    The task is failed, so no run of it can complete any more (`finish` refuses): no
    comic will ever name these panels. One per frame of the storyboard; every possible
    one when the storyboard is gone.
    """
    async with deps.uow() as uow:
        board = await uow.storyboards.get(str(task.payload["storyboardId"]), task.user_id)
    frames = len(board.frames) if board is not None else limits.FRAMES
    comic_id = str(task.payload["comicId"])
    await delete_files(deps, [panel_key(comic_id, n) for n in range(1, frames + 1)])


async def handle_comic(deps: Deps, task: Task) -> Task:
    """Render one panel per frame, store them, time them to the audio, save the comic.

    The comic and its work (what makes the share token answer) are written only in the
    transaction that completes the task, after every panel is stored: a run that fails
    or is retried half-way leaves no comic to open. A storage outage raises
    `StorageUnavailable`, which the task run retries.
    """
    p = task.payload
    comic_id = str(p["comicId"])
    async with deps.uow() as uow:
        board = await require_storyboard(uow, task.user_id, str(p["storyboardId"]))
        audio = await uow.audio.get(str(p["audioId"]), task.user_id)
        if audio is None:
            raise NotFound("audio", str(p["audioId"]))
        monologue = await require_monologue(uow, task.user_id, audio.monologue_id)
        character = await uow.characters.get(monologue.character_id)
    character_json: JsonObject = {"name": character.name if character else ""}
    output = await deps.workflows.render_comic(
        task.user_id, ComicInput(board.frames, str(p.get("style") or "manga"), character_json)
    )
    _check_panels(len(board.frames), output.panels)
    await report_progress(deps, task, 50)
    # Panels stored by a failed attempt stay: the retry overwrites them under the same
    # keys. Deleting them here could delete what a duplicate run of this task stored;
    # once the task has failed for good, `discard_comic` deletes them.
    keys = []
    for number, panel in enumerate(output.panels, start=1):
        key = panel_key(comic_id, number)
        await put_file(deps, key, panel.data, panel.content_type)
        keys.append(key)
    await report_progress(deps, task, 90)
    duration_ms = max(round(audio.duration_seconds * 1000), len(keys))
    now = deps.clock.now()
    comic = Comic(
        id=comic_id,
        user_id=task.user_id,
        work_id=str(p["workId"]),
        storyboard_id=board.id,
        audio_id=audio.id,
        share_token=str(p["shareToken"]),
        panel_keys=tuple(keys),
        timeline=timeline_for_monologue(monologue.text, monologue.timing, len(keys), duration_ms),
        duration_ms=duration_ms,
        created_at=now,
        style=p["styleConfig"] if isinstance(p.get("styleConfig"), dict) else {},  # type: ignore[arg-type]
        sync_config=p["syncConfig"] if isinstance(p.get("syncConfig"), dict) else {},  # type: ignore[arg-type]
    )
    work = UserWork(
        id=comic.work_id,
        user_id=task.user_id,
        title=board.title,
        work_type=WorkType.COMIC,
        created_at=now,
        character_id=monologue.character_id,
        metadata={"comicId": comic.id, "storyboardId": board.id},
    )
    result = comic_json(comic, share_url(deps, comic.share_token), board.title, output.run_id)
    async with deps.uow() as uow:
        done = await finish(uow, deps, task, result)
        if done is None:
            return await current_task(uow, task)
        await uow.comics.add(comic)
        await uow.works.add(work)
        await uow.commit()
    return done


@attrs.frozen
class ComicView:
    comic: Comic
    audio_url: str
    panel_urls: tuple[str, ...]
    share_url: str
    title: str = ""  # the work's title


async def _view(deps: Deps, comic: Comic, audio_key: str, title: str) -> ComicView:
    ttl = deps.settings.file_url_ttl_seconds
    return ComicView(
        comic,
        await deps.storage.url(audio_key, ttl),
        tuple([await deps.storage.url(k, ttl) for k in comic.panel_keys]),
        share_url(deps, comic.share_token),
        title,
    )


async def get_comic(deps: Deps, user_id: str, comic_id: str) -> ComicView:
    """One of the user's comics with its timeline and fresh file URLs."""
    async with deps.uow() as uow:
        comic = await uow.comics.get(comic_id, user_id)
        audio = await uow.audio.get(comic.audio_id, user_id) if comic else None
        work = await uow.works.get(comic.work_id, user_id) if comic else None
    if comic is None or audio is None or work is None:
        raise NotFound("comic", comic_id)
    return await _view(deps, comic, audio.storage_key, work.title)


async def open_shared_comic(deps: Deps, token: str) -> ComicView:
    """A comic by its share token, for anyone with the link; counts the view.

    Deleting the comic's work withdraws the link.
    """
    async with deps.uow() as uow:
        comic = await uow.comics.by_share_token(token)
        audio = await uow.audio.get(comic.audio_id, comic.user_id) if comic else None
        work = await uow.works.get(comic.work_id, comic.user_id) if comic else None
        if comic is None or audio is None or work is None:
            raise NotFound("comic", token)
        await uow.comics.count_view(comic.id)
        await uow.commit()
    return await _view(deps, comic, audio.storage_key, work.title)
