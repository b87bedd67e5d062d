"""Character analysis, dialogue discussion and dialogue analysis with the AI."""

from __future__ import annotations

import attrs

from npc_core.errors import DomainValidationError, QuotaExceeded
from npc_core.model import (
    CharacterAnalysis,
    Contributor,
    DialogueAnalysis,
    JsonObject,
    SessionType,
    TraitSuggestion,
    User,
    _checks,
    limits,
)
from npc_core.ports import (
    CharacterAnalysisInput,
    CharacterAnalysisOutput,
    DialogueDiscussionInput,
    UnitOfWork,
)
from npc_core.services import cache_codec, cached
from npc_core.services.deps import Deps
from npc_core.services.library import require_character, require_movie
from npc_core.services.profiles import character_profile
from npc_core.services.quota import ai_action, usage_today
from npc_core.services.sessions import open_session, record
from npc_core.services.users import require_user


def _lines(values: object) -> tuple[str, ...]:
    if not isinstance(values, list | tuple):
        raise DomainValidationError("dialogues", "must be a list of strings")
    if len(values) > limits.DIALOGUES_PER_ANALYSIS:
        raise DomainValidationError(
            "dialogues", f"must have at most {limits.DIALOGUES_PER_ANALYSIS} items"
        )
    for index, line in enumerate(values):
        _checks.check_text(f"dialogues[{index}]", line, limits.DIALOGUE_LINE)
    return tuple(values)


@attrs.frozen
class AnalyzeCharacter:
    user_id: str
    movie_id: str
    character_id: str
    dialogues: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    user_context: JsonObject = attrs.field(factory=dict)


@attrs.frozen
class CharacterAnalysisResult:
    workflow_run_id: str
    analysis: CharacterAnalysis
    traits: tuple[TraitSuggestion, ...]
    status: str = "succeeded"


async def analyze_character(deps: Deps, command: AnalyzeCharacter) -> CharacterAnalysisResult:
    """The AI's reading of a character from its lines (the client's, else the library's).

    The workflow's answer is cached for `ANALYSIS_TTL_SECONDS` under a hash of everything
    it was sent: the same request is not sent to Dify twice. An analysis of the library's
    lines is shared by every user; one of the user's own lines or context only by that
    user (`cached.analysis_key`). An answer from the cache is not an AI action: it takes
    nothing from the daily quota and does not count as usage. Like every AI route it is
    still refused with `QuotaExceeded` when the quota is used up, so a client sees one
    rule whether the answer was cached or not.
    """
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        data = await analysis_input(
            deps,
            uow,
            command.movie_id,
            command.character_id,
            command.dialogues,
            command.user_context,
        )
    own_text = bool(command.dialogues or command.user_context)
    owner = user.id if own_text else None
    key = cached.analysis_key(command.movie_id, command.character_id, data, owner)
    if key is not None:
        found = await cached.get(deps.cache, key, cache_codec.ANALYSIS)
        if found is not None:
            await require_quota_left(deps, user)
            return _result(found)
    async with ai_action(deps, user):
        output = await deps.workflows.analyze_character(user.id, data)
        async with deps.uow() as uow:
            await uow.users.record_usage(user.id)
            await uow.commit()
    if key is not None:
        ttl = cached.ANALYSIS_TTL_SECONDS
        await cached.put(deps.cache, key, output, cache_codec.ANALYSIS, ttl)
    return _result(output)


def _result(output: CharacterAnalysisOutput) -> CharacterAnalysisResult:
    return CharacterAnalysisResult(output.run_id, output.analysis, output.traits)


async def require_quota_left(deps: Deps, user: User) -> None:
    """Raise `QuotaExceeded` if `user` has no AI action left today; take none."""
    usage = await usage_today(deps, user)
    if usage.used >= usage.limit:
        raise QuotaExceeded(usage.limit, usage.resets_at)


