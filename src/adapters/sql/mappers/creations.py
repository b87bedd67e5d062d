"""Works, stories and storyboards (with their frames)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping

from adapters.sql.mappers._json import items, obj, texts
from npc_core.model import (
    Frame,
    JsonObject,
    Relationship,
    Story,
    Storyboard,
    StoryNode,
    UserWork,
    WorkType,
)


def work_row(work: UserWork) -> dict[str, object]:
    """Every column of a work."""
    return {
        "id": work.id,
        "user_id": work.user_id,
        "title": work.title,
        "work_type": work.work_type.value,
        "movie_id": work.movie_id,
        "character_id": work.character_id,
        "metadata": work.metadata,
        "created_at": work.created_at,
    }


def work_from(row: RowMapping) -> UserWork:
    """The work stored in `row`."""
    return UserWork(
        id=row["id"],
        user_id=row["user_id"],
        title=row["title"],
        work_type=WorkType(row["work_type"]),
        created_at=row["created_at"],
        movie_id=row["movie_id"],
        character_id=row["character_id"],
        metadata=obj(row["metadata"]),
    )


def _node_json(node: StoryNode) -> JsonObject:
    return {
        "id": node.id,
        "order": node.order,
        "title": node.title,
        "content": node.content,
        "characterIds": list(node.character_ids),
    }


def _node(data: Mapping[str, Any]) -> StoryNode:
    return StoryNode(
        data["id"], data["order"], data["title"], data["content"], texts(data["characterIds"])
    )


def _relationship_json(rel: Relationship) -> JsonObject:
    return {
        "source": rel.source,
        "target": rel.target,
        "kind": rel.kind,
        "description": rel.description,
    }


def _relationship(data: Mapping[str, Any]) -> Relationship:
    return Relationship(data["source"], data["target"], data["kind"], data["description"])


def story_row(story: Story) -> dict[str, object]:
    """Every column of a story."""
    return {
        "id": story.id,
        "user_id": story.user_id,
        "movie_id": story.movie_id,
        "character_id": story.character_id,
        "nodes": [_node_json(n) for n in story.nodes],
        "relationships": [_relationship_json(r) for r in story.relationships],
        "monologue": story.monologue,
        "enhanced_monologue": story.enhanced_monologue,
        "suggestions": list(story.suggestions),
        "logic_issues": list(story.logic_issues),
        "version": story.version,
        "created_at": story.created_at,
        "updated_at": story.updated_at,
    }


def story_from(row: RowMapping) -> Story:
    """The story stored in `row`."""
    return Story(
        id=row["id"],
        user_id=row["user_id"],
        movie_id=row["movie_id"],
        nodes=tuple(_node(n) for n in items(row["nodes"])),
        relationships=tuple(_relationship(r) for r in items(row["relationships"])),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        character_id=row["character_id"],
        monologue=row["monologue"],
        enhanced_monologue=row["enhanced_monologue"],
        suggestions=texts(row["suggestions"]),
        logic_issues=texts(row["logic_issues"]),
        version=row["version"],
    )


def _frame_json(frame: Frame) -> JsonObject:
    return {
        "order": frame.order,
        "sceneDescription": frame.scene_description,
        "dialogue": frame.dialogue,
        "camera": frame.camera,
        "visualEffects": list(frame.visual_effects),
        "imageUrl": frame.image_url,
        "userFields": [*sorted(frame.user_fields)],
    }


def _frame(data: Mapping[str, Any]) -> Frame:
    return Frame(
        order=data["order"],
        scene_description=data["sceneDescription"],
        dialogue=data["dialogue"],
        camera=data["camera"],
        visual_effects=texts(data["visualEffects"]),
        image_url=data["imageUrl"],
        user_fields=frozenset(texts(data["userFields"])),
    )


def storyboard_row(board: Storyboard) -> dict[str, object]:
    """Every column of a storyboard; its frames are one JSON list."""
    return {
        "id": board.id,
        "user_id": board.user_id,
        "story_id": board.story_id,
        "work_id": board.work_id,
        "title": board.title,
        "frames": [_frame_json(f) for f in board.frames],
        "style_preference": board.style_preference,
        "visual_suggestions": list(board.visual_suggestions),
        "version": board.version,
        "created_at": board.created_at,
        "updated_at": board.updated_at,
    }


def storyboard_from(row: RowMapping) -> Storyboard:
    """The storyboard stored in `row`."""
    return Storyboard(
        id=row["id"],
        user_id=row["user_id"],
        story_id=row["story_id"],
        work_id=row["work_id"],
        title=row["title"],
        frames=tuple(_frame(f) for f in items(row["frames"])),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        style_preference=obj(row["style_preference"]),
        visual_suggestions=texts(row["visual_suggestions"]),
        version=row["version"],
    )
