"""Use cases for character chat, story reconstruction and storyboards."""

from __future__ import annotations

import asyncio

import pytest

from npc_core.errors import Conflict, DomainValidationError, NotFound, UpstreamTimeout
from npc_core.model import Frame, Relationship, StoryNode
from npc_core.ports import CharacterChatInput, CharacterChatOutput, StoryboardDesignOutput, Workflow
from npc_core.services import (
    DesignStoryboard,
    EditStoryboard,
    ReconstructStory,
    SendMessage,
    chat,
    design_storyboard,
    edit_storyboard,
    get_chat_session,
    get_profile,
    get_storyboard,
    reconstruct_story,
    stream_chat,
)
from tests.unit.services.world import FERRY, LIN_ZHOU, OLD_ZHOU, SU_WAN, World, make_world


async def test_chat_keeps_history_and_emotion() -> None:
    """Two messages make four stored messages; the second call sends the first exchange."""
    world = await make_world()
    user = await world.user()
    world.workflows.returns(Workflow.CHARACTER_CHAT, CharacterChatOutput("r", "嗯。", "警惕"))
    first = await chat(world.deps, SendMessage(user.id, "chat-1", LIN_ZHOU, "你好"))
    assert (first.reply, first.emotion) == ("嗯。", "警惕")
    await chat(world.deps, SendMessage(user.id, "chat-1", LIN_ZHOU, "你在查什么？"))
    sent = world.workflows.inputs(CharacterChatInput)[-1]
    assert [t.content for t in sent.history] == ["你好", "嗯。"]
    history = await get_chat_session(world.deps, user.id, "chat-1")
    assert [m.seq for m in history.messages] == [1, 2, 3, 4]
    assert [m.role.value for m in history.messages] == ["user", "assistant"] * 2
    assert history.session.emotion == "警惕"


async def test_chat_is_bound_to_its_user_and_character() -> None:
    """Another user's session id is NotFound; another character in the session is refused."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    await chat(world.deps, SendMessage(alice.id, "chat-a", LIN_ZHOU, "你好"))
    with pytest.raises(NotFound):
        await chat(world.deps, SendMessage(bob.id, "chat-a", LIN_ZHOU, "你好"))
    with pytest.raises(NotFound):
        await get_chat_session(world.deps, bob.id, "chat-a")
    with pytest.raises(DomainValidationError) as caught:
        await chat(world.deps, SendMessage(alice.id, "chat-a", SU_WAN, "你好"))
    assert caught.value.field == "characterId"


async def test_chat_refuses_empty_and_overlong_messages() -> None:
    """A blank or over-long message is a validation error on `message`."""
    for text in ("  ", "话" * 2001):
        with pytest.raises(DomainValidationError) as caught:
            SendMessage("u", "s", LIN_ZHOU, text)
        assert caught.value.field == "message"


async def test_streamed_chat_yields_pieces_then_keeps_the_exchange() -> None:
    """The stream's text pieces join to the reply; only then is the exchange stored."""
    world = await make_world()
    user = await world.user()
    chunks = [
        c async for c in stream_chat(world.deps, SendMessage(user.id, "st", SU_WAN, "下雨吗"))
    ]
    final = chunks[-1].final
    assert final is not None
    assert "".join(c.text for c in chunks) == final.reply
    assert len(chunks) > 2
    history = await get_chat_session(world.deps, user.id, "st")
    assert [m.content for m in history.messages] == ["下雨吗", final.reply]
    assert (await get_profile(world.deps, user.id)).usage.used == 1


async def test_chat_upstream_timeout_keeps_nothing() -> None:
    """A timed-out reply stores no message and gives the quota back."""
    world = await make_world()
    user = await world.user()
    world.workflows.fail(Workflow.CHARACTER_CHAT, UpstreamTimeout("character_chat", "slow"))
    with pytest.raises(UpstreamTimeout):
        await chat(world.deps, SendMessage(user.id, "t", LIN_ZHOU, "你好"))
    with pytest.raises(NotFound):  # not even the session was kept
        await get_chat_session(world.deps, user.id, "t")
    assert (await get_profile(world.deps, user.id)).usage.used == 0


