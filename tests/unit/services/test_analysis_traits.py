"""Use cases for character analysis, dialogue discussion/analysis and collaborative traits."""

from __future__ import annotations

import pytest

from npc_core.errors import (
    Conflict,
    DomainValidationError,
    NotFound,
    QuotaExceeded,
    UpstreamFailed,
    UpstreamUnavailable,
    WorkflowNotConfigured,
)
from npc_core.model import (
    CharacterAnalysis,
    Provenance,
    Resolution,
    SessionType,
    TraitSuggestion,
    WorkType,
)
from npc_core.ports import (
    CharacterAnalysisInput,
    CharacterAnalysisOutput,
    DialogueDiscussionInput,
    Workflow,
)
from npc_core.services import (
    AnalyzeCharacter,
    AnalyzeDialogue,
    BuildTraits,
    DiscussDialogue,
    analyze_character,
    analyze_dialogue,
    build_traits,
    discuss_dialogue,
    get_profile,
)
from tests.unit.services.world import FERRY, LIGHTHOUSE, LIN_ZHOU, OLD_ZHOU, SU_WAN, make_world


async def test_character_analysis_sends_the_library_lines_and_counts_usage() -> None:
    """Without client lines the character's library lines go to the workflow; usage counts."""
    world = await make_world()
    user = await world.user()
    result = await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU))
    call = world.workflows.calls_to(Workflow.CHARACTER_ANALYSIS)[-1]
    assert call.user == user.id
    assert len(world.workflows.inputs(CharacterAnalysisInput)[-1].dialogues) == 5
    assert result.status == "succeeded"
    assert result.workflow_run_id
    assert world.store.users[user.id].usage_count == 1
    assert (await get_profile(world.deps, user.id)).usage.used == 1


async def test_character_analysis_prefers_the_client_lines() -> None:
    """Lines sent by the client are what the workflow sees."""
    world = await make_world()
    user = await world.user()
    await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU, ("第一句",)))
    assert world.workflows.inputs(CharacterAnalysisInput)[-1].dialogues == ("第一句",)


async def test_character_analysis_error_paths() -> None:
    """Unknown film, a character of another film, and over-long lines are refused."""
    world = await make_world()
    user = await world.user()
    with pytest.raises(NotFound):
        await analyze_character(world.deps, AnalyzeCharacter(user.id, "missing", LIN_ZHOU))
    with pytest.raises(DomainValidationError) as wrong_film:
        await analyze_character(world.deps, AnalyzeCharacter(user.id, LIGHTHOUSE, LIN_ZHOU))
    assert wrong_film.value.field == "characterId"
    with pytest.raises(DomainValidationError) as too_long:
        AnalyzeCharacter(user.id, FERRY, LIN_ZHOU, ("x" * 2001,))
    assert too_long.value.field == "dialogues[0]"
    assert world.workflows.calls_to(Workflow.CHARACTER_ANALYSIS) == []


async def test_failed_ai_calls_use_no_quota() -> None:
    """An upstream failure propagates and leaves usage and today's quota untouched."""
    world = await make_world()
    user = await world.user()
    world.workflows.fail(Workflow.CHARACTER_ANALYSIS, UpstreamFailed("character_analysis", "boom"))
    with pytest.raises(UpstreamFailed):
        await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU))
    world.workflows.not_configured(Workflow.CHARACTER_ANALYSIS)
    with pytest.raises(WorkflowNotConfigured) as missing:
        await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU))
    assert missing.value.setting == "NPC_DIFY_KEY_CHARACTER_ANALYSIS"
    assert world.store.users[user.id].usage_count == 0
    assert (await get_profile(world.deps, user.id)).usage.used == 0


async def test_quota_stops_ai_actions_until_the_next_day() -> None:
    """Past the daily quota every AI action raises QuotaExceeded; the next local day refills."""
    world = await make_world(free_daily=2)
    user = await world.user()
    # Other lines each time: a repeated analysis is answered from the cache, no AI action.
    first, second, third = (AnalyzeCharacter(user.id, FERRY, LIN_ZHOU, (n,)) for n in "一二三")
    await analyze_character(world.deps, first)
    await analyze_character(world.deps, second)
    with pytest.raises(QuotaExceeded) as caught:
        await analyze_character(world.deps, third)
    assert caught.value.limit == 2
    assert caught.value.resets_at > world.clock.now()
    assert len(world.workflows.calls_to(Workflow.CHARACTER_ANALYSIS)) == 2
    world.clock.set(caught.value.resets_at)
    await analyze_character(world.deps, third)


