"""DifyWorkflowRunner against the Dify-compatible server: streams, stops, files, the pool."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncGenerator, AsyncIterator, Iterator

import attrs
import pytest
from structlog.testing import capture_logs

from adapters.dify import DifyWorkflowRunner, new_client
from adapters.dify.runs import stopping
from npc_core.errors import UpstreamTimeout, UpstreamUnavailable
from npc_core.model import Frame, VoiceConfig
from npc_core.ports import (
    CharacterChatInput,
    ComicInput,
    DialogueDiscussionInput,
    MonologueInput,
    VoiceInput,
)
from tests.dify_server import DifyControl, Fault, dify_server
from tests.dify_server import canned as c
from tests.integration.dify_support import FAST

CHAT = CharacterChatInput("林舟", {}, (), "你好")
VOICE = VoiceInput("我是林舟。", VoiceConfig(), {})


@pytest.fixture
def dify() -> Iterator[tuple[str, DifyControl]]:
    with dify_server() as server:
        yield server


@pytest.fixture
async def runner(dify: tuple[str, DifyControl]) -> AsyncIterator[DifyWorkflowRunner]:
    base_url, control = dify
    client = new_client()
    yield DifyWorkflowRunner(client, base_url, control.keys, options=FAST)
    await stopping()
    await client.aclose()


async def test_tts_events_after_the_end_are_not_waited_for(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """A stream kept open with TTS events after workflow_finished: the voice returns at once."""
    _, control = dify
    control.script("voice_synthesis", tts_after_finish=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    output = await runner.synthesize_voice("u1", VOICE)
    assert loop.time() - started < 2  # the server holds the stream for 30 s
    assert output.audio.data == c.MP3
    assert output.duration_seconds == 4.2


async def test_a_chat_stream_left_by_its_reader_is_stopped_at_dify(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """Closing `stream_chat` after the first chunk sends the stop request for that task."""
    _, control = dify
    control.script("character_chat", latency=30)
    stream = runner.stream_chat("user-9", CHAT)
    assert isinstance(stream, AsyncGenerator)
    first = await anext(stream)
    assert first.text == c.REPLY[:4]
    await stream.aclose()
    await stopping()
    [run] = control.runs.values()
    assert control.stops == [(run.task_id, "user-9")]


async def test_a_long_run_past_its_deadline_times_out_and_is_stopped(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """A monologue still running at the deadline: UpstreamTimeout, and the run is stopped."""
    _, control = dify
    control.script("monologue_generation", latency=30)
    runner.options = attrs.evolve(FAST, long_deadline=0.5)
    with pytest.raises(UpstreamTimeout):
        await runner.generate_monologue("u1", MonologueInput("林舟", {}, (), "平静"))
    await stopping()
    [run] = control.runs.values()
    assert control.stops == [(run.task_id, "u1")]


async def test_a_cancelled_run_is_stopped(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """Cancelling the task that awaits a streamed run stops the run at Dify."""
    _, control = dify
    control.script("voice_synthesis", latency=30)
    task = asyncio.create_task(runner.synthesize_voice("u1", VOICE))
    while not control.runs:  # noqa: ASYNC110 - the server runs in another thread
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await stopping()
    assert len(control.stops) == 1


async def test_a_stream_broken_while_running_is_polled_until_it_ends(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """The stream dies; the run is still `running` at first; the detail is polled to its end."""
    _, control = dify
    control.script("character_chat", latency=0.3)
    control.fail("character_chat", Fault.DROP)
    output = await runner.chat("u1", CHAT)
    assert output.reply == c.REPLY
    assert len(control.run_requests("character_chat")) == 1
    assert control.count("GET", "/workflows/run/") >= 2


async def test_a_stream_that_ends_without_its_end_event_is_recovered_not_rerun(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """A stream closed cleanly after its first text (no workflow_finished) is not run again.

    The rest of the reply comes from the run detail as the last chunk; one run in all.
    """
    _, control = dify
    control.script("character_chat", latency=0.2)
    control.fail("character_chat", Fault.TRUNCATED)
    chunks = [chunk async for chunk in runner.stream_chat("u1", CHAT)]
    assert "".join(x.text for x in chunks) == c.REPLY
    final = chunks[-1].final
    assert final is not None
    assert final.reply == c.REPLY
    assert len(control.run_requests("character_chat")) == 1
    assert control.count("GET", "/workflows/run/") >= 1


async def test_absolute_file_urls_download_too(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """With FILES_URL set at Dify (absolute URLs), panels download the same, in frame order."""
    _, control = dify
    control.relative_urls = False
    frames = tuple(Frame(i) for i in (1, 2, 3))
    output = await runner.render_comic("u1", ComicInput(frames, "manga", {}))
    assert [p.data for p in output.panels] == [c.PNG + bytes([i]) for i in range(3)]
    assert {p.content_type for p in output.panels} == {"image/png"}


async def test_an_unreachable_dify_is_unavailable_after_the_attempts() -> None:
    """Nothing listening: connection refused on each attempt, then UpstreamUnavailable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = new_client()
    runner = DifyWorkflowRunner(
        client, f"http://127.0.0.1:{port}/v1", {"dialogue_discussion": "app-x"}, options=FAST
    )
    try:
        with pytest.raises(UpstreamUnavailable, match="3 attempts"):
            await runner.discuss_dialogue("u", DialogueDiscussionInput("林舟", {}, "a", "b", ()))
    finally:
        await client.aclose()


async def test_the_shared_client_holds_many_runs_at_once(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """300 concurrent runs on one client, each answering after 0.3 s, all succeed together."""
    _, control = dify
    control.script("dialogue_discussion", latency=0.3)
    data = DialogueDiscussionInput("林舟", {}, "要下雨了", "他在担心", ())
    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await asyncio.gather(*(runner.discuss_dialogue(f"u{i}", data) for i in range(300)))
    assert {r.ai_response for r in results} == {c.AI_RESPONSE}
    assert len({r.run_id for r in results}) == 300
    assert loop.time() - started < 3  # concurrent, not one after another


async def test_each_run_is_logged_once_with_its_figures(
    runner: DifyWorkflowRunner, dify: tuple[str, DifyControl]
) -> None:
    """One `dify run` line per call: workflow, run id, status, elapsed, tokens, attempts."""
    _, control = dify
    control.fail("character_chat", Fault.SERVER_ERROR)
    with capture_logs() as logs:
        output = await runner.chat("u1", CHAT)
    [line] = [entry for entry in logs if entry["event"] == "dify run"]
    assert line["workflow"] == "character_chat"
    assert line["run_id"] == output.run_id
    assert (line["status"], line["outcome"], line["attempts"]) == ("succeeded", "succeeded", 2)
    assert line["tokens"] == 321
    assert line["elapsed_ms"] > 0
