"""Task-backed use cases: monologue, voice and comic, and running tasks by id."""

from __future__ import annotations

import pytest

from npc_core.errors import (
    DomainValidationError,
    NotFound,
    QuotaExceeded,
    UpstreamFailed,
    UpstreamUnavailable,
)
from npc_core.model import (
    Membership,
    PageRequest,
    TaskStatus,
    TaskType,
    WorkType,
    audio_key,
    check_timeline,
    panel_key,
)
from npc_core.ports import ComicOutput, Lane, MonologueInput, Workflow
from npc_core.services import (
    StartMonologue,
    StartVoice,
    delete_work,
    execute_task,
    get_audio,
    get_comic,
    get_monologue,
    get_profile,
    get_task,
    get_work,
    list_works,
    open_shared_comic,
    start_monologue,
    start_voice,
)
from tests.unit.services import flow
from tests.unit.services.world import LIN_ZHOU, make_world


async def test_monologue_task_runs_to_a_stored_monologue() -> None:
    """The task completes with the seed's fields; the monologue is stored with timing."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    task = await flow.monologue(world, user.id, board)
    assert task.status is TaskStatus.COMPLETED
    assert task.progress == 100
    assert task.result is not None
    monologue = await get_monologue(world.deps, user.id, str(task.result["monologueId"]))
    assert task.result["monologueText"] == monologue.text
    assert monologue.timing.total_seconds > 0
    assert monologue.timing.segments[-1].text_end == len(monologue.text)
    context = world.workflows.inputs(MonologueInput)[-1].frame_context
    assert [c["order"] for c in context] == [1, 2, 3]


async def test_starting_a_monologue_checks_ownership_and_input() -> None:
    """Another user's storyboard is NotFound; an over-long tone names `emotionTone`."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    board = await flow.storyboard(world, alice.id)
    with pytest.raises(NotFound):
        await start_monologue(world.deps, StartMonologue(bob.id, board, LIN_ZHOU))
    with pytest.raises(DomainValidationError) as caught:
        StartMonologue(alice.id, board, LIN_ZHOU, emotion_tone="x" * 65)
    assert caught.value.field == "emotionTone"
    assert world.queue.pending() == []


async def test_task_status_is_owner_only() -> None:
    """The owner sees the task; another user gets NotFound, like a missing id."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    board = await flow.storyboard(world, alice.id)
    task = await start_monologue(world.deps, StartMonologue(alice.id, board, LIN_ZHOU))
    assert (await get_task(world.deps, alice.id, task.id)).status is TaskStatus.PENDING
    with pytest.raises(NotFound):
        await get_task(world.deps, bob.id, task.id)


async def test_premium_work_goes_to_the_premium_lane() -> None:
    """A premium member's task is queued on the premium lane, a free member's on the free one."""
    world = await make_world()
    free, vip = await world.user("free"), await world.user("vip", Membership.PREMIUM)
    for user in (free, vip):
        board = await flow.storyboard(world, user.id)
        await start_monologue(world.deps, StartMonologue(user.id, board, LIN_ZHOU))
    assert len(world.queue.pending(Lane.PREMIUM)) == 1
    assert len(world.queue.pending(Lane.FREE)) == 1


async def test_voice_is_stored_under_a_key_derived_from_the_task() -> None:
    """The audio lands at audio/{monologueId}/{taskId}.mp3 and its URL is from storage."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    monologue_id = flow.field(await flow.monologue(world, user.id, board), "monologueId")
    task = await flow.voice(world, user.id, monologue_id)
    assert task.status is TaskStatus.COMPLETED
    view = await get_audio(world.deps, user.id, flow.field(task, "audioId"))
    assert view.audio.storage_key == audio_key(monologue_id, task.id)
    assert await world.storage.exists(view.audio.storage_key)
    assert view.url.startswith("memory://audio/")
    assert view.audio.duration_seconds > 0


async def test_voice_refuses_out_of_range_speed() -> None:
    """Speed outside 0.5-2.0 names `speed`; another user's monologue is NotFound."""
    from npc_core.model import VoiceConfig  # noqa: PLC0415

    with pytest.raises(DomainValidationError) as caught:
        VoiceConfig(speed=2.5)
    assert caught.value.field == "speed"
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    board = await flow.storyboard(world, alice.id)
    monologue_id = flow.field(await flow.monologue(world, alice.id, board), "monologueId")
    with pytest.raises(NotFound):
        await start_voice(world.deps, StartVoice(bob.id, monologue_id))


