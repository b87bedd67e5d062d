"""Valid domain objects with sensible defaults, for the contract suites.

Times are whole seconds and floats are exact binary fractions, so every store can
round-trip them unchanged.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from npc_core.model import (
    AudioFile,
    Character,
    ChatMessage,
    ChatSession,
    CollaborationLogEntry,
    CollaborativeSession,
    Comic,
    Contributor,
    DialogueAnalysis,
    DialogueLine,
    EmotionMarker,
    Frame,
    Membership,
    Monologue,
    Movie,
    Relationship,
    Role,
    SessionType,
    Story,
    Storyboard,
    StoryNode,
    Task,
    TaskStatus,
    TaskType,
    TraitProfile,
    TraitSuggestion,
    User,
    UserWork,
    VoiceConfig,
    WorkType,
    build_timeline,
    build_timing,
    merge_traits,
    panel_key,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def at(seconds: int) -> datetime:
    """The instant `seconds` after T0."""
    return T0 + timedelta(seconds=seconds)


def user(user_id: str | None = None, openid: str | None = None, usage_count: int = 0) -> User:
    return User(
        id=user_id or new_id(),
        openid=openid or f"openid-{uuid.uuid4().hex[:20]}",
        created_at=T0,
        updated_at=T0,
        nickname="小明",
        avatar_url="https://example.com/a.png",
        membership=Membership.PREMIUM,
        usage_count=usage_count,
    )


def movie(
    title: str = "搏击俱乐部",
    *,
    original_title: str | None = None,
    overview: str = "",
    rating: float | None = 8.5,
    popularity: float = 10.0,
    aliases: tuple[str, ...] = (),
    movie_id: str | None = None,
) -> Movie:
    return Movie(
        id=movie_id or new_id(),
        title=title,
        original_title=original_title,
        overview=overview,
        tmdb_id="550",
        poster_url="https://example.com/p.jpg",
        rating=rating,
        popularity=popularity,
        genres=("剧情",),
        aliases=aliases,
        release_year=1999,
        director="大卫·芬奇",
        created_at=T0,
    )


def character(
    movie_id: str, name: str = "泰勒", *, importance: int = 3, line_count: int = 10
) -> Character:
    return Character(
        id=new_id(),
        movie_id=movie_id,
        name=name,
        description="肥皂商人",
        avatar_url=None,
        importance=importance,
        line_count=line_count,
        personality_traits=("叛逆",),
    )


def line(movie_id: str, order: int, character_id: str | None = None) -> DialogueLine:
    return DialogueLine(
        id=new_id(),
        movie_id=movie_id,
        order=order,
        content=f"第{order}句台词",
        character_id=character_id,
        speaker="泰勒" if character_id else None,
        scene="地下室",
        start_ms=order * 1000,
        end_ms=order * 1000 + 500,
    )


def dialogue_analysis(user_id: str, character_id: str, seconds: int = 0) -> DialogueAnalysis:
    return DialogueAnalysis(
        id=new_id(),
        user_id=user_id,
        movie_id=new_id(),
        character_id=character_id,
        dialogue="你不是你的工作。",
        user_insight="他在反抗消费主义",
        ai_analysis="这句话揭示了角色的价值观",
        created_at=at(seconds),
        personality_tags=("叛逆",),
        insights=("反抗",),
    )


def trait_profile(user_id: str, character_id: str | None = None) -> TraitProfile:
    mine = [TraitSuggestion("勇敢", ("他挺身而出",), 0.75)]
    ai = [TraitSuggestion("冷静", (), 0.5)]
    return TraitProfile(
        id=new_id(),
        user_id=user_id,
        character_id=character_id or new_id(),
        user_traits=tuple(mine),
        ai_suggestions=tuple(ai),
        merged=merge_traits(mine, ai),
        created_at=T0,
        updated_at=T0,
    )


def collaboration(user_id: str, session_id: str | None = None) -> CollaborativeSession:
    return CollaborativeSession(
        id=session_id or new_id(),
        user_id=user_id,
        character_id=new_id(),
        session_type=SessionType.TRAITS,
        created_at=T0,
        updated_at=T0,
    )


def log_entry(session_id: str, seq: int) -> CollaborationLogEntry:
    return CollaborationLogEntry(
        id=new_id(),
        session_id=session_id,
        seq=seq,
        action_type="add_trait",
        contributor=Contributor.USER if seq % 2 else Contributor.AI,
        data={"trait": f"特质{seq}", "nested": {"list": [1, 2.5, None, True]}},
        created_at=at(seq),
    )


def chat_session(user_id: str, session_id: str | None = None) -> ChatSession:
    return ChatSession(
        id=session_id or new_id(),
        user_id=user_id,
        character_id=new_id(),
        created_at=T0,
        updated_at=T0,
        emotion="平静",
    )


def chat_message(session_id: str, seq: int) -> ChatMessage:
    role = Role.USER if seq % 2 else Role.CHARACTER
    emotion = None if role is Role.USER else "开心"
    return ChatMessage(session_id, seq, role, f"消息{seq}", at(seq), emotion)


def work(user_id: str, seconds: int = 0, title: str = "我的作品") -> UserWork:
    return UserWork(
        id=new_id(),
        user_id=user_id,
        title=title,
        work_type=WorkType.STORYBOARD,
        created_at=at(seconds),
        movie_id=new_id(),
        character_id=None,
        metadata={"frames": 3, "tags": ["a", "b"]},
    )


def story(user_id: str) -> Story:
    node = StoryNode("n1", 1, "开端", "一切开始", ("c1",))
    return Story(
        id=new_id(),
        user_id=user_id,
        movie_id=new_id(),
        nodes=(node, StoryNode("n2", 2, "发展")),
        relationships=(Relationship("n1", "n2", "因果", "导致"),),
        created_at=T0,
        updated_at=T0,
        character_id="c1",
        monologue="我是谁",
    )


def storyboard(user_id: str, work_id: str | None = None, seconds: int = 0) -> Storyboard:
    frames = (
        Frame.written_by_user(1, scene_description="雨夜", dialogue="你好", camera="特写"),
        Frame(2, "街道", visual_effects=("雨",), image_url="https://example.com/f.png"),
    )
    return Storyboard(
        id=new_id(),
        user_id=user_id,
        story_id=new_id(),
        work_id=work_id or new_id(),
        title="分镜",
        frames=frames,
        created_at=at(seconds),
        updated_at=at(seconds),
        style_preference={"style": "水墨"},
        visual_suggestions=("多用冷色",),
    )


def monologue(user_id: str) -> Monologue:
    text = "我是泰勒。我从不后悔。"
    markers = (EmotionMarker(0, "平静", 0.5), EmotionMarker(5, "坚定", 0.75, 6))
    return Monologue(
        id=new_id(),
        user_id=user_id,
        storyboard_id=new_id(),
        character_id=new_id(),
        text=text,
        markers=markers,
        timing=build_timing(text, markers),
        created_at=T0,
        workflow_run_id="run-1",
    )


def audio(user_id: str) -> AudioFile:
    return AudioFile(
        id=new_id(),
        user_id=user_id,
        monologue_id=new_id(),
        storage_key="audio/m/t.mp3",
        duration_seconds=12.25,
        size_bytes=2048,
        voice=VoiceConfig("narrator", 1.25, 0.75),
        created_at=T0,
        workflow_run_id="run-2",
    )


def comic(
    user_id: str, work_id: str | None = None, token: str | None = None, seconds: int = 0
) -> Comic:
    comic_id = new_id()
    return Comic(
        id=comic_id,
        user_id=user_id,
        work_id=work_id or new_id(),
        storyboard_id=new_id(),
        audio_id=new_id(),
        share_token=token or uuid.uuid4().hex,
        panel_keys=(panel_key(comic_id, 1), panel_key(comic_id, 2)),
        timeline=build_timeline(4000, [1, 1], ["一", "二"]),
        duration_ms=4000,
        created_at=at(seconds),
        style={"palette": "warm"},
        sync_config={"mode": "auto"},
    )


def task(
    user_id: str, seconds: int = 0, status: TaskStatus = TaskStatus.PENDING, priority: int = 5
) -> Task:
    return Task(
        id=new_id(),
        user_id=user_id,
        task_type=TaskType.AUDIO_SYNTHESIS,
        payload={"monologueId": new_id(), "voice": {"speed": 1.0}},
        created_at=at(seconds),
        updated_at=at(seconds),
        status=status,
        priority=priority,
    )
