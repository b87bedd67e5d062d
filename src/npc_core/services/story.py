"""Story reconstruction: the user's graph of the story, checked and improved by the AI."""

from __future__ import annotations

import attrs

from npc_core.errors import Conflict, NotFound
from npc_core.model import (
    Contributor,
    Relationship,
    SessionType,
    Story,
    StoryNode,
    _checks,
    limits,
    validate_graph,
)
from npc_core.ports import StoryReconstructInput, StoryReconstructOutput, UnitOfWork
from npc_core.services.deps import Deps
from npc_core.services.library import require_character, require_movie
from npc_core.services.quota import ai_action
from npc_core.services.sessions import open_session, record
from npc_core.services.users import require_user


@attrs.frozen
class ReconstructStory:
    """The user's nodes and relationships; `story_id` revises an earlier reconstruction."""

    user_id: str
    movie_id: str
    nodes: tuple[StoryNode, ...]
    relationships: tuple[Relationship, ...] = ()
    monologue: str = attrs.field(
        default="", validator=_checks.text(limits.MONOLOGUE, allow_empty=True)
    )
    character_id: str | None = None
    story_id: str | None = None
    expected_version: int | None = None


@attrs.frozen
class StoryResult:
    story: Story
    workflow_run_id: str
    optimized: StoryReconstructOutput
    status: str = "succeeded"


async def reconstruct_story(deps: Deps, command: ReconstructStory) -> StoryResult:
    """Check the graph, ask the AI to review it, and keep the user's story with the review."""
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        movie = await require_movie(uow, command.movie_id)
        characters = await uow.characters.list_for_movie(movie.id)
        character = None
        if command.character_id is not None:
            character = await require_character(uow, command.character_id, movie_id=movie.id)
        validate_graph(command.nodes, command.relationships, {c.id for c in characters})
        if command.story_id is not None:
            await _existing(uow, command)
    data = StoryReconstructInput(
        movie.title,
        character.name if character else "",
        command.nodes,
        command.relationships,
        command.monologue,
    )
    async with ai_action(deps, user):
        output = await deps.workflows.reconstruct_story(user.id, data)
        story = await _keep(deps, command, output)
    return StoryResult(story, output.run_id, output)


async def _existing(uow: UnitOfWork, command: ReconstructStory) -> Story:
    story = await uow.stories.get(str(command.story_id), command.user_id)
    if story is None:
        raise NotFound("story", str(command.story_id))
    if command.expected_version not in (None, story.version):
        raise Conflict(f"story is at version {story.version}")
    return story


async def _keep(deps: Deps, command: ReconstructStory, output: StoryReconstructOutput) -> Story:
    now = deps.clock.now()
    async with deps.uow() as uow:
        if command.story_id is None:
            story = Story(
                id=deps.ids.new_id(),
                user_id=command.user_id,
                movie_id=command.movie_id,
                nodes=command.nodes,
                relationships=command.relationships,
                created_at=now,
                updated_at=now,
                character_id=command.character_id,
                monologue=command.monologue,
                enhanced_monologue=output.enhanced_monologue,
                suggestions=output.suggestions,
                logic_issues=output.logic_issues,
            )
            await uow.stories.add(story)
        else:
            story = await uow.stories.update(
                attrs.evolve(
                    await _existing(uow, command),
                    nodes=command.nodes,
                    relationships=command.relationships,
                    monologue=command.monologue,
                    updated_at=now,
                    enhanced_monologue=output.enhanced_monologue,
                    suggestions=output.suggestions,
                    logic_issues=output.logic_issues,
                )
            )
        if command.character_id is not None:
            session = await open_session(
                deps, uow, command.user_id, story.id, command.character_id, SessionType.STORY
            )
            await record(
                deps,
                uow,
                session,
                [
                    (
                        "story",
                        Contributor.USER,
                        {"nodes": len(command.nodes), "relationships": len(command.relationships)},
                    ),
                    (
                        "review",
                        Contributor.AI,
                        {
                            "suggestions": list(output.suggestions),
                            "logicIssues": list(output.logic_issues),
                        },
                    ),
                ],
            )
        await uow.users.record_usage(command.user_id)
        await uow.commit()
    return story
