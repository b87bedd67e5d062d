"""The business surface of generation: monologue, voice and comic, their results and tasks."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from entrypoints.http import errors, present
from entrypoints.http.dependencies import BEARER, provide_user, settle
from entrypoints.http.params import Wait
from entrypoints.http.wire import creation as c
from entrypoints.http.wire import results as r
from npc_core.model import User, VoiceConfig
from npc_core.services import (
    Deps,
    StartComic,
    StartMonologue,
    StartVoice,
    get_audio,
    get_comic,
    get_monologue,
    get_task,
    start_comic,
    start_monologue,
    start_voice,
)

USER = {"user": Provide(provide_user)}


class MonologueController(Controller):
    path = "/api/monologue"
    tags = ["generation"]
    dependencies = USER
    security = BEARER

    @post(
        "/generate",
        operation_id="generateMonologue",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Generate the character's inner monologue (task-backed)",
    )
    async def generate(
        self,
        data: JSONBody[c.MonologueRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        wait: Wait = 20,
    ) -> r.MonologueTaskResponse:
        return await monologue_route(deps, user, data, wait, business=True)


async def monologue_route(
    deps: Deps, user: User, data: c.MonologueRequest, wait: float, *, business: bool
) -> r.MonologueTaskResponse:
    """Both surfaces' monologue route: start the task, wait a little, present it."""
    task = await start_monologue(
        deps,
        StartMonologue(
            user.id,
            data.storyboard_id,
            data.character_id,
            tuple(data.frame_context),
            data.emotion_tone,
        ),
    )
    task = await settle(deps, user.id, task, wait)
    return present.backed(r.MonologueTaskResponse, task, business=business)


class AudioController(Controller):
    path = "/api/audio"
    tags = ["generation"]
    dependencies = USER
    security = BEARER

    @post(
        "/synthesize",
        operation_id="synthesizeVoice",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Speak the monologue (task-backed)",
        description="`speedRate`/`pitchRate`, when given, override `voiceConfig`.",
    )
    async def synthesize(
        self,
        data: JSONBody[c.AudioSynthesizeRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        wait: Wait = 20,
    ) -> r.AudioTaskResponse:
        v = data.voice_config
        voice = VoiceConfig(v.voice, data.speed_rate or v.speed, data.pitch_rate or v.pitch)
        task = await start_voice(deps, StartVoice(user.id, data.monologue_id, voice))
        task = await settle(deps, user.id, task, wait)
        return present.backed(r.AudioTaskResponse, task, business=True)

    @get(
        "/{audio_id:str}",
        operation_id="getAudio",
        responses=errors.OWN_ITEM,
        summary="One of my recordings",
    )
    async def get(
        self, user: NamedDependency[User], deps: NamedDependency[Deps], audio_id: FromPath[str]
    ) -> r.AudioResponse:
        found = await get_audio(deps, user.id, audio_id)
        a = found.audio
        return r.AudioResponse(
            success=True,
            audio_id=a.id,
            monologue_id=a.monologue_id,
            audio_url=found.url,
            duration=a.duration_seconds,
            format=a.format,
            file_size=a.size_bytes,
            voice_config={"voice": a.voice.voice, "speed": a.voice.speed, "pitch": a.voice.pitch},
            created_at=a.created_at,
        )


class ComicController(Controller):
    path = "/api/comic"
    tags = ["generation"]
    dependencies = USER
    security = BEARER

    @post(
        "/generate",
        operation_id="generateComic",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Render the audio comic (task-backed); `comicUrl` is the share page",
    )
    async def generate(
        self,
        data: JSONBody[c.ComicRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        wait: Wait = 20,
    ) -> r.ComicTaskResponse:
        style = str(data.style_config.get("style") or "manga")[:64]
        task = await start_comic(
            deps,
            StartComic(
                user.id,
                data.storyboard_id,
                data.audio_id,
                style,
                data.style_config,
                data.sync_config,
            ),
        )
        task = await settle(deps, user.id, task, wait)
        return present.backed(r.ComicTaskResponse, task, business=True)


class ResultsController(Controller):
    path = "/api"
    tags = ["generation"]
    dependencies = USER
    security = BEARER

    @get(
        "/monologues/{monologue_id:str}",
        operation_id="getMonologue",
        responses=errors.OWN_ITEM,
        summary="One of my monologues",
    )
    async def monologue(
        self, user: NamedDependency[User], deps: NamedDependency[Deps], monologue_id: FromPath[str]
    ) -> r.MonologueResponse:
        m = await get_monologue(deps, user.id, monologue_id)
        return r.MonologueResponse(
            success=True,
            monologue_id=m.id,
            storyboard_id=m.storyboard_id,
            character_id=m.character_id,
            monologue_text=m.text,
            emotion_markers=present.markers(m),
            timing_info=present.timing(m),
            created_at=m.created_at,
        )

    @get(
        "/comics/{comic_id:str}",
        operation_id="getComic",
        responses=errors.OWN_ITEM,
        summary="One of my comics with its timeline (for the mini-program's own player)",
    )
    async def comic(
        self, user: NamedDependency[User], deps: NamedDependency[Deps], comic_id: FromPath[str]
    ) -> r.ComicResponse:
        view = await get_comic(deps, user.id, comic_id)
        return present.comic(view)

    @get(
        "/tasks/status/{task_id:str}",
        operation_id="getTaskStatus",
        responses=errors.OWN_ITEM,
        summary="Poll a task",
        cache_control=None,
    )
    async def task(
        self, user: NamedDependency[User], deps: NamedDependency[Deps], task_id: FromPath[str]
    ) -> Response[r.TaskStatusResponse]:
        found = await get_task(deps, user.id, task_id)
        return Response(present.task_status(found), headers={"Cache-Control": "no-store"})
