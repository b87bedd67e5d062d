"""The scripted workflow runner: scripted answers, failures, latency, records, offline defaults."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import ScriptedWorkflowRunner, WorkflowCall
from adapters.memory.offline import MP3_HEADER, PNG_SIGNATURE
from npc_core.errors import UpstreamTimeout, UpstreamUnavailable, WorkflowNotConfigured
from npc_core.model import (
    CharacterAnalysis,
    Frame,
    Relationship,
    StoryNode,
    VoiceConfig,
    check_frames,
    check_markers,
    estimate_seconds,
)
from npc_core.ports import (
    CharacterAnalysisInput,
    CharacterAnalysisOutput,
    CharacterChatInput,
    CharacterChatOutput,
    ChatTurn,
    ComicInput,
    DialogueDiscussionInput,
    MonologueInput,
    StoryboardDesignInput,
    StoryReconstructInput,
    VoiceInput,
    Workflow,
    WorkflowRunner,
)

ANALYSIS_INPUT = CharacterAnalysisInput(
    movie_title="搏击俱乐部",
    character_name="泰勒",
    character_description="肥皂商人",
    dialogues=("你不是你的工作。", "第一条规则"),
    user_context={},
)
CHAT_INPUT = CharacterChatInput("泰勒", {}, (ChatTurn("user", "你好"),), "你为什么要这样做？")


def analysis_output(run_id: str = "scripted") -> CharacterAnalysisOutput:
    return CharacterAnalysisOutput(run_id, CharacterAnalysis("脚本"), ())


def test_the_runner_satisfies_the_port() -> None:
    """The runner is a `WorkflowRunner` (checked by mypy through this assignment)."""
    runner: WorkflowRunner = ScriptedWorkflowRunner()
    assert runner is not None


async def test_a_scripted_output_is_returned() -> None:
    """`returns` with a value makes the workflow answer with exactly that value."""
    runner = ScriptedWorkflowRunner().returns(Workflow.CHARACTER_ANALYSIS, analysis_output())
    assert await runner.analyze_character("u1", ANALYSIS_INPUT) == analysis_output()


async def test_a_scripted_callable_sees_the_input() -> None:
    """`returns` with a callable answers with what it makes of each input."""
    runner = ScriptedWorkflowRunner().returns(
        Workflow.CHARACTER_CHAT, lambda data: CharacterChatOutput("r", data.message[::-1], "怒")
    )
    answer = await runner.chat("u1", CHAT_INPUT)
    assert answer == CharacterChatOutput("r", CHAT_INPUT.message[::-1], "怒")


def test_scripting_an_output_of_the_wrong_type_is_refused() -> None:
    """A script whose output does not fit the workflow fails when written, not when run."""
    runner = ScriptedWorkflowRunner()
    with pytest.raises(TypeError, match="CharacterChatOutput"):
        runner.returns(Workflow.CHARACTER_CHAT, analysis_output())  # type: ignore[call-overload]


async def test_a_callable_producing_the_wrong_type_fails_the_call() -> None:
    """A callable script that returns the wrong type raises `TypeError` when called."""

    def wrong(_: CharacterAnalysisInput) -> object:
        return "oops"

    runner = ScriptedWorkflowRunner().returns(Workflow.CHARACTER_ANALYSIS, wrong)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="CharacterAnalysisOutput"):
        await runner.analyze_character("u1", ANALYSIS_INPUT)


async def test_failures_are_raised_once_each_in_order() -> None:
    """Each scripted error fails one call; after them the workflow answers again."""
    first, second = (
        UpstreamUnavailable("character_chat", "503"),
        UpstreamTimeout("character_chat", "slow"),
    )
    runner = ScriptedWorkflowRunner().fail(Workflow.CHARACTER_CHAT, first, second)
    with pytest.raises(UpstreamUnavailable):
        await runner.chat("u1", CHAT_INPUT)
    with pytest.raises(UpstreamTimeout):
        await runner.chat("u1", CHAT_INPUT)
    assert (await runner.chat("u1", CHAT_INPUT)).reply
    assert len(runner.calls_to(Workflow.CHARACTER_CHAT)) == 3


async def test_failures_of_one_workflow_leave_others_alone() -> None:
    """A failure scripted for one workflow is not spent by another."""
    runner = ScriptedWorkflowRunner().fail(
        Workflow.CHARACTER_ANALYSIS, UpstreamUnavailable("character_analysis", "down")
    )
    await runner.chat("u1", CHAT_INPUT)
    with pytest.raises(UpstreamUnavailable):
        await runner.analyze_character("u1", ANALYSIS_INPUT)


async def test_an_unconfigured_workflow_names_its_setting() -> None:
    """`not_configured` makes calls raise `WorkflowNotConfigured` naming the env variable."""
    runner = ScriptedWorkflowRunner().not_configured(Workflow.VOICE_SYNTHESIS)
    with pytest.raises(WorkflowNotConfigured) as raised:
        await runner.synthesize_voice("u1", VoiceInput("你好", VoiceConfig(), {}))
    assert raised.value.setting == "NPC_DIFY_KEY_VOICE_SYNTHESIS"
    assert raised.value.workflow == "voice_synthesis"
    runner.reset(Workflow.VOICE_SYNTHESIS)
    assert (await runner.synthesize_voice("u1", VoiceInput("你好", VoiceConfig(), {}))).audio.data


async def test_latency_is_awaited_and_cancellable() -> None:
    """A scripted delay keeps the call pending, so callers' deadlines can cut it short."""
    runner = ScriptedWorkflowRunner().delay(Workflow.CHARACTER_CHAT, 5)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(runner.chat("u1", CHAT_INPUT), 0.01)
    loop = asyncio.get_running_loop()
    quick = ScriptedWorkflowRunner(latency=0.02)
    started = loop.time()
    await asyncio.gather(*(quick.chat("u1", CHAT_INPUT) for _ in range(5)))
    assert 0.02 <= loop.time() - started < 0.5  # concurrent calls wait side by side


