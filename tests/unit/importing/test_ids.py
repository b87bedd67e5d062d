"""Stable ids: the writer's fast UUID5s are exactly `uuid.uuid5` of npc's namespace."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from adapters.sql.bulk.ids import NAMESPACE, child_ids, line_ids, movie_id, stable_id


@given(st.text())
def test_stable_id_is_uuid5_of_the_npc_namespace(name: str) -> None:
    """Any name, Chinese and astral characters included, gives `uuid5(NAMESPACE, name)`."""
    assert stable_id(name) == str(uuid.uuid5(NAMESPACE, name))


@given(st.text(min_size=1), st.integers(min_value=0, max_value=10**9) | st.text())
def test_child_ids_are_the_uuid5_of_the_joined_name(parent: str, key: int | str) -> None:
    """A child's id is the UUID5 of `<parent>/<kind>/<key>`, however it is computed."""
    assert child_ids(parent, "line")(key) == str(uuid.uuid5(NAMESPACE, f"{parent}/line/{key}"))


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=2, max_size=50, unique=True))
def test_line_ids_are_version_8_uuids_that_sort_as_their_orders(orders: list[int]) -> None:
    """A film's line ids are RFC 9562 UUIDs sharing one prefix, in the order of the lines.

    Adjacent ids are what lets InnoDB append a film's lines instead of scattering them.
    """
    make = line_ids("28a4c807-3ed2-5ed3-a4b7-78154d0da13c")
    ids = [make(order) for order in orders]
    parsed = [uuid.UUID(i) for i in ids]
    assert {(u.version, u.variant) for u in parsed} == {(8, uuid.RFC_4122)}
    assert [str(u) for u in parsed] == ids
    assert sorted(ids) == [make(order) for order in sorted(orders)]
    assert len({i[:18] for i in ids}) == 1


def test_films_have_different_line_ids() -> None:
    """The same order in two films gives two ids."""
    assert line_ids("a")(0) != line_ids("b")(0)


def test_ids_never_change() -> None:
    """Stored ids depend on the namespace: these values must hold in every release."""
    assert movie_id("tmdb:550") == "28a4c807-3ed2-5ed3-a4b7-78154d0da13c"
    assert line_ids(movie_id("tmdb:550"))(7) == "9578ff9b-0d53-81e9-8000-000000000007"
