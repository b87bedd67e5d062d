"""Domain values to wire types: the only place that knows both."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from entrypoints.http.wire import creation as c
from entrypoints.http.wire import library as lib
from entrypoints.http.wire import results as r
from entrypoints.http.wire.auth import UserInfo
from npc_core.model import (
    Character,
    DialogueLine,
    Frame,
    Monologue,
    Movie,
    Relationship,
    Storyboard,
    StoryNode,
    Task,
    TraitSuggestion,
    User,
    UserWork,
)
from npc_core.model._checks import camel
from npc_core.services import ComicView

B = TypeVar("B", bound=r.Backed)


def user_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        nickname=user.nickname,
        avatar_url=user.avatar_url,
        membership_type=user.membership.value,
        usage_count=user.usage_count,
        created_at=user.created_at,
    )


def movie(m: Movie) -> lib.MovieOut:
    return lib.MovieOut(
        id=m.id,
        tmdb_id=m.tmdb_id,
        title=m.title,
        original_title=m.original_title,
        overview=m.overview,
        poster_url=m.poster_url,
        rating=m.rating,
        genres=list(m.genres),
        aliases=list(m.aliases),
        release_year=m.release_year,
        director=m.director,
        release_date=m.release_date,
    )


def character(ch: Character) -> lib.CharacterOut:
    return lib.CharacterOut(
        id=ch.id,
        movie_id=ch.movie_id,
        name=ch.name,
        description=ch.description,
        avatar_url=ch.avatar_url,
        importance_level=ch.importance,
        dialogue_count=ch.line_count,
        personality_traits=list(ch.personality_traits),
    )


def dialogue(line: DialogueLine) -> lib.DialogueOut:
    return lib.DialogueOut(
        id=line.id,
        movie_id=line.movie_id,
        character_id=line.character_id,
        speaker=line.speaker,
        dialogue_content=line.content,
        order=line.order,
        scene=line.scene,
        start_ms=line.start_ms,
        end_ms=line.end_ms,
    )


def trait(t: TraitSuggestion) -> c.TraitOut:
    return c.TraitOut(name=t.name, evidence=list(t.evidence), confidence=t.confidence)


def frame_in(f: c.FrameIn) -> Frame:
    return Frame(
        order=f.order,
        scene_description=f.scene_description,
        dialogue=f.dialogue,
        camera=f.camera,
        visual_effects=tuple(f.visual_effects),
        image_url=f.image_url,
    )


def frame(f: Frame) -> c.FrameOut:
    return c.FrameOut(
        order=f.order,
        scene_description=f.scene_description,
        dialogue=f.dialogue,
        camera=f.camera,
        visual_effects=list(f.visual_effects),
        image_url=f.image_url,
        user_fields=sorted(camel(x) for x in f.user_fields),
    )


def storyboard(b: Storyboard) -> c.StoryboardOut:
    return c.StoryboardOut(
        id=b.id,
        story_id=b.story_id,
        work_id=b.work_id,
        title=b.title,
        frames=[frame(f) for f in b.frames],
        style_preference=dict(b.style_preference),
        visual_suggestions=list(b.visual_suggestions),
        version=b.version,
        created_at=b.created_at,
        updated_at=b.updated_at,
    )


def node_in(n: c.StoryNodeIn) -> StoryNode:
    return StoryNode(n.id, n.order, n.title, n.content, tuple(n.character_ids))


def relationship_in(rel: c.RelationshipIn) -> Relationship:
    return Relationship(rel.source, rel.target, rel.type, rel.description)


def optimized(nodes: tuple[StoryNode, ...], rels: tuple[Relationship, ...]) -> c.OptimizedStory:
    return c.OptimizedStory(
        nodes=[
            {
                "id": n.id,
                "order": n.order,
                "title": n.title,
                "content": n.content,
                "characterIds": list(n.character_ids),
            }
            for n in nodes
        ],
        relationships=[
            {"source": x.source, "target": x.target, "type": x.kind, "description": x.description}
            for x in rels
        ],
    )


def backed(kind: type[B], task: Task, *, business: bool) -> B:
    """A task-backed answer: the task's state, with the result's fields once completed."""
    fields: dict[str, Any] = {
        "taskId": task.id,
        "status": task.status.value,
        "progress": task.progress,
    }
    if task.status.value == "completed" and task.result:
        fields |= task.result
    if task.status.value == "pending":
        fields["status"] = "processing"  # the client only needs to know it is not done
    if task.error_message and task.status.value == "failed":
        fields["error"] = task.error_message
    if business:
        fields["success"] = task.status.value != "failed"
    return msgspec.convert(fields, kind, strict=False)


def task_status(task: Task) -> r.TaskStatusResponse:
    return r.TaskStatusResponse(
        success=True,
        task_id=task.id,
        task_type=task.task_type.value,
        status=task.status.value,
        progress=task.progress,
        result=task.result,
        error=task.error_message,
        retry_count=task.retry_count,
        created_at=task.created_at,
        updated_at=task.updated_at,
    )


def work(w: UserWork) -> r.WorkOut:
    return r.WorkOut(
        id=w.id,
        title=w.title,
        work_type=w.work_type.value,
        movie_id=w.movie_id,
        character_id=w.character_id,
        metadata=dict(w.metadata),
        created_at=w.created_at,
    )


def markers(m: Monologue) -> list[r.EmotionMarkerOut]:
    return [
        r.EmotionMarkerOut(
            position=x.position, emotion=x.emotion, intensity=x.intensity, length=x.length
        )
        for x in m.markers
    ]


def timing(m: Monologue) -> r.TimingOut:
    t = m.timing
    return r.TimingOut(
        total_duration=t.total_seconds,
        cjk_characters=t.cjk_characters,
        latin_words=t.latin_words,
        segments=[
            r.TimedSegmentOut(
                text_start=x.text_start,
                text_end=x.text_end,
                start=x.start_seconds,
                end=x.end_seconds,
                emotion=x.emotion,
            )
            for x in t.segments
        ],
    )


def comic(view: ComicView) -> r.ComicResponse:
    m = view.comic
    return r.ComicResponse(
        success=True,
        comic_id=m.id,
        work_id=m.work_id,
        storyboard_id=m.storyboard_id,
        audio_id=m.audio_id,
        comic_url=view.share_url,
        audio_url=view.audio_url,
        panel_urls=list(view.panel_urls),
        duration_ms=m.duration_ms,
        timeline=[
            r.TimelineSpanOut(
                panel=s.panel,
                start_ms=s.start_ms,
                end_ms=s.end_ms,
                caption=s.caption,
                emotion=s.emotion,
            )
            for s in m.timeline
        ],
        render_status=m.render_status.value,
        view_count=m.view_count,
        created_at=m.created_at,
    )