async def test_every_call_is_recorded() -> None:
    """`calls` keeps workflow, user and input of every call, failed ones included."""
    runner = ScriptedWorkflowRunner().not_configured(Workflow.CHARACTER_ANALYSIS)
    await runner.chat("u1", CHAT_INPUT)
    with pytest.raises(WorkflowNotConfigured):
        await runner.analyze_character("u2", ANALYSIS_INPUT)
    assert runner.calls == [
        WorkflowCall(Workflow.CHARACTER_CHAT, "u1", CHAT_INPUT),
        WorkflowCall(Workflow.CHARACTER_ANALYSIS, "u2", ANALYSIS_INPUT),
    ]


async def test_inputs_are_listed_by_their_type() -> None:
    """`inputs(kind)` gives the typed inputs of the workflow that takes `kind`."""
    runner = ScriptedWorkflowRunner()
    await runner.chat("u1", CHAT_INPUT)
    await runner.analyze_character("u1", ANALYSIS_INPUT)
    _ = [chunk async for chunk in runner.stream_chat("u2", CHAT_INPUT)]
    assert runner.inputs(CharacterChatInput) == [CHAT_INPUT, CHAT_INPUT]
    assert runner.inputs(CharacterAnalysisInput)[0].movie_title == "搏击俱乐部"
    assert runner.inputs(VoiceInput) == []


async def test_streaming_yields_the_reply_in_pieces_then_the_final_output() -> None:
    """Chunks concatenate to the reply; only the last chunk carries `final`."""
    scripted = CharacterChatOutput("run-9", "我从不后悔自己做过的任何事。", "坚定")
    runner = ScriptedWorkflowRunner(chunk_size=3).returns(Workflow.CHARACTER_CHAT, scripted)
    chunks = [chunk async for chunk in runner.stream_chat("u1", CHAT_INPUT)]
    assert chunks[-1].final == scripted
    assert chunks[-1].text == ""
    assert all(c.final is None and 0 < len(c.text) <= 3 for c in chunks[:-1])
    assert "".join(c.text for c in chunks) == scripted.reply
    assert runner.calls_to(Workflow.CHARACTER_CHAT) == [
        WorkflowCall(Workflow.CHARACTER_CHAT, "u1", CHAT_INPUT)
    ]


async def test_streaming_fails_before_the_first_chunk() -> None:
    """A scripted failure of the chat surfaces when the stream is first read."""
    runner = ScriptedWorkflowRunner().fail(
        Workflow.CHARACTER_CHAT, UpstreamUnavailable("character_chat", "down")
    )
    with pytest.raises(UpstreamUnavailable):
        _ = [chunk async for chunk in runner.stream_chat("u1", CHAT_INPUT)]