def _nodes() -> tuple[StoryNode, ...]:
    return (
        StoryNode("n1", 1, "登船", character_ids=(LIN_ZHOU,)),
        StoryNode("n2", 2, "预言", character_ids=(SU_WAN,)),
        StoryNode("n3", 3, "暴雨"),
    )


async def test_story_reconstruction_is_kept_with_the_ai_review() -> None:
    """The user's graph is stored as written, with the AI's suggestions and monologue."""
    world = await make_world()
    user = await world.user()
    rels = (Relationship(LIN_ZHOU, SU_WAN, "怀疑"), Relationship("n1", "n2", "导致"))
    result = await reconstruct_story(
        world.deps,
        ReconstructStory(user.id, FERRY, _nodes(), rels, "我看见了", character_id=LIN_ZHOU),
    )
    story = result.story
    assert story.nodes == _nodes()
    assert story.relationships == rels
    assert story.enhanced_monologue == result.optimized.enhanced_monologue
    assert story.logic_issues == ("情节「暴雨」与其他情节没有关联",)
    async with world.deps.uow() as uow:
        assert await uow.stories.get(story.id, user.id) == story
        assert [e.contributor.value for e in await uow.collaborations.log(story.id)] == [
            "user",
            "ai",
        ]


async def test_story_validation_names_the_bad_relationship_end() -> None:
    """A relationship to an unknown end, or a character of another film, is refused."""
    world = await make_world()
    user = await world.user()
    with pytest.raises(DomainValidationError) as caught:
        await reconstruct_story(
            world.deps,
            ReconstructStory(user.id, FERRY, _nodes(), (Relationship("n1", "n9", "导致"),)),
        )
    assert caught.value.field == "userRelationships[0].target"
    with pytest.raises(DomainValidationError) as other_film:
        await reconstruct_story(
            world.deps,
            ReconstructStory(
                user.id, FERRY, (StoryNode("n1", 1, "登船", character_ids=(OLD_ZHOU,)),)
            ),
        )
    assert other_film.value.field == "userStoryNodes[0].characterIds"
    assert world.workflows.calls_to(Workflow.STORY_RECONSTRUCT) == []