async def test_comic_is_a_shareable_work_with_a_covering_timeline() -> None:
    """The comic has one panel per frame, a timeline covering the audio, and a share link."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id, frames=4)
    monologue_id = flow.field(await flow.monologue(world, user.id, board), "monologueId")
    audio_id = flow.field(await flow.voice(world, user.id, monologue_id), "audioId")
    task = await flow.comic(world, user.id, board, audio_id)
    assert task.status is TaskStatus.COMPLETED
    assert task.result is not None
    comic_url = str(task.result["comicUrl"])
    assert comic_url.startswith("https://npc.example/s/")
    view = await get_comic(world.deps, user.id, str(task.result["comicId"]))
    comic = view.comic
    assert comic.panel_keys == tuple(panel_key(comic.id, n) for n in range(1, 5))
    check_timeline(comic.timeline, comic.duration_ms)
    assert len(comic.share_token) >= 22
    shared = await open_shared_comic(world.deps, comic_url.rsplit("/", 1)[1])
    assert shared.comic.id == comic.id
    works = await list_works(world.deps, user.id, PageRequest())
    assert {w.work_type for w in works.items} == {WorkType.COMIC, WorkType.STORYBOARD}
    detail = await get_work(world.deps, user.id, comic.work_id)
    assert detail.comic is not None
    await delete_work(world.deps, user.id, comic.work_id)
    with pytest.raises(NotFound):
        await open_shared_comic(world.deps, comic.share_token)
    with pytest.raises(NotFound):
        await delete_work(world.deps, user.id, comic.work_id)


async def test_comic_with_the_wrong_number_of_panels_fails_without_retry() -> None:
    """A bad output fails the task at once with the reason, and gives the quota back."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id, frames=2)
    monologue_id = flow.field(await flow.monologue(world, user.id, board), "monologueId")
    audio_id = flow.field(await flow.voice(world, user.id, monologue_id), "audioId")
    used = (await get_profile(world.deps, user.id)).usage.used
    world.workflows.returns(Workflow.COMIC_GENERATION, ComicOutput("r", ()))
    task = await flow.comic(world, user.id, board, audio_id)
    assert task.status is TaskStatus.FAILED
    assert task.retry_count == 0
    assert "panels" in str(task.error_message)
    assert (await get_profile(world.deps, user.id)).usage.used == used


async def test_retryable_failures_retry_then_fail_and_release_quota() -> None:
    """Unavailable upstream sends the task back to the queue until retries run out."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    world.workflows.fail(Workflow.MONOLOGUE_GENERATION, *[UpstreamUnavailable("m", "503")] * 4)
    before = world.store.users[user.id].usage_count
    task = await flow.monologue(world, user.id, board)
    assert task.status is TaskStatus.FAILED
    assert task.retry_count == task.max_retries == 3
    assert len(world.workflows.calls_to(Workflow.MONOLOGUE_GENERATION)) == 4
    assert world.store.users[user.id].usage_count == before
    profile = await get_profile(world.deps, user.id)
    assert profile.usage.used == before  # the storyboard and story actions only


async def test_a_retry_that_succeeds_completes_and_charges_once() -> None:
    """One transient failure then success: completed, one retry, one usage charged."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    before = world.store.users[user.id].usage_count
    world.workflows.fail(Workflow.MONOLOGUE_GENERATION, UpstreamUnavailable("m", "503"))
    task = await flow.monologue(world, user.id, board)
    assert (task.status, task.retry_count) == (TaskStatus.COMPLETED, 1)
    assert world.store.users[user.id].usage_count == before + 1


async def test_non_retryable_failure_fails_at_once() -> None:
    """A failed workflow run (not transient) fails the task on the first attempt."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    world.workflows.fail(Workflow.MONOLOGUE_GENERATION, UpstreamFailed("m", "content policy"))
    task = await flow.monologue(world, user.id, board)
    assert (task.status, task.retry_count) == (TaskStatus.FAILED, 0)
    assert "content policy" in str(task.error_message)


async def test_duplicate_delivery_runs_a_finished_task_no_more() -> None:
    """Running a completed task id again changes nothing and calls no workflow."""
    world = await make_world()
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    task = await flow.monologue(world, user.id, board)
    calls = len(world.workflows.calls)
    usage = world.store.users[user.id].usage_count
    again = await execute_task(world.deps, task.id)
    assert again == task
    assert len(world.workflows.calls) == calls
    assert world.store.users[user.id].usage_count == usage
    assert await execute_task(world.deps, "no-such-task") is None


async def test_task_backed_starts_respect_the_quota() -> None:
    """Starting a task takes quota up front: over quota, no task is created."""
    world = await make_world(free_daily=3)
    user = await world.user()
    board = await flow.storyboard(world, user.id)  # story + storyboard: 2 actions
    await start_monologue(world.deps, StartMonologue(user.id, board, LIN_ZHOU))
    with pytest.raises(QuotaExceeded):
        await start_monologue(world.deps, StartMonologue(user.id, board, LIN_ZHOU))
    assert len(world.queue.pending()) == 1
    assert (
        len([t for t in world.store.tasks.values() if t.task_type is TaskType.MONOLOGUE_GENERATION])
        == 1
    )