async def analysis_input(
    deps: Deps,
    uow: UnitOfWork,
    movie_id: str,
    character_id: str,
    dialogues: tuple[str, ...],
    user_context: JsonObject,
) -> CharacterAnalysisInput:
    """What the analysis workflow gets: the film, the character and its lines."""
    movie = await require_movie(uow, movie_id)
    character = await require_character(uow, character_id, movie_id=movie_id)
    if not dialogues:
        lines = await uow.dialogues.for_character(character_id, deps.settings.analysis_line_limit)
        dialogues = tuple(line.content for line in lines)
    return CharacterAnalysisInput(
        movie.title, character.name, character.description, dialogues, user_context
    )


@attrs.frozen
class DiscussDialogue:
    user_id: str
    character_id: str
    session_id: str
    dialogue: str = attrs.field(validator=_checks.text(limits.DIALOGUE_LINE))
    user_insight: str = attrs.field(validator=_checks.text(limits.INSIGHT))


@attrs.frozen
class DiscussionResult:
    workflow_run_id: str
    session_id: str
    ai_response: str
    insights: tuple[str, ...]
    personality_tags: tuple[str, ...]
    status: str = "succeeded"


async def discuss_dialogue(deps: Deps, command: DiscussDialogue) -> DiscussionResult:
    """One turn of a discussion about a line; the session's earlier turns go along."""
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        character = await require_character(uow, command.character_id)
        session = await open_session(
            deps, uow, user.id, command.session_id, character.id, SessionType.DIALOGUE_DISCUSSION
        )
        history = tuple(entry.data for entry in await uow.collaborations.log(session.id))
        profile = await character_profile(uow, user.id, character)
    data = DialogueDiscussionInput(
        character.name, profile, command.dialogue, command.user_insight, history
    )
    async with ai_action(deps, user):
        output = await deps.workflows.discuss_dialogue(user.id, data)
        async with deps.uow() as uow:
            session = await open_session(
                deps,
                uow,
                user.id,
                command.session_id,
                character.id,
                SessionType.DIALOGUE_DISCUSSION,
            )
            await record(
                deps,
                uow,
                session,
                [
                    (
                        "insight",
                        Contributor.USER,
                        {
                            "role": "user",
                            "dialogue": command.dialogue,
                            "content": command.user_insight,
                        },
                    ),
                    (
                        "response",
                        Contributor.AI,
                        {
                            "role": "ai",
                            "content": output.ai_response,
                            "insights": list(output.insights),
                        },
                    ),
                ],
            )
            await uow.users.record_usage(user.id)
            await uow.commit()
    return DiscussionResult(
        output.run_id, session.id, output.ai_response, output.insights, output.personality_tags
    )


@attrs.frozen
class AnalyzeDialogue:
    user_id: str
    movie_id: str
    character_id: str
    dialogue: str = attrs.field(validator=_checks.text(limits.DIALOGUE_LINE))
    user_insight: str = attrs.field(
        default="", validator=_checks.text(limits.INSIGHT, allow_empty=True)
    )


@attrs.frozen
class DialogueAnalysisResult:
    analysis: DialogueAnalysis
    collaborative_insights: JsonObject


async def analyze_dialogue(deps: Deps, command: AnalyzeDialogue) -> DialogueAnalysisResult:
    """The AI's analysis of one line with the user's insight, kept private to the user."""
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        await require_movie(uow, command.movie_id)
        character = await require_character(uow, command.character_id, movie_id=command.movie_id)
        profile = await character_profile(uow, user.id, character)
    data = DialogueDiscussionInput(
        character.name, profile, command.dialogue, command.user_insight, ()
    )
    async with ai_action(deps, user):
        output = await deps.workflows.discuss_dialogue(user.id, data)
        analysis = DialogueAnalysis(
            id=deps.ids.new_id(),
            user_id=user.id,
            movie_id=command.movie_id,
            character_id=character.id,
            dialogue=command.dialogue,
            user_insight=command.user_insight,
            ai_analysis=output.ai_response,
            created_at=deps.clock.now(),
            personality_tags=output.personality_tags,
            insights=output.insights,
        )
        async with deps.uow() as uow:
            await uow.dialogue_analyses.add(analysis)
            await uow.users.record_usage(user.id)
            await uow.commit()
    insights: JsonObject = {
        "userInsight": command.user_insight,
        "aiInsights": list(output.insights),
        "sharedTags": [t for t in output.personality_tags if t in command.user_insight],
    }
    return DialogueAnalysisResult(analysis, insights)