async def test_story_revision_is_owned_and_versioned() -> None:
    """Revising needs the current version; another user's story is NotFound."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    first = await reconstruct_story(world.deps, ReconstructStory(alice.id, FERRY, _nodes()))
    revised = await reconstruct_story(
        world.deps,
        ReconstructStory(
            alice.id, FERRY, _nodes()[:2], story_id=first.story.id, expected_version=1
        ),
    )
    assert revised.story.version == 2
    assert len(revised.story.nodes) == 2
    with pytest.raises(Conflict):
        await reconstruct_story(
            world.deps,
            ReconstructStory(
                alice.id, FERRY, _nodes(), story_id=first.story.id, expected_version=1
            ),
        )
    with pytest.raises(NotFound):
        await reconstruct_story(
            world.deps, ReconstructStory(bob.id, FERRY, _nodes(), story_id=first.story.id)
        )


async def _story(world: World, user_id: str) -> str:
    result = await reconstruct_story(
        world.deps, ReconstructStory(user_id, FERRY, _nodes(), character_id=LIN_ZHOU)
    )
    return result.story.id


async def test_storyboard_merge_keeps_what_the_user_wrote() -> None:
    """The AI fills empty fields; user-written fields stay unless accepted; AI extras append."""
    world = await make_world()
    user = await world.user()
    story_id = await _story(world, user.id)
    world.workflows.returns(
        Workflow.STORYBOARD_DESIGN,
        StoryboardDesignOutput(
            "r",
            (
                Frame(1, "AI 场景一", "AI 台词一", "特写"),
                Frame(2, "AI 场景二", "AI 台词二", "远景"),
                Frame(3, "AI 场景三"),
            ),
            ("冷色调",),
        ),
    )
    result = await design_storyboard(
        world.deps,
        DesignStoryboard(
            user.id,
            story_id,
            (Frame(5, "甲板上", "要下雨了"), Frame(2, "船舱里")),
            accepted=frozenset({(2, "scene_description")}),
        ),
    )
    frames = result.storyboard.frames
    assert [f.order for f in frames] == [1, 2, 3]
    assert (frames[0].scene_description, frames[0].dialogue, frames[0].camera) == (
        "船舱里",
        "AI 台词一",
        "特写",
    )
    assert (frames[1].scene_description, frames[1].dialogue) == ("AI 场景二", "要下雨了")
    assert frames[2].scene_description == "AI 场景三"
    assert result.visual_suggestions == ("冷色调",)
    assert world.store.works[result.storyboard.work_id].work_type.value == "storyboard"


async def test_storyboard_refuses_bad_frames() -> None:
    """No frames, duplicate orders or more than 60 frames are refused before any AI call."""
    world = await make_world()
    user = await world.user()
    story_id = await _story(world, user.id)
    for frames, field in (
        ((), "userFrames"),
        ((Frame(1, "a"), Frame(1, "b")), "userFrames"),
        (tuple(Frame(i % 60 + 1, str(i)) for i in range(61)), "userFrames"),
    ):
        with pytest.raises(DomainValidationError) as caught:
            await design_storyboard(world.deps, DesignStoryboard(user.id, story_id, frames))
        assert caught.value.field == field
    assert world.workflows.calls_to(Workflow.STORYBOARD_DESIGN) == []
    with pytest.raises(NotFound):
        await design_storyboard(world.deps, DesignStoryboard(user.id, "nope", (Frame(1, "a"),)))


async def test_storyboard_edits_are_owned_versioned_and_renumbered() -> None:
    """Edits renumber frames 1..n, bump the version, refuse stale versions and strangers."""
    world = await make_world()
    alice, bob = await world.user("alice"), await world.user("bob")
    story_id = await _story(world, alice.id)
    board = (
        await design_storyboard(
            world.deps, DesignStoryboard(alice.id, story_id, (Frame(1, "一"), Frame(2, "二")))
        )
    ).storyboard
    edited = await edit_storyboard(
        world.deps,
        EditStoryboard(
            alice.id, board.id, board.version, "新标题", (Frame(7, "后"), Frame(3, "前"))
        ),
    )
    assert [f.scene_description for f in edited.frames] == ["前", "后"]
    assert [f.order for f in edited.frames] == [1, 2]
    assert (edited.title, edited.version) == ("新标题", board.version + 1)
    assert await get_storyboard(world.deps, alice.id, board.id) == edited
    with pytest.raises(Conflict):
        await edit_storyboard(world.deps, EditStoryboard(alice.id, board.id, board.version, "旧"))
    with pytest.raises(NotFound):
        await get_storyboard(world.deps, bob.id, board.id)
    with pytest.raises(NotFound):
        await edit_storyboard(world.deps, EditStoryboard(bob.id, board.id, edited.version, "x"))


async def test_streamed_reply_is_saved_even_when_the_client_stops_listening() -> None:
    """Closing the stream after the first piece still saves the whole exchange."""
    world = await make_world()
    user = await world.user()
    world.workflows.delay(Workflow.CHARACTER_CHAT, 0.01)
    stream = stream_chat(world.deps, SendMessage(user.id, "gone", SU_WAN, "你好"))
    first = await anext(aiter(stream))
    assert first.text
    await stream.aclose()  # type: ignore[attr-defined]
    for _ in range(100):
        if world.store.chats.get("gone") is not None and world.store.chats["gone"].message_count:
            break
        await asyncio.sleep(0.01)
    history = await get_chat_session(world.deps, user.id, "gone")
    assert [m.role.value for m in history.messages] == ["user", "assistant"]
    assert (await get_profile(world.deps, user.id)).usage.used == 1


async def test_streamed_reply_failing_upstream_keeps_nothing() -> None:
    """An upstream error mid-stream raises to the reader and gives the quota back."""
    world = await make_world()
    user = await world.user()
    world.workflows.fail(Workflow.CHARACTER_CHAT, UpstreamTimeout("character_chat", "slow"))
    with pytest.raises(UpstreamTimeout):
        async for _ in stream_chat(world.deps, SendMessage(user.id, "x", SU_WAN, "你好")):
            pass
    assert (await get_profile(world.deps, user.id)).usage.used == 0
