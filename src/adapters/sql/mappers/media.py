"""Monologues, synthesized audio and audio comics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping

from adapters.sql.mappers._json import items, obj, texts
from npc_core.model import (
    AudioFile,
    Comic,
    EmotionMarker,
    JsonObject,
    Monologue,
    TaskStatus,
    TimedSegment,
    TimelineSpan,
    TimingInfo,
    VoiceConfig,
)


def _marker_json(m: EmotionMarker) -> JsonObject:
    return {
        "position": m.position,
        "emotion": m.emotion,
        "intensity": m.intensity,
        "length": m.length,
    }


def _marker(data: Mapping[str, Any]) -> EmotionMarker:
    return EmotionMarker(data["position"], data["emotion"], data["intensity"], data["length"])


def _timing_json(timing: TimingInfo) -> JsonObject:
    return {
        "totalSeconds": timing.total_seconds,
        "cjkCharacters": timing.cjk_characters,
        "latinWords": timing.latin_words,
        "segments": [
            {
                "textStart": s.text_start,
                "textEnd": s.text_end,
                "startSeconds": s.start_seconds,
                "endSeconds": s.end_seconds,
                "emotion": s.emotion,
            }
            for s in timing.segments
        ],
    }


def _timing(data: Mapping[str, Any]) -> TimingInfo:
    segments = tuple(
        TimedSegment(s["textStart"], s["textEnd"], s["startSeconds"], s["endSeconds"], s["emotion"])
        for s in items(data.get("segments"))
    )
    return TimingInfo(
        total_seconds=data["totalSeconds"],
        cjk_characters=data["cjkCharacters"],
        latin_words=data["latinWords"],
        segments=segments,
    )


def monologue_row(monologue: Monologue) -> dict[str, object]:
    """Every column of a monologue."""
    return {
        "id": monologue.id,
        "user_id": monologue.user_id,
        "storyboard_id": monologue.storyboard_id,
        "character_id": monologue.character_id,
        "text": monologue.text,
        "emotion_markers": [_marker_json(m) for m in monologue.markers],
        "timing_info": _timing_json(monologue.timing),
        "status": monologue.status.value,
        "workflow_run_id": monologue.workflow_run_id,
        "created_at": monologue.created_at,
    }


def monologue_from(row: RowMapping) -> Monologue:
    """The monologue stored in `row`."""
    return Monologue(
        id=row["id"],
        user_id=row["user_id"],
        storyboard_id=row["storyboard_id"],
        character_id=row["character_id"],
        text=row["text"],
        markers=tuple(_marker(m) for m in items(row["emotion_markers"])),
        timing=_timing(obj(row["timing_info"])),
        created_at=row["created_at"],
        status=TaskStatus(row["status"]),
        workflow_run_id=row["workflow_run_id"],
    )


def audio_row(audio: AudioFile) -> dict[str, object]:
    """Every column of an audio file."""
    return {
        "id": audio.id,
        "user_id": audio.user_id,
        "monologue_id": audio.monologue_id,
        "storage_key": audio.storage_key,
        "duration_seconds": audio.duration_seconds,
        "size_bytes": audio.size_bytes,
        "voice_config": {
            "voice": audio.voice.voice,
            "speed": audio.voice.speed,
            "pitch": audio.voice.pitch,
        },
        "format": audio.format,
        "status": audio.status.value,
        "workflow_run_id": audio.workflow_run_id,
        "created_at": audio.created_at,
    }


def audio_from(row: RowMapping) -> AudioFile:
    """The audio file stored in `row`."""
    voice: Mapping[str, Any] = obj(row["voice_config"])
    return AudioFile(
        id=row["id"],
        user_id=row["user_id"],
        monologue_id=row["monologue_id"],
        storage_key=row["storage_key"],
        duration_seconds=row["duration_seconds"],
        size_bytes=row["size_bytes"],
        voice=VoiceConfig(voice["voice"], voice["speed"], voice["pitch"]),
        created_at=row["created_at"],
        format=row["format"],
        status=TaskStatus(row["status"]),
        workflow_run_id=row["workflow_run_id"],
    )


def _span_json(span: TimelineSpan) -> JsonObject:
    return {
        "panel": span.panel,
        "startMs": span.start_ms,
        "endMs": span.end_ms,
        "caption": span.caption,
        "emotion": span.emotion,
    }


def _span(data: Mapping[str, Any]) -> TimelineSpan:
    return TimelineSpan(
        data["panel"], data["startMs"], data["endMs"], data["caption"], data["emotion"]
    )


def comic_row(comic: Comic) -> dict[str, object]:
    """Every column of a comic."""
    return {
        "id": comic.id,
        "user_id": comic.user_id,
        "work_id": comic.work_id,
        "storyboard_id": comic.storyboard_id,
        "audio_id": comic.audio_id,
        "share_token": comic.share_token,
        "panel_keys": list(comic.panel_keys),
        "timeline": [_span_json(s) for s in comic.timeline],
        "duration_ms": comic.duration_ms,
        "style": comic.style,
        "sync_config": comic.sync_config,
        "render_status": comic.render_status.value,
        "view_count": comic.view_count,
        "created_at": comic.created_at,
    }


def comic_from(row: RowMapping) -> Comic:
    """The comic stored in `row`."""
    return Comic(
        id=row["id"],
        user_id=row["user_id"],
        work_id=row["work_id"],
        storyboard_id=row["storyboard_id"],
        audio_id=row["audio_id"],
        share_token=row["share_token"],
        panel_keys=texts(row["panel_keys"]),
        timeline=tuple(_span(s) for s in items(row["timeline"])),
        duration_ms=row["duration_ms"],
        created_at=row["created_at"],
        style=obj(row["style"]),
        sync_config=obj(row["sync_config"]),
        render_status=TaskStatus(row["render_status"]),
        view_count=row["view_count"],
    )
