"""Shortcuts that walk a user through the creation flow up to a point."""

from __future__ import annotations

from npc_core.model import Frame, StoryNode, Task
from npc_core.services import (
    DesignStoryboard,
    ReconstructStory,
    StartComic,
    StartMonologue,
    StartVoice,
    design_storyboard,
    reconstruct_story,
    start_comic,
    start_monologue,
    start_voice,
)
from tests.unit.services.world import FERRY, LIN_ZHOU, World


async def storyboard(world: World, user_id: str, frames: int = 3) -> str:
    """Reconstruct a story and lay out a storyboard of `frames` frames; its id."""
    story = await reconstruct_story(
        world.deps,
        ReconstructStory(user_id, FERRY, (StoryNode("n1", 1, "登船"),), character_id=LIN_ZHOU),
    )
    board = await design_storyboard(
        world.deps,
        DesignStoryboard(
            user_id,
            story.story.id,
            tuple(Frame(i, f"镜头{i}", f"台词{i}") for i in range(1, frames + 1)),
        ),
    )
    return board.storyboard.id


async def monologue(world: World, user_id: str, board_id: str) -> Task:
    """Generate a monologue for the storyboard and run the task; the finished task."""
    task = await start_monologue(world.deps, StartMonologue(user_id, board_id, LIN_ZHOU))
    await world.drain()
    return await _reload(world, task)


async def voice(world: World, user_id: str, monologue_id: str) -> Task:
    """Synthesize the monologue and run the task; the finished task."""
    task = await start_voice(world.deps, StartVoice(user_id, monologue_id))
    await world.drain()
    return await _reload(world, task)


async def comic(world: World, user_id: str, board_id: str, audio_id: str) -> Task:
    """Render the comic and run the task; the finished task."""
    task = await start_comic(world.deps, StartComic(user_id, board_id, audio_id))
    await world.drain()
    return await _reload(world, task)


def field(task: Task, key: str) -> str:
    """A string field of a finished task's result."""
    assert task.result is not None, task.error_message
    return str(task.result[key])


async def _reload(world: World, task: Task) -> Task:
    async with world.deps.uow() as uow:
        stored = await uow.tasks.get(task.id)
    assert stored is not None
    return stored
