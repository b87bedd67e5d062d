"""The story graph: `validate_graph` and story nodes."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import Relationship, Story, StoryNode, validate_graph

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CHARACTERS = ("tyler", "narrator", "marla")
UNKNOWN = "nobody"


@attrs.frozen
class Graph:
    nodes: list[StoryNode]
    relationships: list[Relationship]


CAST_CHOICES: list[tuple[str, ...]] = [(), ("tyler",), ("narrator", "marla")]


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 5, max_relationships: int = 6) -> Graph:
    """A valid graph: unique ids and orders, edges between nodes and film characters."""
    orders = draw(st.lists(st.integers(1, 100), min_size=1, max_size=max_nodes, unique=True))
    casts = draw(
        st.lists(st.sampled_from(CAST_CHOICES), min_size=len(orders), max_size=len(orders))
    )
    nodes = [
        StoryNode(id=f"n{i}", order=order, title=f"第{i}幕", character_ids=cast)
        for i, (order, cast) in enumerate(zip(orders, casts, strict=True))
    ]
    ends = [n.id for n in nodes] + list(CHARACTERS)
    pairs = draw(st.lists(st.integers(0, len(ends) ** 2 - 1), max_size=max_relationships))
    return Graph(
        nodes, [Relationship(ends[p // len(ends)], ends[p % len(ends)], "因果") for p in pairs]
    )


def _field_of(graph: Graph, **fields: str) -> str:
    with pytest.raises(DomainValidationError) as caught:
        validate_graph(graph.nodes, graph.relationships, CHARACTERS, **fields)
    return caught.value.field


@given(graphs())
def test_a_well_formed_graph_is_accepted(graph: Graph) -> None:
    """Unique nodes and edges between known ends pass validation."""
    validate_graph(graph.nodes, graph.relationships, CHARACTERS)


@given(graphs(), st.data(), st.sampled_from(["source", "target"]))
def test_an_edge_to_an_unknown_end_names_its_path(
    graph: Graph, data: st.DataObject, end: str
) -> None:
    """An edge whose end is neither a node nor a character is reported as `[i].source|target`."""
    rels = graph.relationships or [Relationship("n0", "n0", "因果")]
    index = data.draw(st.integers(0, len(rels) - 1))
    rels[index] = attrs.evolve(rels[index], **{end: UNKNOWN})
    broken = Graph(graph.nodes, rels)
    assert _field_of(broken) == f"userRelationships[{index}].{end}"
    assert _field_of(broken, relationships_field="relationships") == f"relationships[{index}].{end}"


@given(graphs(), st.data())
def test_a_repeated_node_id_names_the_repeat(graph: Graph, data: st.DataObject) -> None:
    """The second node with an id already used is reported at `[j].id`."""
    twin = data.draw(st.sampled_from(graph.nodes))
    free = min(set(range(1, 101)) - {n.order for n in graph.nodes})
    nodes = [*graph.nodes, attrs.evolve(twin, order=free)]
    assert _field_of(Graph(nodes, [])) == f"userStoryNodes[{len(nodes) - 1}].id"


@given(graphs(), st.data())
def test_a_repeated_order_names_the_repeat(graph: Graph, data: st.DataObject) -> None:
    """The second node with an order already used is reported at `[j].order`."""
    twin = data.draw(st.sampled_from(graph.nodes))
    nodes = [*graph.nodes, attrs.evolve(twin, id="fresh")]
    assert _field_of(Graph(nodes, graph.relationships)) == f"userStoryNodes[{len(nodes) - 1}].order"


@given(graphs(), st.data())
def test_a_node_with_an_unknown_character_names_its_path(graph: Graph, data: st.DataObject) -> None:
    """A node naming someone not in the film is reported at `[j].characterIds`."""
    index = data.draw(st.integers(0, len(graph.nodes) - 1))
    nodes = list(graph.nodes)
    nodes[index] = attrs.evolve(nodes[index], character_ids=(*nodes[index].character_ids, UNKNOWN))
    assert _field_of(Graph(nodes, graph.relationships)) == f"userStoryNodes[{index}].characterIds"


def test_edges_may_join_characters_and_nodes() -> None:
    """Either end of an edge may be a story node or a character of the film."""
    nodes = [StoryNode("a", 1, "开端"), StoryNode("b", 2, "高潮")]
    rels = [Relationship("a", "b", "因果"), Relationship("tyler", "a", "参与")]
    validate_graph(nodes, rels, CHARACTERS)


def test_the_graph_needs_a_node_and_is_bounded() -> None:
    """No nodes, more than 100 nodes or more than 200 edges are refused, naming the list."""
    assert _field_of(Graph([], [])) == "userStoryNodes"
    many = [StoryNode(f"n{i}", i % 100 + 1, "幕") for i in range(101)]
    assert _field_of(Graph(many, [])) == "userStoryNodes"
    edges = [Relationship("n1", "n1", "因果")] * 201
    assert _field_of(Graph([StoryNode("n1", 1, "幕")], edges)) == "userRelationships"
    assert _field_of(Graph([], []), nodes_field="nodes") == "nodes"


def test_a_hundred_nodes_and_two_hundred_edges_are_fine() -> None:
    """The bounds themselves are allowed."""
    nodes = [StoryNode(f"n{i}", i + 1, "幕") for i in range(100)]
    validate_graph(nodes, [Relationship("n0", "n99", "因果")] * 200, ())


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"order": 0}, "order"),
        ({"order": 101}, "order"),
        ({"id": " "}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_node_fields_are_validated(fields: dict[str, object], bad: str) -> None:
    """A node's id, order (1-100) and title are checked, naming the field."""
    base: dict[str, object] = {"id": "n1", "order": 1, "title": "开端"}
    with pytest.raises(DomainValidationError) as caught:
        StoryNode(**{**base, **fields})  # type: ignore[arg-type]
    assert caught.value.field == bad


@given(st.lists(st.integers(1, 100), unique=True, max_size=20))
def test_ordered_nodes_follow_the_order_numbers(orders: list[int]) -> None:
    """A story lists all its nodes, by their order."""
    nodes = tuple(StoryNode(f"n{order}", order, "幕") for order in orders)
    ordered = Story("s1", "u1", "m1", nodes, (), NOW, NOW).ordered_nodes()
    assert [n.id for n in ordered] == [f"n{order}" for order in sorted(orders)]
