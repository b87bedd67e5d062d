"""Generating the character's inner monologue for a storyboard (task-backed)."""

from __future__ import annotations

import attrs

from npc_core.errors import DomainValidationError, NotFound, UpstreamBadOutput
from npc_core.model import (
    JsonObject,
    Monologue,
    Task,
    TaskType,
    _checks,
    build_timing,
    limits,
    tidy_markers,
)
from npc_core.ports import MonologueInput, Workflow
from npc_core.services.deps import Deps
from npc_core.services.library import require_character
from npc_core.services.presenters import monologue_json
from npc_core.services.profiles import character_profile
from npc_core.services.storyboards import require_storyboard
from npc_core.services.tasks import current_task, finish, submit
from npc_core.services.users import require_user


@attrs.frozen
class StartMonologue:
    user_id: str
    storyboard_id: str
    character_id: str
    frame_context: tuple[JsonObject, ...] = ()
    emotion_tone: str = attrs.field(
        default="", validator=_checks.text(limits.SHORT_LABEL, allow_empty=True)
    )


async def start_monologue(deps: Deps, command: StartMonologue) -> Task:
    """Check the storyboard and character, then queue the generation."""
    if len(command.frame_context) > limits.FRAMES:
        raise DomainValidationError("frameContext", f"must have at most {limits.FRAMES} items")
    async with deps.uow() as uow:
        user = await require_user(uow, command.user_id)
        await require_storyboard(uow, user.id, command.storyboard_id)
        await require_character(uow, command.character_id)
    payload: JsonObject = {
        "monologueId": deps.ids.new_id(),
        "storyboardId": command.storyboard_id,
        "characterId": command.character_id,
        "frameContext": list(command.frame_context),
        "emotionTone": command.emotion_tone,
    }
    return await submit(deps, user, TaskType.MONOLOGUE_GENERATION, payload)


async def handle_monologue(deps: Deps, task: Task) -> Task:
    """Generate, tidy the emotion markers, time the text, and store the monologue."""
    p = task.payload
    async with deps.uow() as uow:
        board = await require_storyboard(uow, task.user_id, str(p["storyboardId"]))
        character = await require_character(uow, str(p["characterId"]))
        profile = await character_profile(uow, task.user_id, character)
    context = p.get("frameContext") or [
        {"order": f.order, "sceneDescription": f.scene_description, "dialogue": f.dialogue}
        for f in board.frames
    ]
    data = MonologueInput(
        character.name,
        profile,
        tuple(c for c in context if isinstance(c, dict)) if isinstance(context, list) else (),
        str(p.get("emotionTone") or ""),
    )
    # No progress checkpoint after the call: what is left is one quick transaction.
    output = await deps.workflows.generate_monologue(task.user_id, data)
    text = output.text.strip()
    if not text or len(text) > limits.MONOLOGUE:
        raise UpstreamBadOutput(
            Workflow.MONOLOGUE_GENERATION.value,
            "monologue",
            f"must be 1-{limits.MONOLOGUE} characters",
        )
    markers = tidy_markers(output.markers, len(text))
    monologue = Monologue(
        id=str(p["monologueId"]),
        user_id=task.user_id,
        storyboard_id=board.id,
        character_id=character.id,
        text=text,
        markers=markers,
        timing=build_timing(text, markers),
        created_at=deps.clock.now(),
        workflow_run_id=output.run_id,
    )
    async with deps.uow() as uow:
        done = await finish(uow, deps, task, monologue_json(monologue))
        if done is None:
            return await current_task(uow, task)
        await uow.monologues.add(monologue)
        await uow.commit()
    return done


async def get_monologue(deps: Deps, user_id: str, monologue_id: str) -> Monologue:
    """One of the user's monologues."""
    async with deps.uow() as uow:
        monologue = await uow.monologues.get(monologue_id, user_id)
    if monologue is None:
        raise NotFound("monologue", monologue_id)
    return monologue
