"""Task-backed answers, task status, generated results, works."""

from __future__ import annotations

from datetime import datetime

import msgspec

from entrypoints.http.wire.common import JsonObject, Wire


class EmotionMarkerOut(Wire):
    position: int
    emotion: str
    intensity: float
    length: int | None = None


class TimedSegmentOut(Wire):
    text_start: int
    text_end: int
    start: float
    end: float
    emotion: str | None = None


class TimingOut(Wire):
    total_duration: float
    cjk_characters: int
    latin_words: int
    segments: list[TimedSegmentOut]


class TimelineSpanOut(Wire):
    panel: int
    start_ms: int
    end_ms: int
    caption: str
    emotion: str | None = None


class ShareConfig(Wire):
    title: str
    description: str
    path: str


class Backed(Wire, omit_defaults=True):
    """What every task-backed route answers: the task, and the result once it is done."""

    task_id: str
    status: str
    progress: int
    success: bool | msgspec.UnsetType = msgspec.UNSET
    error: str | msgspec.UnsetType = msgspec.UNSET
    workflow_id: str | msgspec.UnsetType | None = msgspec.UNSET


class MonologueTaskResponse(Backed, omit_defaults=True):
    monologue_id: str | msgspec.UnsetType = msgspec.UNSET
    monologue: str | msgspec.UnsetType = msgspec.UNSET
    monologue_text: str | msgspec.UnsetType = msgspec.UNSET
    emotion_markers: list[EmotionMarkerOut] | msgspec.UnsetType = msgspec.UNSET
    timing_info: TimingOut | msgspec.UnsetType = msgspec.UNSET


class AudioTaskResponse(Backed, omit_defaults=True):
    audio_id: str | msgspec.UnsetType = msgspec.UNSET
    audio_url: str | msgspec.UnsetType = msgspec.UNSET
    duration: float | msgspec.UnsetType = msgspec.UNSET
    format: str | msgspec.UnsetType = msgspec.UNSET
    file_size: int | msgspec.UnsetType = msgspec.UNSET


class ComicTaskResponse(Backed, omit_defaults=True):
    comic_id: str | msgspec.UnsetType = msgspec.UNSET
    work_id: str | msgspec.UnsetType = msgspec.UNSET
    comic_url: str | msgspec.UnsetType = msgspec.UNSET
    share_config: ShareConfig | msgspec.UnsetType = msgspec.UNSET
    render_status: str | msgspec.UnsetType = msgspec.UNSET
    timeline: list[TimelineSpanOut] | msgspec.UnsetType = msgspec.UNSET


class TaskStatusResponse(Wire):
    success: bool
    task_id: str
    task_type: str
    status: str
    progress: int
    result: JsonObject | None
    error: str | None
    retry_count: int
    created_at: datetime
    updated_at: datetime


class MonologueResponse(Wire):
    success: bool
    monologue_id: str
    storyboard_id: str
    character_id: str
    monologue_text: str
    emotion_markers: list[EmotionMarkerOut]
    timing_info: TimingOut
    created_at: datetime


class AudioResponse(Wire):
    success: bool
    audio_id: str
    monologue_id: str
    audio_url: str
    duration: float
    format: str
    file_size: int
    voice_config: JsonObject
    created_at: datetime


class ComicResponse(Wire):
    success: bool
    comic_id: str
    work_id: str
    storyboard_id: str
    audio_id: str
    comic_url: str
    audio_url: str
    panel_urls: list[str]
    duration_ms: int
    timeline: list[TimelineSpanOut]
    render_status: str
    view_count: int
    created_at: datetime


class WorkOut(Wire):
    id: str
    title: str
    work_type: str
    movie_id: str | None
    character_id: str | None
    metadata: JsonObject
    created_at: datetime


class WorksResponse(Wire):
    success: bool
    works: list[WorkOut]
    total: int
    page: int
    page_size: int
    has_more: bool


class WorkDetailResponse(Wire):
    success: bool
    work: WorkOut
    storyboard_id: str | None
    comic_id: str | None


class DeletedResponse(Wire):
    success: bool
    id: str


class HealthResponse(Wire):
    status: str


class ReadyResponse(Wire):
    status: str
    checks: dict[str, str]
