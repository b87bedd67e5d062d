"""Speaking a monologue in the character's voice (task-backed)."""

from __future__ import annotations

import asyncio
import logging
import math

import attrs

from npc_core.errors import NotFound, UpstreamBadOutput
from npc_core.model import (
    AudioFile,
    AudioInfo,
    JsonObject,
    Monologue,
    Task,
    TaskType,
    VoiceConfig,
    audio_key,
    estimate_seconds,
    format_for_content_type,
    measure_audio,
)
from npc_core.ports import UnitOfWork, VoiceInput, Workflow
from npc_core.services.deps import Deps
from npc_core.services.files import put_file
from npc_core.services.presenters import audio_json
from npc_core.services.tasks import current_task, finish, report_progress, submit
from npc_core.services.users import require_user

MAX_AUDIO_BYTES = 50 * 1024 * 1024
MAX_AUDIO_SECONDS = 24 * 3600
# How far the workflow's stated duration may stray from the measured one unremarked.
DURATION_TOLERANCE = 0.10

_log = logging.getLogger(__name__)


@attrs.frozen
class StartVoice:
    user_id: str
    monologue_id: str
    voice: VoiceConfig = VoiceConfig()
    character: JsonObject = attrs.field(factory=dict)


async def start_voice(deps: Deps, command: StartVoice) -> Task:
    """Check the monologue, then queue the synthesis."""
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        await require_monologue(uow, user.id, command.monologue_id)
    payload: JsonObject = {
        "audioId": deps.ids.new_id(),
        "monologueId": command.monologue_id,
        "voice": {
            "voice": command.voice.voice,
            "speed": command.voice.speed,
            "pitch": command.voice.pitch,
        },
        "character": command.character,
    }
    return await submit(deps, user, TaskType.AUDIO_SYNTHESIS, payload)


async def require_monologue(uow: UnitOfWork, user_id: str, monologue_id: str) -> Monologue:
    """The user's monologue, or `NotFound`."""
    monologue = await uow.monologues.get(monologue_id, user_id)
    if monologue is None:
        raise NotFound("monologue", monologue_id)
    return monologue


def _voice(raw: object) -> VoiceConfig:
    v = raw if isinstance(raw, dict) else {}
    return VoiceConfig(
        str(v.get("voice", "default")), float(v.get("speed", 1.0)), float(v.get("pitch", 1.0))
    )


async def handle_voice(deps: Deps, task: Task) -> Task:
    """Synthesize, store the file under a key derived from the task, record the audio."""
    p = task.payload
    async with deps.uow() as uow:
        monologue = await require_monologue(uow, task.user_id, str(p["monologueId"]))
    voice = _voice(p.get("voice"))
    character = p.get("character")
    output = await deps.workflows.synthesize_voice(
        task.user_id,
        VoiceInput(monologue.text, voice, character if isinstance(character, dict) else {}),
    )
    await report_progress(deps, task, 60)
    audio_bytes = output.audio.data
    if not audio_bytes or len(audio_bytes) > MAX_AUDIO_BYTES:
        raise UpstreamBadOutput(Workflow.VOICE_SYNTHESIS.value, "audio", "empty or too large")
    if not output.audio.content_type.startswith("audio/"):
        raise UpstreamBadOutput(
            Workflow.VOICE_SYNTHESIS.value,
            "audio",
            f"content type {output.audio.content_type!r} is not audio",
        )
    # Walking a long headerless MP3 takes a while: keep it off the event loop.
    measured = await asyncio.to_thread(measure_audio, audio_bytes)
    audio_format = (
        measured.format if measured else format_for_content_type(output.audio.content_type) or "mp3"
    )
    key = audio_key(monologue.id, task.id, audio_format)
    stored = await put_file(deps, key, audio_bytes, output.audio.content_type)
    duration = _duration(output.duration_seconds, measured, monologue.text, voice.speed, task)
    audio = AudioFile(
        id=str(p["audioId"]),
        user_id=task.user_id,
        monologue_id=monologue.id,
        storage_key=key,
        duration_seconds=round(duration, 3),
        size_bytes=stored.size,
        voice=voice,
        created_at=deps.clock.now(),
        format=audio_format,
        workflow_run_id=output.run_id,
    )
    url = await deps.storage.url(key, deps.settings.file_url_ttl_seconds)
    async with deps.uow() as uow:
        done = await finish(uow, deps, task, audio_json(audio, url))
        if done is None:
            return await current_task(uow, task)
        await uow.audio.add(audio)
        await uow.commit()
    return done


def _duration(
    reported: float | None, measured: AudioInfo | None, text: str, speed: float, task: Task
) -> float:
    """How long the recording plays: as the workflow says, else as measured, else estimated.

    Without either, the text's estimate at the chosen speed keeps the comic timeline
    covering the whole recording. A stated duration far from the measured one is kept
    (the workflow may know better than a header) but logged: one of them is wrong.
    """
    seconds = measured.duration_seconds if measured else None
    if seconds is not None and not 0 < seconds <= MAX_AUDIO_SECONDS:
        seconds = None
    if reported is not None and math.isfinite(reported) and reported > 0:
        if seconds is not None and abs(reported - seconds) > DURATION_TOLERANCE * seconds:
            _log.warning(
                "voice workflow says the audio lasts %.3f s but it measures %.3f s "
                "(task %s, audio %s)",
                reported,
                seconds,
                task.id,
                task.payload.get("audioId"),
            )
        return reported
    if seconds is not None:
        return seconds
    estimate = max(estimate_seconds(text, speed), 0.1)
    _log.warning(
        "could not measure the synthesized audio; using the text's estimate of %.3f s (task %s)",
        estimate,
        task.id,
    )
    return estimate


@attrs.frozen
class AudioView:
    audio: AudioFile
    url: str


async def get_audio(deps: Deps, user_id: str, audio_id: str) -> AudioView:
    """One of the user's recordings, with a fresh URL to fetch it."""
    async with deps.uow() as uow:
        audio = await uow.audio.get(audio_id, user_id)
    if audio is None:
        raise NotFound("audio", audio_id)
    return AudioView(
        audio, await deps.storage.url(audio.storage_key, deps.settings.file_url_ttl_seconds)
    )
