"""Storyboards laid out with the AI, then edited by the user."""

from __future__ import annotations

from collections.abc import Collection

import attrs

from npc_core.errors import Conflict, DomainValidationError, NotFound
from npc_core.model import (
    Contributor,
    Frame,
    JsonObject,
    SessionType,
    Storyboard,
    UserWork,
    WorkType,
    _checks,
    from_user,
    limits,
    merge_enhanced,
)
from npc_core.model.storyboard import EDITABLE
from npc_core.ports import StoryboardDesignInput, UnitOfWork
from npc_core.services.deps import Deps
from npc_core.services.quota import ai_action
from npc_core.services.sessions import open_session, record
from npc_core.services.users import require_user


def _user_written(frame: Frame) -> Frame:
    return attrs.evolve(frame, user_fields=frozenset(f for f in EDITABLE if getattr(frame, f)))


@attrs.frozen
class DesignStoryboard:
    """The user's frames for a story; `accepted` names (order, field) pairs where the AI wins."""

    user_id: str
    story_id: str
    user_frames: tuple[Frame, ...]
    style_preference: JsonObject = attrs.field(factory=dict)
    custom_dialogue: tuple[str, ...] = ()
    accepted: Collection[tuple[int, str]] = frozenset()
    title: str = attrs.field(default="我的分镜", validator=_checks.text(limits.TITLE))


@attrs.frozen
class DesignResult:
    storyboard: Storyboard
    enhanced_frames: tuple[Frame, ...]
    visual_suggestions: tuple[str, ...]
    workflow_run_id: str
    status: str = "succeeded"


async def design_storyboard(deps: Deps, command: DesignStoryboard) -> DesignResult:
    """Ask the AI to enhance the user's frames, merge them keeping what the user wrote, save."""
    frames = tuple(_user_written(f) for f in from_user(command.user_frames))
    if not frames:
        raise DomainValidationError("userFrames", "must have at least one frame")
    for index, line in enumerate(command.custom_dialogue):
        _checks.check_text(f"customDialogue[{index}]", line, limits.FRAME_FIELD)
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        story = await uow.stories.get(command.story_id, user.id)
        if story is None:
            raise NotFound("story", command.story_id)
    story_json: JsonObject = {
        "movieId": story.movie_id,
        "nodes": [
            {"id": n.id, "order": n.order, "title": n.title, "content": n.content}
            for n in story.ordered_nodes()
        ],
        "monologue": story.enhanced_monologue or story.monologue,
    }
    data = StoryboardDesignInput(
        story_json, frames, command.style_preference, command.custom_dialogue
    )
    async with ai_action(deps, user):
        output = await deps.workflows.design_storyboard(user.id, data)
        merged = merge_enhanced(frames, output.frames, command.accepted)
        now = deps.clock.now()
        work = UserWork(
            id=deps.ids.new_id(),
            user_id=user.id,
            title=command.title,
            work_type=WorkType.STORYBOARD,
            created_at=now,
            movie_id=story.movie_id,
            character_id=story.character_id,
            metadata={"storyId": story.id},
        )
        board = Storyboard(
            id=deps.ids.new_id(),
            user_id=user.id,
            story_id=story.id,
            work_id=work.id,
            title=command.title,
            frames=merged,
            created_at=now,
            updated_at=now,
            style_preference=command.style_preference,
            visual_suggestions=output.visual_suggestions,
        )
        async with deps.uow() as uow:
            await uow.works.add(work)
            await uow.storyboards.add(board)
            if story.character_id is not None:
                session = await open_session(
                    deps, uow, user.id, board.id, story.character_id, SessionType.STORYBOARD
                )
                await record(
                    deps,
                    uow,
                    session,
                    [
                        ("frames", Contributor.USER, {"frames": len(frames)}),
                        (
                            "enhancement",
                            Contributor.AI,
                            {
                                "frames": len(output.frames),
                                "suggestions": list(output.visual_suggestions),
                            },
                        ),
                    ],
                )
            await uow.users.record_usage(user.id)
            await uow.commit()
    return DesignResult(board, output.frames, output.visual_suggestions, output.run_id)


async def get_storyboard(deps: Deps, user_id: str, storyboard_id: str) -> Storyboard:
    """One of the user's storyboards."""
    async with deps.uow() as uow:
        return await require_storyboard(uow, user_id, storyboard_id)


async def require_storyboard(uow: UnitOfWork, user_id: str, storyboard_id: str) -> Storyboard:
    """The user's storyboard, or `NotFound`."""
    board = await uow.storyboards.get(storyboard_id, user_id)
    if board is None:
        raise NotFound("storyboard", storyboard_id)
    return board


@attrs.frozen
class EditStoryboard:
    """A partial edit; `version` is the one the user saw (a stale one is a conflict)."""

    user_id: str
    storyboard_id: str
    version: int
    title: str | None = attrs.field(default=None, validator=_checks.optional_text(limits.TITLE))
    frames: tuple[Frame, ...] | None = None


async def edit_storyboard(deps: Deps, command: EditStoryboard) -> Storyboard:
    """Retitle the storyboard or replace its frames (renumbered 1..n in their order)."""
    frames = None if command.frames is None else from_user(command.frames, "frames")
    async with deps.uow() as uow:
        board = await require_storyboard(uow, command.user_id, command.storyboard_id)
        if board.version != command.version:
            raise Conflict(f"storyboard is at version {board.version}")
        changed = attrs.evolve(
            board,
            title=command.title if command.title is not None else board.title,
            frames=tuple(_user_written(f) for f in frames) if frames is not None else board.frames,
            updated_at=deps.clock.now(),
        )
        saved = await uow.storyboards.update(changed)
        await uow.commit()
    return saved
