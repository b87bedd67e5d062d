"""Voice synthesis measures the recording it stores: duration, format and size."""

from __future__ import annotations

import logging

import attrs
import pytest

from npc_core.model import AudioFile, TaskStatus, audio_key, estimate_seconds
from npc_core.ports import GeneratedFile, VoiceOutput, Workflow
from npc_core.services import get_audio, get_comic, get_monologue
from tests.audio_samples import cbr_mp3, wav_bytes, xing_frame
from tests.unit.services import flow
from tests.unit.services.world import World, make_world

LOGGER = "npc_core.services.audio"


@attrs.frozen
class Voiced:
    user_id: str
    board_id: str
    monologue_id: str
    task_id: str
    audio_id: str


async def _synthesize(world: World, output: VoiceOutput) -> Voiced:
    """Run the flow to a finished voice task answered by `output`."""
    world.workflows.returns(Workflow.VOICE_SYNTHESIS, output)
    user = await world.user()
    board = await flow.storyboard(world, user.id)
    monologue_id = flow.field(await flow.monologue(world, user.id, board), "monologueId")
    task = await flow.voice(world, user.id, monologue_id)
    assert task.status is TaskStatus.COMPLETED, task.error_message
    return Voiced(user.id, board, monologue_id, task.id, flow.field(task, "audioId"))


async def _audio(world: World, voiced: Voiced) -> AudioFile:
    return (await get_audio(world.deps, voiced.user_id, voiced.audio_id)).audio


async def test_an_unstated_duration_is_measured_from_a_wav(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A WAV without a stated duration is stored as .wav with its measured length and size."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    world = await make_world()
    data = wav_bytes(2.75)
    voiced = await _synthesize(world, VoiceOutput("run-1", GeneratedFile(data, "audio/wav"), None))
    audio = await _audio(world, voiced)
    assert audio.duration_seconds == 2.75
    assert (audio.format, audio.size_bytes) == ("wav", len(data))
    assert audio.storage_key == audio_key(voiced.monologue_id, voiced.task_id, "wav")
    assert await world.storage.get(audio.storage_key) == data
    assert not caplog.records


async def test_an_unstated_duration_is_measured_from_an_mp3() -> None:
    """An MP3 with a Xing header and no stated duration gets the header's duration."""
    world = await make_world()
    data = xing_frame(200) + cbr_mp3(200)
    voiced = await _synthesize(world, VoiceOutput("run-1", GeneratedFile(data, "audio/mpeg"), None))
    audio = await _audio(world, voiced)
    assert audio.duration_seconds == round(200 * 1152 / 44100, 3)
    assert (audio.format, audio.size_bytes) == ("mp3", len(data))
    assert audio.storage_key == audio_key(voiced.monologue_id, voiced.task_id, "mp3")


async def test_unmeasurable_audio_falls_back_to_the_text_estimate_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bytes that cannot be measured get the monologue's spoken estimate, with a warning."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    world = await make_world()
    voiced = await _synthesize(
        world, VoiceOutput("run-1", GeneratedFile(b"OggS not really", "audio/ogg"), None)
    )
    audio = await _audio(world, voiced)
    monologue = await get_monologue(world.deps, voiced.user_id, voiced.monologue_id)
    assert audio.duration_seconds == round(estimate_seconds(monologue.text), 3)
    assert audio.format == "ogg"
    assert audio.storage_key.endswith(".ogg")
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "could not measure" in caplog.records[0].getMessage()
    assert voiced.task_id in caplog.records[0].getMessage()


async def test_a_stated_duration_close_to_the_measured_one_is_kept_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Within 10% of the measurement the workflow's figure is recorded, with no warning."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    world = await make_world()
    voiced = await _synthesize(
        world, VoiceOutput("run-1", GeneratedFile(wav_bytes(2.0), "audio/wav"), 2.15)
    )
    audio = await _audio(world, voiced)
    assert audio.duration_seconds == 2.15
    assert not caplog.records


async def test_a_stated_duration_far_from_the_measured_one_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """More than 10% apart, the stated figure is kept and a warning names both numbers."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    world = await make_world()
    voiced = await _synthesize(
        world, VoiceOutput("run-1", GeneratedFile(wav_bytes(2.0), "audio/wav"), 2.5)
    )
    audio = await _audio(world, voiced)
    assert audio.duration_seconds == 2.5
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "2.500" in record.getMessage()
    assert "2.000" in record.getMessage()


async def test_a_stated_duration_of_unmeasurable_bytes_is_trusted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With nothing to compare against, the workflow's duration stands and nothing is logged."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    world = await make_world()
    voiced = await _synthesize(
        world, VoiceOutput("run-1", GeneratedFile(b"\x00" * 64, "audio/mpeg"), 3.25)
    )
    audio = await _audio(world, voiced)
    assert (audio.duration_seconds, audio.format) == (3.25, "mp3")
    assert not caplog.records


async def test_the_comic_timeline_spans_the_measured_recording() -> None:
    """The comic rendered on a measured recording ends exactly at its length."""
    world = await make_world()
    voiced = await _synthesize(
        world, VoiceOutput("run-1", GeneratedFile(wav_bytes(4.321), "audio/wav"), None)
    )
    task = await flow.comic(world, voiced.user_id, voiced.board_id, voiced.audio_id)
    view = await get_comic(world.deps, voiced.user_id, flow.field(task, "comicId"))
    assert view.comic.duration_ms == 4321
    assert view.comic.timeline[-1].end_ms == 4321