async def test_discussion_keeps_the_session_history_in_order() -> None:
    """The second turn sends the first turn as history; the log alternates user and AI."""
    world = await make_world()
    user = await world.user()
    first = DiscussDialogue(user.id, LIN_ZHOU, "s-1", "我只相信我亲眼看见的东西。", "他在害怕")
    await discuss_dialogue(world.deps, first)
    result = await discuss_dialogue(
        world.deps,
        DiscussDialogue(user.id, LIN_ZHOU, "s-1", "我只相信我亲眼看见的东西。", "也许是骄傲"),
    )
    assert result.session_id == "s-1"
    history = world.workflows.inputs(DialogueDiscussionInput)[-1].history
    assert [h["role"] for h in history] == ["user", "ai"]
    session = world.store.collaborations["s-1"]
    assert session.session_type is SessionType.DIALOGUE_DISCUSSION
    async with world.deps.uow() as uow:
        log = await uow.collaborations.log("s-1")
    assert [e.contributor.value for e in log] == ["user", "ai", "user", "ai"]
    assert [e.seq for e in log] == [1, 2, 3, 4]


async def test_another_users_session_is_not_found() -> None:
    """A session id another user owns answers NotFound; another character is refused."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    await discuss_dialogue(world.deps, DiscussDialogue(alice.id, LIN_ZHOU, "s-a", "一句", "想法"))
    with pytest.raises(NotFound):
        await discuss_dialogue(world.deps, DiscussDialogue(bob.id, LIN_ZHOU, "s-a", "一句", "x"))
    with pytest.raises(DomainValidationError) as caught:
        await discuss_dialogue(world.deps, DiscussDialogue(alice.id, SU_WAN, "s-a", "一句", "x"))
    assert caught.value.field == "characterId"


async def test_discussion_refuses_blank_insight_and_unknown_character() -> None:
    """A blank insight names `userInsight`; an unknown character is NotFound."""
    world = await make_world()
    user = await world.user()
    with pytest.raises(DomainValidationError) as caught:
        DiscussDialogue(user.id, LIN_ZHOU, "s", "一句", " ")
    assert caught.value.field == "userInsight"
    with pytest.raises(NotFound):
        await discuss_dialogue(world.deps, DiscussDialogue(user.id, "nobody", "s", "一句", "x"))


async def test_dialogue_analysis_is_private_to_its_user() -> None:
    """A user's analysis is stored under that user only, never on the shared line."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    result = await analyze_dialogue(
        world.deps,
        AnalyzeDialogue(alice.id, FERRY, LIN_ZHOU, "我只相信我亲眼看见的东西。", "他其实很孤独"),
    )
    assert result.analysis.user_id == alice.id
    assert result.collaborative_insights["userInsight"] == "他其实很孤独"
    async with world.deps.uow() as uow:
        assert len(await uow.dialogue_analyses.for_character(alice.id, LIN_ZHOU)) == 1
        assert await uow.dialogue_analyses.for_character(bob.id, LIN_ZHOU) == []


async def test_dialogue_analysis_upstream_failure_stores_nothing() -> None:
    """When the workflow is unavailable nothing is stored and no quota is used."""
    world = await make_world()
    user = await world.user()
    world.workflows.fail(
        Workflow.DIALOGUE_DISCUSSION, UpstreamUnavailable("dialogue_discussion", "503")
    )
    with pytest.raises(UpstreamUnavailable):
        await analyze_dialogue(world.deps, AnalyzeDialogue(user.id, FERRY, LIN_ZHOU, "一句"))
    async with world.deps.uow() as uow:
        assert await uow.dialogue_analyses.for_character(user.id, LIN_ZHOU) == []
    assert (await get_profile(world.deps, user.id)).usage.used == 0


