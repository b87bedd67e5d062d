"""The business surface of co-creation: analyses, traits, chat, story and storyboard."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Response, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import MethodNotAllowedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from entrypoints.http import errors, present
from entrypoints.http.dependencies import BEARER, provide_user
from entrypoints.http.wire import creation as c
from npc_core.errors import NpcError
from npc_core.model import User
from npc_core.ports import ChatChunk
from npc_core.services import (
    AnalyzeDialogue,
    BuildTraits,
    Deps,
    DesignStoryboard,
    EditStoryboard,
    ReconstructStory,
    SendMessage,
    analyze_dialogue,
    build_traits,
    chat,
    design_storyboard,
    edit_storyboard,
    get_chat_session,
    get_storyboard,
    reconstruct_story,
    stream_chat,
)

USER = {"user": Provide(provide_user)}
_SNAKE = {
    "sceneDescription": "scene_description",
    "visualEffects": "visual_effects",
    "dialogue": "dialogue",
    "camera": "camera",
}


class CharacterCreationController(Controller):
    path = "/api/characters"
    tags = ["co-creation"]
    dependencies = USER
    security = BEARER

    @post(
        "/dialogue-analysis",
        operation_id="analyzeDialogue",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Analyse one line with the AI (kept private to you)",
    )
    async def dialogue_analysis(
        self,
        data: JSONBody[c.DialogueAnalysisRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
    ) -> c.DialogueAnalysisResponse:
        result = await analyze_dialogue(
            deps,
            AnalyzeDialogue(
                user.id, data.movie_id, data.character_id, data.dialogue, data.user_insight
            ),
        )
        a = result.analysis
        return c.DialogueAnalysisResponse(
            success=True,
            analysis_id=a.id,
            ai_analysis=a.ai_analysis,
            personality_tags=list(a.personality_tags),
            collaborative_insights=dict(result.collaborative_insights),
        )

    @post(
        "/collaborative-traits",
        operation_id="buildTraits",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Merge your traits with the AI's",
        description="Your traits are never dropped; duplicates merge ignoring case, width "
        "and spaces; contradictions are reported in `conflictResolution`. Without "
        "`aiSuggestions` the AI is asked (one AI action).",
    )
    async def collaborative_traits(
        self,
        data: JSONBody[c.CollaborativeTraitsRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
    ) -> c.CollaborativeTraitsResponse:
        result = await build_traits(
            deps,
            BuildTraits(
                user.id,
                data.character_id,
                tuple(data.user_traits),
                None if data.ai_suggestions is None else tuple(data.ai_suggestions),
                expected_version=data.version,
            ),
        )
        merged = result.profile.merged
        return c.CollaborativeTraitsResponse(
            success=True,
            merged_traits=[
                c.MergedTraitOut(
                    name=t.name,
                    provenance=t.provenance.value,
                    evidence=list(t.evidence),
                    confidence=t.confidence,
                )
                for t in merged.traits
            ],
            conflict_resolution=c.ConflictResolution(
                has_conflicts=bool(merged.conflicts),
                conflicts=[
                    c.ConflictOut(
                        kept=x.kept,
                        other=x.other,
                        resolution=x.resolution.value,
                        suggestion=x.suggestion,
                    )
                    for x in merged.conflicts
                ],
            ),
            version=result.profile.version,
            work_id=result.work_id,
        )


def _sse(event: str, payload: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


async def _events(
    first: ChatChunk | None, rest: AsyncIterator[ChatChunk], session_id: str
) -> AsyncIterator[bytes]:
    chunk = first
    try:
        while chunk is not None:
            if chunk.text:
                yield _sse("chunk", {"text": chunk.text})
            if chunk.final is not None:
                yield _sse(
                    "done",
                    {
                        "success": True,
                        "sessionId": session_id,
                        "reply": chunk.final.reply,
                        "emotion": chunk.final.emotion,
                    },
                )
            chunk = await anext(rest, None)
    except NpcError as error:
        yield _sse("error", {"success": False, "code": error.code})


_EVENT = Schema(
    type=OpenAPIType.OBJECT,
    required=["event", "data"],
    properties={
        "event": Schema(type=OpenAPIType.STRING, enum=["chunk", "done", "error"]),
        "data": Schema(
            type=OpenAPIType.STRING,
            content_media_type="application/json",
            description='`chunk`: `{"text"}`; `done`: `{"success", "sessionId", "reply", '
            '"emotion"}`; `error`: `{"success": false, "code"}`.',
        ),
    },
    description="One server-sent event of the streamed reply.",
)


@dataclass
class _ChatOperation(Operation):
    """The chat's operation: with `stream=1` its 200 is an event stream, one schema per event."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.content = {**(ok.content or {}), "text/event-stream": OpenAPIMediaType(_EVENT)}