async def test_offline_analysis_names_the_character_and_suggests_traits() -> None:
    """Unscripted, the analysis mentions the character and suggests 勇敢 and 冷静 with evidence."""
    output = await ScriptedWorkflowRunner().analyze_character("u1", ANALYSIS_INPUT)
    assert "泰勒" in output.analysis.summary
    assert [t.name for t in output.traits] == ["勇敢", "冷静"]
    assert output.traits[0].evidence == ("你不是你的工作。",)
    assert output.run_id


async def test_offline_answers_are_deterministic_apart_from_run_id() -> None:
    """Two offline runs of one input differ only in their run ids."""
    runner = ScriptedWorkflowRunner()
    first = await runner.chat("u1", CHAT_INPUT)
    second = await runner.chat("u1", CHAT_INPUT)
    assert first.run_id != second.run_id
    assert (first.reply, first.emotion) == (second.reply, second.emotion)


async def test_offline_discussion_and_story_answers() -> None:
    """The discussion quotes the line; the story review keeps the nodes in order."""
    runner = ScriptedWorkflowRunner()
    talk = await runner.discuss_dialogue(
        "u1", DialogueDiscussionInput("泰勒", {}, "你不是你的工作。", "他在反抗", ())
    )
    assert "你不是你的工作" in talk.ai_response
    assert talk.personality_tags
    nodes = (StoryNode("b", 2, "发展"), StoryNode("a", 1, "开端"), StoryNode("c", 3, "孤立"))
    story = await runner.reconstruct_story(
        "u1", StoryReconstructInput("片名", "泰勒", nodes, (Relationship("a", "b", "因果"),), "")
    )
    assert [n.id for n in story.nodes] == ["a", "b", "c"]
    assert story.logic_issues == ("情节「孤立」与其他情节没有关联",)
    assert story.enhanced_monologue


async def test_offline_storyboard_frames_are_valid() -> None:
    """Designed frames are numbered 1..n and fill in what the user left empty."""
    runner = ScriptedWorkflowRunner()
    given_frames = (Frame.written_by_user(1, dialogue="你好"), Frame(2, "雨夜", camera="远景"))
    design = await runner.design_storyboard("u1", StoryboardDesignInput({}, given_frames, {}, ()))
    check_frames(design.frames)
    assert design.frames[0].dialogue == "你好"
    assert design.frames[0].camera
    assert design.frames[1].camera == "远景"
    fresh = await runner.design_storyboard("u1", StoryboardDesignInput({}, (), {}, ("一", "二")))
    assert [f.dialogue for f in fresh.frames] == ["一", "二"]


async def test_offline_voice_is_an_mp3_with_the_estimated_duration() -> None:
    """The audio starts like an MP3 and its duration is `estimate_seconds` of the text."""
    text = "我是泰勒。我从不后悔。"
    voice = await ScriptedWorkflowRunner().synthesize_voice(
        "u1", VoiceInput(text, VoiceConfig(speed=1.25), {})
    )
    assert voice.audio.data.startswith(MP3_HEADER)
    assert voice.audio.content_type == "audio/mpeg"
    assert voice.duration_seconds == round(estimate_seconds(text, 1.25), 3)


async def test_offline_comic_has_one_png_per_frame() -> None:
    """The comic has one image per frame, in frame order."""
    frames = (Frame(1, "雨夜"), Frame(2, "街道"), Frame(3, "屋顶"))
    comic = await ScriptedWorkflowRunner().render_comic("u1", ComicInput(frames, "水墨", {}))
    assert len(comic.panels) == 3
    assert all(
        p.data.startswith(PNG_SIGNATURE) and p.content_type == "image/png" for p in comic.panels
    )
    assert len({p.data for p in comic.panels}) == 3


@given(
    name=st.text(min_size=1, max_size=30).filter(str.strip),
    lines=st.lists(st.text(max_size=200), max_size=8),
    tone=st.text(max_size=80),
)
def test_offline_monologues_always_have_valid_markers(
    name: str, lines: list[str], tone: str
) -> None:
    """Whatever the frames say, the monologue has one or two markers inside its text."""
    data = MonologueInput(name, {}, tuple({"dialogue": line} for line in lines), tone)
    output = asyncio.run(ScriptedWorkflowRunner().generate_monologue("u1", data))
    check_markers(output.markers, len(output.text))
    assert 1 <= len(output.markers) <= 2
    assert output.text.startswith(f"我是{name}")
