"""Voice synthesis results: audio files and the voice they were spoken in."""

from __future__ import annotations

from datetime import datetime

import attrs

from npc_core.model import _checks, limits
from npc_core.model.tasks import TaskStatus


@attrs.frozen
class VoiceConfig:
    """Which voice speaks, how fast and how high (both 0.5-2.0, 1.0 is natural)."""

    voice: str = attrs.field(default="default", validator=_checks.text(limits.SHORT_LABEL))
    speed: float = attrs.field(default=1.0, validator=_checks.number_in(0.5, 2.0))
    pitch: float = attrs.field(default=1.0, validator=_checks.number_in(0.5, 2.0))


def audio_key(monologue_id: str, task_id: str, extension: str = "mp3") -> str:
    """Storage key of a synthesized file: a retried task overwrites, never duplicates."""
    return f"audio/{monologue_id}/{task_id}.{extension}"


@attrs.frozen
class AudioFile:
    """A synthesized recording of a monologue, stored under `storage_key`."""

    id: str
    user_id: str
    monologue_id: str
    storage_key: str
    duration_seconds: float = attrs.field(validator=_checks.number_in(0.001, 24 * 3600))
    size_bytes: int
    voice: VoiceConfig
    created_at: datetime
    format: str = "mp3"
    status: TaskStatus = TaskStatus.COMPLETED
    workflow_run_id: str | None = None
