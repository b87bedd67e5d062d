"""The workflow surface (`/api/dify/*`): the workflow's view of each AI step.

Each route calls the same use case as its business twin; this surface answers with
`workflowId` and `status` as the seed's tables say.
"""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from entrypoints.http import errors, present
from entrypoints.http.controllers.generation import monologue_route
from entrypoints.http.dependencies import BEARER, provide_user, settle
from entrypoints.http.params import Wait
from entrypoints.http.validation import renamed
from entrypoints.http.wire import creation as c
from entrypoints.http.wire import results as r
from npc_core.errors import DomainValidationError
from npc_core.model import User, VoiceConfig
from npc_core.services import (
    AnalyzeCharacter,
    Deps,
    DesignStoryboard,
    DiscussDialogue,
    ReconstructStory,
    StartComic,
    StartVoice,
    analyze_character,
    design_storyboard,
    discuss_dialogue,
    reconstruct_story,
    start_comic,
    start_voice,
)


class DifyController(Controller):
    path = "/api/dify"
    tags = ["workflows"]
    dependencies = {"user": Provide(provide_user)}
    security = BEARER

    @post(
        "/character-analysis",
        operation_id="difyCharacterAnalysis",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Run the character-analysis workflow",
    )
    async def character_analysis(
        self,
        data: JSONBody[c.CharacterAnalysisRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
    ) -> c.CharacterAnalysisResponse:
        result = await analyze_character(
            deps,
            AnalyzeCharacter(
                user.id, data.movie_id, data.character_id, tuple(data.dialogues), data.user_context
            ),
        )
        a = result.analysis
        return c.CharacterAnalysisResponse(
            workflow_id=result.workflow_run_id,
            analysis=c.AnalysisOut(
                summary=a.summary,
                motivations=list(a.motivations),
                relationships=list(a.relationships),
                arc=a.arc,
            ),
            traits=[present.trait(t) for t in result.traits],
            status=result.status,
        )

    @post(
        "/dialogue-discussion",
        operation_id="difyDialogueDiscussion",
        responses=errors.AI_STEP,
        status_code=200,
        summary="One turn of a discussion about a line",
    )
    async def dialogue_discussion(
        self,
        data: JSONBody[c.DialogueDiscussionRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
    ) -> c.DialogueDiscussionResponse:
        result = await discuss_dialogue(
            deps,
            DiscussDialogue(
                user.id, data.character_id, data.session_id, data.dialogue, data.user_insight
            ),
        )
        return c.DialogueDiscussionResponse(
            workflow_id=result.workflow_run_id,
            ai_response=result.ai_response,
            insights=list(result.insights),
            personality_tags=list(result.personality_tags),
            session_id=result.session_id,
            status=result.status,
        )

    @post(
        "/story-reconstruct",
        operation_id="difyStoryReconstruct",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Check and improve a story reconstruction",
    )
    async def story_reconstruct(
        self,
        data: JSONBody[c.StoryReconstructRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
    ) -> c.StoryReconstructResponse:
        command = ReconstructStory(
            user.id,
            data.movie_id,
            tuple(present.node_in(n) for n in data.user_story_nodes),
            tuple(present.relationship_in(x) for x in data.user_relations),
            character_id=data.character_id,
            story_id=data.story_id,
            expected_version=data.version,
        )
        try:
            result = await reconstruct_story(deps, command)
        except DomainValidationError as error:
            # This surface names the relationships `userRelations`, as the seed's table does.
            raise renamed(error, "userRelationships", "userRelations") from None
        out = result.optimized
        return c.StoryReconstructResponse(
            workflow_id=result.workflow_run_id,
            story_id=result.story.id,
            version=result.story.version,
            optimized_story=present.optimized(out.nodes, out.relationships),
            suggestions=list(out.suggestions),
            logic_issues=list(out.logic_issues),
            enhanced_monologue=out.enhanced_monologue,
            status=result.status,
        )

    @post(
        "/storyboard-create",
        operation_id="difyStoryboardCreate",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Lay out a storyboard with the AI",
    )
    async def storyboard_create(
        self,
        data: JSONBody[c.StoryboardCreateRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
    ) -> c.StoryboardCreateResponse:
        result = await design_storyboard(
            deps,
            DesignStoryboard(
                user.id,
                data.story_id,
                tuple(present.frame_in(f) for f in data.user_frames),
                data.style_prefs,
            ),
        )
        return c.StoryboardCreateResponse(
            workflow_id=result.workflow_run_id,
            storyboard=present.storyboard(result.storyboard),
            visual_suggestions=list(result.visual_suggestions),
            status=result.status,
        )

    @post(
        "/monologue-generate",
        operation_id="difyMonologueGenerate",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Generate the inner monologue (task-backed)",
    )
    async def monologue_generate(
        self,
        data: JSONBody[c.MonologueRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        wait: Wait = 20,
    ) -> r.MonologueTaskResponse:
        return await monologue_route(deps, user, data, wait, business=False)

    @post(
        "/voice-synthesis",
        operation_id="difyVoiceSynthesis",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Speak a monologue (task-backed)",
    )
    async def voice_synthesis(
        self,
        data: JSONBody[c.VoiceSynthesisRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        wait: Wait = 20,
    ) -> r.AudioTaskResponse:
        v = data.voice_config
        task = await start_voice(
            deps,
            StartVoice(
                user.id, data.monologue_id, VoiceConfig(v.voice, v.speed, v.pitch), data.character
            ),
        )
        task = await settle(deps, user.id, task, wait)
        return present.backed(r.AudioTaskResponse, task, business=False)

    @post(
        "/comic-generate",
        operation_id="difyComicGenerate",
        responses=errors.AI_STEP,
        status_code=200,
        summary="Render the audio comic (task-backed)",
    )
    async def comic_generate(
        self,
        data: JSONBody[c.ComicGenerateRequest],
        user: NamedDependency[User],
        deps: NamedDependency[Deps],
        wait: Wait = 20,
    ) -> r.ComicTaskResponse:
        task = await start_comic(
            deps,
            StartComic(
                user.id, data.storyboard_id, data.audio_id, data.style, sync_config=data.sync_config
            ),
        )
        task = await settle(deps, user.id, task, wait)
        return present.backed(r.ComicTaskResponse, task, business=False)
