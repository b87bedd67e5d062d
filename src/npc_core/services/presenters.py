"""Task results as JSON: the fields of the seed's responses, stored on the task row."""

from __future__ import annotations

from npc_core.model import AudioFile, Comic, JsonObject, Monologue


def monologue_json(monologue: Monologue) -> JsonObject:
    """What the monologue routes answer once the task is done."""
    timing = monologue.timing
    return {
        "monologueId": monologue.id,
        "workflowId": monologue.workflow_run_id,
        "monologue": monologue.text,
        "monologueText": monologue.text,
        "emotionMarkers": [
            {
                "position": m.position,
                "emotion": m.emotion,
                "intensity": m.intensity,
                "length": m.length,
            }
            for m in monologue.markers
        ],
        "timingInfo": {
            "totalDuration": timing.total_seconds,
            "cjkCharacters": timing.cjk_characters,
            "latinWords": timing.latin_words,
            "segments": [
                {
                    "textStart": s.text_start,
                    "textEnd": s.text_end,
                    "start": s.start_seconds,
                    "end": s.end_seconds,
                    "emotion": s.emotion,
                }
                for s in timing.segments
            ],
        },
    }


def audio_json(audio: AudioFile, url: str) -> JsonObject:
    """What the voice routes answer once the task is done."""
    return {
        "audioId": audio.id,
        "workflowId": audio.workflow_run_id,
        "audioUrl": url,
        "duration": audio.duration_seconds,
        "format": audio.format,
        "fileSize": audio.size_bytes,
    }


def comic_json(comic: Comic, share_url: str, title: str, workflow_run_id: str) -> JsonObject:
    """What the comic routes answer once the task is done."""
    return {
        "comicId": comic.id,
        "workId": comic.work_id,
        "workflowId": workflow_run_id,
        "comicUrl": share_url,
        "renderStatus": comic.render_status.value,
        "shareConfig": {"title": title, "description": "来听听角色的内心独白", "path": share_url},
        "timeline": [
            {
                "panel": s.panel,
                "startMs": s.start_ms,
                "endMs": s.end_ms,
                "caption": s.caption,
                "emotion": s.emotion,
            }
            for s in comic.timeline
        ],
    }
