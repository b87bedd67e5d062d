"""Which handler runs each kind of task."""

from __future__ import annotations

from collections.abc import Mapping

from npc_core.model import Task, TaskType
from npc_core.services.audio import handle_voice
from npc_core.services.comics import discard_comic, handle_comic
from npc_core.services.deps import Deps
from npc_core.services.monologues import handle_monologue
from npc_core.services.tasks import Discard, Handler, run_task

HANDLERS: Mapping[TaskType, Handler] = {
    TaskType.MONOLOGUE_GENERATION: handle_monologue,
    TaskType.AUDIO_SYNTHESIS: handle_voice,
    TaskType.COMIC_RENDERING: handle_comic,
}
DISCARDS: Mapping[TaskType, Discard] = {TaskType.COMIC_RENDERING: discard_comic}


async def execute_task(deps: Deps, task_id: str) -> Task | None:
    """Run a task by id with npc's handlers: what workers and the embedded runner call."""
    return await run_task(deps, task_id, HANDLERS, DISCARDS)