class ChatController(Controller):
    path = "/api/chat"
    tags = ["chat"]
    dependencies = USER
    security = BEARER

    @post(
        "/character",
        operation_id="chatWithCharacter",
        status_code=200,
        summary="Talk with the character",
        description="With `stream=1` the reply arrives as `text/event-stream`: `event: chunk` "
        'lines with `{"text"}` as it is written, then one `event: done` with the whole '
        "reply and the emotion. A failure before the first chunk answers the JSON error "
        "with its status; a later one ends the stream with `event: error` and its code. "
        "The reply is saved even if the client disconnects.",
        responses={
            **errors.AI_STEP,
            200: ResponseSpec(
                c.ChatResponse,
                description="The reply: JSON, or with `stream=1` an event stream.",
                generate_examples=False,
            ),
        },
        operation_class=_ChatOperation,
    )
    async def chat(
        self,
        data: JSONBody[c.ChatRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        stream: Annotated[
            int, QueryParameter(ge=0, le=1, description="1 to stream the reply.")
        ] = 0,
    ) -> Response[Any]:
        command = SendMessage(user.id, data.session_id, data.character_id, data.message)
        if stream:
            # The first chunk is awaited before answering, so that errors before it (not
            # found, quota, no workflow) answer as JSON errors with their status; later
            # ones can only arrive as `event: error`.
            chunks = aiter(stream_chat(deps, command))
            first = await anext(chunks, None)
            return Stream(
                _events(first, chunks, command.session_id),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            )
        result = await chat(deps, command)
        return Response(
            c.ChatResponse(
                success=True,
                session_id=result.session_id,
                reply=result.reply,
                emotion=result.emotion,
            )
        )

    @get(
        "/sessions/{session_id:str}",
        operation_id="getChatSession",
        responses=errors.OWN_ITEM,
        summary="A chat's history",
    )
    async def session(
        self, user: NamedDependency[User], deps: NamedDependency[Deps], session_id: FromPath[str]
    ) -> c.ChatSessionResponse:
        found = await get_chat_session(deps, user.id, session_id)
        return c.ChatSessionResponse(
            success=True,
            session_id=found.session.id,
            character_id=found.session.character_id,
            emotion=found.session.emotion,
            messages=[
                c.ChatMessageOut(
                    seq=m.seq,
                    role=m.role.value,
                    content=m.content,
                    emotion=m.emotion,
                    created_at=m.created_at,
                )
                for m in found.messages
            ],
        )


class StoryController(Controller):
    path = "/api/story"
    tags = ["co-creation"]
    dependencies = USER
    security = BEARER

    @post(
        "/collaborative-reconstruct",
        operation_id="reconstructStory",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Reconstruct the story together with the AI",
    )
    async def reconstruct(
        self,
        data: JSONBody[c.CollaborativeReconstructRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
    ) -> c.CollaborativeReconstructResponse:
        result = await reconstruct_story(
            deps,
            ReconstructStory(
                user.id,
                data.movie_id,
                tuple(present.node_in(n) for n in data.user_story_nodes),
                tuple(present.relationship_in(x) for x in data.user_relationships),
                data.user_monologue,
                character_id=data.character_id,
                story_id=data.story_id,
                expected_version=data.version,
            ),
        )
        out = result.optimized
        return c.CollaborativeReconstructResponse(
            success=True,
            story_id=result.story.id,
            version=result.story.version,
            ai_suggestions=c.AiSuggestions(
                suggestions=list(out.suggestions), logic_issues=list(out.logic_issues)
            ),
            optimized_story=present.optimized(out.nodes, out.relationships),
            enhanced_monologue=out.enhanced_monologue,
        )


class StoryboardCreationController(Controller):
    path = "/api/storyboard"
    tags = ["co-creation"]
    dependencies = USER
    security = BEARER

    @post(
        "/collaborative-create",
        operation_id="createStoryboard",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Lay out a storyboard together with the AI",
        description="Fields you wrote stay yours unless listed in `acceptedChanges`.",
    )
    async def create(
        self,
        data: JSONBody[c.CollaborativeStoryboardRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
    ) -> c.CollaborativeStoryboardResponse:
        result = await design_storyboard(
            deps,
            DesignStoryboard(
                user.id,
                data.story_id,
                tuple(present.frame_in(f) for f in data.user_frames),
                data.style_preference,
                tuple(data.custom_dialogue),
                frozenset((a.order, _SNAKE[a.field]) for a in data.accepted_changes),
                data.title,
            ),
        )
        return c.CollaborativeStoryboardResponse(
            success=True,
            enhanced_frames=[present.frame(f) for f in result.enhanced_frames],
            visual_suggestions=[
                c.VisualSuggestion(suggestion=s) for s in result.visual_suggestions
            ],
            final_storyboard=present.storyboard(result.storyboard),
        )


class StoryboardsController(Controller):
    path = "/api/storyboards"
    tags = ["co-creation"]
    dependencies = USER
    security = BEARER

    @get(
        "/{storyboard_id:str}",
        operation_id="getStoryboard",
        responses=errors.OWN_ITEM,
        summary="One of my storyboards",
    )
    async def get(
        self, user: NamedDependency[User], deps: NamedDependency[Deps], storyboard_id: FromPath[str]
    ) -> c.StoryboardResponse:
        board = await get_storyboard(deps, user.id, storyboard_id)
        return c.StoryboardResponse(success=True, storyboard=present.storyboard(board))

    @put(
        "/{storyboard_id:str}",
        operation_id="updateStoryboard",
        responses=errors.OWN_CHANGE,
        summary="Edit a storyboard (`version` must be the one you read)",
    )
    async def update(
        self,
        data: JSONBody[c.StoryboardEditRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        storyboard_id: FromPath[str],
    ) -> c.StoryboardResponse:
        return await _edit(deps, user, storyboard_id, data)

    @patch(
        "/{storyboard_id:str}",
        operation_id="patchStoryboard",
        responses=errors.OWN_CHANGE,
        summary="Edit a storyboard partially (same as PUT: absent fields stay)",
    )
    async def patch(
        self,
        data: JSONBody[c.StoryboardEditRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        storyboard_id: FromPath[str],
    ) -> c.StoryboardResponse:
        return await _edit(deps, user, storyboard_id, data)

    @post(
        "/{storyboard_id:str}",
        operation_id="overrideStoryboard",
        responses=errors.documented(400, 401, 404, 405, 409, 413),
        status_code=200,
        summary="Edit a storyboard via POST with `X-HTTP-Method-Override: PATCH`",
        description="For clients without PATCH (wx.request).",
    )
    async def override(
        self,
        data: JSONBody[c.StoryboardEditRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        storyboard_id: FromPath[str],
        method: Annotated[str, HeaderParameter(name="X-HTTP-Method-Override", max_length=10)],
    ) -> c.StoryboardResponse:
        if method.strip().upper() not in {"PATCH", "PUT"}:
            raise MethodNotAllowedException
        return await _edit(deps, user, storyboard_id, data)


async def _edit(
    deps: Deps, user: User, storyboard_id: str, data: JSONBody[c.StoryboardEditRequest]
) -> c.StoryboardResponse:
    board = await edit_storyboard(
        deps,
        EditStoryboard(
            user.id,
            storyboard_id,
            data.version,
            data.title,
            None if data.frames is None else tuple(present.frame_in(f) for f in data.frames),
        ),
    )
    return c.StoryboardResponse(success=True, storyboard=present.storyboard(board))