async def test_traits_with_given_suggestions_merge_without_an_ai_call() -> None:
    """Client-sent suggestions are merged with no workflow call and no quota used."""
    world = await make_world()
    user = await world.user()
    result = await build_traits(
        world.deps, BuildTraits(user.id, LIN_ZHOU, ("内向", "Calm "), ("calm", "外向", "敏锐"))
    )
    merged = result.profile.merged
    assert merged.names == ("内向", "Calm", "敏锐")
    assert merged.traits[1].provenance is Provenance.BOTH
    assert [c.resolution for c in merged.conflicts] == [Resolution.KEEP_USER]
    assert world.workflows.calls_to(Workflow.CHARACTER_ANALYSIS) == []
    assert (await get_profile(world.deps, user.id)).usage.used == 0
    work = world.store.works[result.work_id]
    assert work.work_type is WorkType.ANALYSIS
    assert work.metadata["traits"] == ["内向", "Calm", "敏锐"]


async def test_traits_without_suggestions_ask_the_ai_and_count_usage() -> None:
    """Without suggestions the analysis workflow proposes traits; that is one AI action."""
    world = await make_world()
    user = await world.user()
    world.workflows.returns(
        Workflow.CHARACTER_ANALYSIS,
        CharacterAnalysisOutput(
            "run-1", CharacterAnalysis("冷静的记者"), (TraitSuggestion("冷静", ("不动声色",), 0.9),)
        ),
    )
    result = await build_traits(world.deps, BuildTraits(user.id, LIN_ZHOU, ("冲动",)))
    assert result.profile.merged.names == ("冲动",)
    assert result.profile.merged.conflicts[0].other == "冷静"
    assert (await get_profile(world.deps, user.id)).usage.used == 1


async def test_traits_revision_checks_the_version() -> None:
    """A second build revises the profile; a stale expected version is a Conflict."""
    world = await make_world()
    user = await world.user()
    first = await build_traits(world.deps, BuildTraits(user.id, LIN_ZHOU, ("多疑",), ()))
    second = await build_traits(
        world.deps,
        BuildTraits(
            user.id, LIN_ZHOU, ("多疑", "执着"), ("敏锐",), expected_version=first.profile.version
        ),
    )
    assert second.profile.version == first.profile.version + 1
    assert second.work_id == first.work_id
    with pytest.raises(Conflict):
        await build_traits(
            world.deps,
            BuildTraits(user.id, LIN_ZHOU, ("多疑",), (), expected_version=first.profile.version),
        )


async def test_traits_validation_names_the_item() -> None:
    """An over-long trait names `userTraits[1]`; an unknown character is NotFound."""
    world = await make_world()
    user = await world.user()
    with pytest.raises(DomainValidationError) as caught:
        await build_traits(world.deps, BuildTraits(user.id, LIN_ZHOU, ("好", "x" * 33), ()))
    assert caught.value.field == "userTraits[1]"
    with pytest.raises(NotFound):
        await build_traits(world.deps, BuildTraits(user.id, OLD_ZHOU + "x", ("好",), ()))


async def test_a_call_failing_after_midnight_gives_back_the_day_it_was_taken_from() -> None:
    """The action reserved before midnight is returned to that day, not to the next one."""
    from datetime import timedelta  # noqa: PLC0415

    from npc_core.model import next_quota_reset, quota_day  # noqa: PLC0415

    world = await make_world(free_daily=2)
    user = await world.user()
    world.clock.set(next_quota_reset(world.clock.now()) - timedelta(milliseconds=500))
    before = quota_day(world.clock.now())

    def fail_after_midnight(_: object) -> CharacterAnalysisOutput:
        world.clock.advance(1)
        raise UpstreamFailed("character_analysis", "boom")

    world.workflows.returns(Workflow.CHARACTER_ANALYSIS, fail_after_midnight)
    with pytest.raises(UpstreamFailed):
        await analyze_character(world.deps, AnalyzeCharacter(user.id, FERRY, LIN_ZHOU))
    after = quota_day(world.clock.now())
    assert after != before
    assert await world.ledger.used(user.id, before) == 0
    assert await world.ledger.used(user.id, after) == 0
