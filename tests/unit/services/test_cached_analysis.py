"""Character analyses are cached by their input: Dify is asked once, quota is taken once."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from npc_core.errors import QuotaExceeded, UpstreamFailed
from npc_core.ports import Workflow
from npc_core.services import AnalyzeCharacter, analyze_character, cached, get_profile
from tests.unit.services.test_cached_library import DownCache
from tests.unit.services.world import FERRY, LIN_ZHOU, SU_WAN, World, make_world


def asked(world: World) -> int:
    """How often the character-analysis workflow was called."""
    return len(world.workflows.calls_to(Workflow.CHARACTER_ANALYSIS))


async def used(world: World, user_id: str) -> tuple[int, int]:
    """The user's usage count and what today's quota says they used."""
    return world.store.users[user_id].usage_count, (
        await get_profile(world.deps, user_id)
    ).usage.used


async def test_the_same_analysis_is_asked_once_and_answered_alike() -> None:
    """A repeated request is the cached answer: same run id and content, no second call."""
    world = await make_world()
    user = await world.user()
    command = AnalyzeCharacter(user.id, FERRY, LIN_ZHOU)
    first = await analyze_character(world.deps, command)
    again = await analyze_character(world.deps, command)
    assert again == first
    assert asked(world) == 1


async def test_a_cached_answer_takes_no_quota_and_counts_no_usage() -> None:
    """Only the call that reached the workflow is an AI action."""
    world = await make_world()
    user = await world.user()
    for _ in range(3):
        await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU))
    assert await used(world, user.id) == (1, 1)


async def test_a_cached_answer_is_still_refused_past_the_quota() -> None:
    """With no action left even a cached analysis is QuotaExceeded, and nothing is taken."""
    world = await make_world(free_daily=1)
    alice, bob = await world.user("alice"), await world.user("bob")
    await analyze_character(world.deps, AnalyzeCharacter(alice.id, FERRY, LIN_ZHOU))
    with pytest.raises(QuotaExceeded) as caught:
        await analyze_character(world.deps, AnalyzeCharacter(alice.id, FERRY, LIN_ZHOU))
    assert caught.value.limit == 1
    await analyze_character(world.deps, AnalyzeCharacter(bob.id, FERRY, LIN_ZHOU))
    assert await used(world, bob.id) == (0, 0)  # bob still has his one action
    assert asked(world) == 1


async def test_library_analyses_are_shared_by_every_user() -> None:
    """The analysis of the library's lines is the same for all: a second user is not sent."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    first = await analyze_character(world.deps, AnalyzeCharacter(alice.id, FERRY, LIN_ZHOU))
    second = await analyze_character(world.deps, AnalyzeCharacter(bob.id, FERRY, LIN_ZHOU))
    assert second == first
    assert asked(world) == 1
    await analyze_character(world.deps, AnalyzeCharacter(bob.id, FERRY, SU_WAN))
    assert asked(world) == 2  # another character is another analysis


async def test_an_analysis_of_a_users_own_text_stays_theirs() -> None:
    """Given lines or a context: cached for that user only, never served to another."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    extras: list[dict[str, Any]] = [
        {"dialogues": ("我只相信笔记本",)},
        {"user_context": {"mood": "好奇"}},
    ]
    for extra in extras:
        before = asked(world)
        await analyze_character(world.deps, AnalyzeCharacter(alice.id, FERRY, LIN_ZHOU, **extra))
        await analyze_character(world.deps, AnalyzeCharacter(alice.id, FERRY, LIN_ZHOU, **extra))
        assert asked(world) == before + 1
        await analyze_character(world.deps, AnalyzeCharacter(bob.id, FERRY, LIN_ZHOU, **extra))
        assert asked(world) == before + 2
        assert world.workflows.calls_to(Workflow.CHARACTER_ANALYSIS)[-1].user == bob.id


async def test_other_lines_are_another_analysis() -> None:
    """Different client lines, or changed library lines, are sent to the workflow again."""
    world = await make_world()
    user = await world.user()
    await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU, ("一",)))
    await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU, ("二",)))
    assert asked(world) == 2
    await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU))
    line = next(v for v in world.store.dialogues.values() if v.character_id == LIN_ZHOU)
    world.store.dialogues[line.id] = attrs.evolve(line, content="我改主意了。")
    await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU))
    assert asked(world) == 4


async def test_a_failed_analysis_is_not_cached() -> None:
    """After an upstream failure the same request reaches the workflow again."""
    world = await make_world()
    user = await world.user()
    command = AnalyzeCharacter(user.id, FERRY, LIN_ZHOU)
    world.workflows.fail(Workflow.CHARACTER_ANALYSIS, UpstreamFailed("character_analysis", "x"))
    with pytest.raises(UpstreamFailed):
        await analyze_character(world.deps, command)
    world.workflows.reset()
    await analyze_character(world.deps, command)
    assert asked(world) == 2
    assert await used(world, user.id) == (1, 1)


async def test_an_analysis_expires_after_its_ttl() -> None:
    """Past `ANALYSIS_TTL_SECONDS` the workflow is asked again (and that is an action)."""
    world = await make_world()
    user = await world.user()
    command = AnalyzeCharacter(user.id, FERRY, LIN_ZHOU)
    await analyze_character(world.deps, command)
    world.clock.advance(cached.ANALYSIS_TTL_SECONDS - 1)
    await analyze_character(world.deps, command)
    assert asked(world) == 1
    world.clock.advance(1)
    await analyze_character(world.deps, command)
    assert asked(world) == 2


async def test_with_the_cache_down_every_analysis_runs() -> None:
    """A broken cache only means every request is an AI action, answered as before."""
    world = await make_world()
    user = await world.user()
    deps = attrs.evolve(world.deps, cache=DownCache())
    for _ in range(2):
        result = await analyze_character(deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU))
        assert result.status == "succeeded"
    assert asked(world) == 2
    assert await used(world, user.id) == (2, 2)
