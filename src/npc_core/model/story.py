"""Story reconstruction: the user's story nodes and relationships as a graph."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

import attrs

from npc_core.errors import DomainValidationError
from npc_core.model import _checks, limits


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class StoryNode:
    """One beat of the story; `order` is its place, unique within the story."""

    id: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    order: int = attrs.field(validator=_checks.integer_in(1, limits.STORY_NODES))
    title: str = attrs.field(validator=_checks.text(limits.TITLE))
    content: str = attrs.field(
        default="", validator=_checks.text(limits.DESCRIPTION, allow_empty=True)
    )
    character_ids: tuple[str, ...] = attrs.field(default=(), converter=_ids)


@attrs.frozen
class Relationship:
    """An edge between two nodes or characters of the story, with its kind."""

    source: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    target: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    kind: str = attrs.field(validator=_checks.text(limits.SHORT_LABEL))
    description: str = attrs.field(
        default="", validator=_checks.text(limits.INSIGHT, allow_empty=True)
    )


def validate_graph(
    nodes: Sequence[StoryNode],
    relationships: Sequence[Relationship],
    character_ids: Collection[str],
    *,
    nodes_field: str = "userStoryNodes",
    relationships_field: str = "userRelationships",
) -> None:
    """Check the graph: bounded size, unique node ids and orders, edges to known ends."""
    if not nodes:
        raise DomainValidationError(nodes_field, "must have at least one node")
    if len(nodes) > limits.STORY_NODES:
        raise DomainValidationError(nodes_field, f"must have at most {limits.STORY_NODES} items")
    if len(relationships) > limits.STORY_RELATIONSHIPS:
        raise DomainValidationError(
            relationships_field, f"must have at most {limits.STORY_RELATIONSHIPS} items"
        )
    seen_ids = _check_nodes(nodes, character_ids, nodes_field)
    ends = seen_ids | set(character_ids)
    for index, rel in enumerate(relationships):
        for end in ("source", "target"):
            if getattr(rel, end) not in ends:
                raise DomainValidationError(
                    f"{relationships_field}[{index}].{end}",
                    "must name a story node or a character of the film",
                )


def _check_nodes(
    nodes: Sequence[StoryNode], character_ids: Collection[str], field: str
) -> set[str]:
    seen_ids: set[str] = set()
    seen_orders: set[int] = set()
    for index, node in enumerate(nodes):
        if node.id in seen_ids:
            raise DomainValidationError(f"{field}[{index}].id", "duplicates another node")
        if node.order in seen_orders:
            raise DomainValidationError(f"{field}[{index}].order", "duplicates another node")
        unknown = [c for c in node.character_ids if c not in character_ids]
        if unknown:
            raise DomainValidationError(
                f"{field}[{index}].characterIds", f"{unknown[0]!r} is not a character of the film"
            )
        seen_ids.add(node.id)
        seen_orders.add(node.order)
    return seen_ids


@attrs.frozen
class Story:
    """A user's reconstruction of a film's story, with the AI's latest review."""

    id: str
    user_id: str
    movie_id: str
    nodes: tuple[StoryNode, ...]
    relationships: tuple[Relationship, ...]
    created_at: datetime
    updated_at: datetime
    character_id: str | None = None
    monologue: str = attrs.field(
        default="", validator=_checks.text(limits.MONOLOGUE, allow_empty=True)
    )
    enhanced_monologue: str = ""
    suggestions: tuple[str, ...] = ()
    logic_issues: tuple[str, ...] = ()
    version: int = 1

    def ordered_nodes(self) -> tuple[StoryNode, ...]:
        """The nodes in story order."""
        return tuple(sorted(self.nodes, key=lambda n: n.order))
