"""Building a character's trait profile together with the AI."""

from __future__ import annotations

import attrs

from npc_core.errors import Conflict
from npc_core.model import (
    Contributor,
    JsonObject,
    SessionType,
    TraitProfile,
    TraitSuggestion,
    UserWork,
    WorkType,
    as_suggestions,
    limits,
)
from npc_core.ports import UnitOfWork
from npc_core.services.analysis import analysis_input
from npc_core.services.deps import Deps
from npc_core.services.library import require_character
from npc_core.services.quota import ai_action
from npc_core.services.sessions import open_session, record
from npc_core.services.users import require_user


@attrs.frozen
class BuildTraits:
    """The user's traits; the AI's suggestions when the client has them, else the AI is asked."""

    user_id: str
    character_id: str
    user_traits: tuple[str | TraitSuggestion, ...]
    ai_suggestions: tuple[str | TraitSuggestion, ...] | None = None
    expected_version: int | None = None


@attrs.frozen
class TraitsResult:
    profile: TraitProfile
    work_id: str


async def build_traits(deps: Deps, command: BuildTraits) -> TraitsResult:
    """Merge the user's traits with the AI's, keep the profile, and list it as an analysis work.

    Without `ai_suggestions` the character-analysis workflow is asked (one AI action);
    with them nothing is charged. `expected_version` guards against a stale edit.
    """
    mine = as_suggestions("userTraits", command.user_traits)
    given = (
        None
        if command.ai_suggestions is None
        else as_suggestions("aiSuggestions", command.ai_suggestions)
    )
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        character = await require_character(uow, command.character_id)
        data = await analysis_input(deps, uow, character.movie_id, character.id, (), {})
    if given is not None:
        return await _save(deps, command, mine, given, movie_id=character.movie_id)
    async with ai_action(deps, user):
        output = await deps.workflows.analyze_character(user.id, data)
        suggested = output.traits[: limits.TRAITS_PER_SIDE]
        return await _save(
            deps, command, mine, suggested, movie_id=character.movie_id, charged=True
        )


async def _save(
    deps: Deps,
    command: BuildTraits,
    mine: tuple[TraitSuggestion, ...],
    ai: tuple[TraitSuggestion, ...],
    *,
    movie_id: str,
    charged: bool = False,
) -> TraitsResult:
    now = deps.clock.now()
    async with deps.uow() as uow:
        profile = await uow.trait_profiles.get(command.user_id, command.character_id)
        if profile is None:
            profile = TraitProfile.start(
                deps.ids.new_id(), command.user_id, command.character_id, mine, ai, now
            )
            await uow.trait_profiles.add(profile)
        else:
            if command.expected_version not in (None, profile.version):
                raise Conflict(f"trait profile is at version {profile.version}")
            profile = await uow.trait_profiles.update(profile.revise(mine, ai, now))
        session = await open_session(
            deps, uow, command.user_id, profile.id, command.character_id, SessionType.TRAITS
        )
        await record(
            deps,
            uow,
            session,
            [
                ("traits", Contributor.USER, {"traits": [t.name for t in mine]}),
                ("suggestions", Contributor.AI, {"traits": [t.name for t in ai]}),
            ],
        )
        work_id = await _upsert_work(deps, uow, profile, movie_id)
        if charged:
            await uow.users.record_usage(command.user_id)
        await uow.commit()
    return TraitsResult(profile, work_id)


async def _upsert_work(deps: Deps, uow: UnitOfWork, profile: TraitProfile, movie_id: str) -> str:
    work_id = profile.id  # one analysis work per profile, under the profile's id
    metadata: JsonObject = {
        "traits": list(profile.merged.names),
        "conflicts": len(profile.merged.conflicts),
    }
    existing = await uow.works.get(work_id, profile.user_id)
    if existing is None:
        await uow.works.add(
            UserWork(
                id=work_id,
                user_id=profile.user_id,
                title="角色性格档案",
                work_type=WorkType.ANALYSIS,
                created_at=deps.clock.now(),
                movie_id=movie_id,
                character_id=profile.character_id,
                metadata=metadata,
            )
        )
    else:
        await uow.works.update(attrs.evolve(existing, metadata=metadata))
    return work_id
