"""Row building: the fast line check agrees with `DialogueLine`, and digests track content."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.importers.records import Problem, SourceLine
from adapters.sql.bulk.rows import (
    BATCH,
    FilmRejected,
    character_rows,
    digest,
    line_batches,
    line_is_valid,
)
from npc_core.errors import DomainValidationError
from npc_core.model import DialogueLine
from tests.unit.importing.films import cast_film, with_lines

_TEXTS = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\t\n", "ok", "x" * 100, "x" * 101, "y" * 200, "y" * 201]),
    st.text(max_size=5),
)
_NUMBERS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1, 10**9, 10**9 + 1, 2.5]),
    st.integers(),
)


def _domain_accepts(line: SourceLine) -> bool:
    try:
        DialogueLine(
            id="l",
            movie_id="m",
            order=line.order,
            content=line.content,
            speaker=line.speaker,
            scene=line.scene,
            start_ms=line.start_ms,
            end_ms=line.end_ms,
        )
    except DomainValidationError:
        return False
    return True


@given(
    content=st.one_of(_TEXTS, st.sampled_from(["z" * 2000, "z" * 2001, 5])),
    speaker=_TEXTS,
    scene=_TEXTS,
    order=_NUMBERS,
    start=_NUMBERS,
    end=_NUMBERS,
)
def test_the_fast_line_check_agrees_with_the_domain(
    content: object, speaker: object, scene: object, order: object, start: object, end: object
) -> None:
    """`line_is_valid` accepts exactly the lines `DialogueLine` accepts.

    Limits at their edges, blanks, booleans, floats, negative and reversed times.
    """
    line = SourceLine(
        order=order,  # type: ignore[arg-type]
        content=content,  # type: ignore[arg-type]
        speaker=speaker,  # type: ignore[arg-type]
        scene=scene,  # type: ignore[arg-type]
        start_ms=start,  # type: ignore[arg-type]
        end_ms=end,  # type: ignore[arg-type]
    )
    assert line_is_valid(line) == _domain_accepts(line)


def test_lines_come_in_batches_of_a_thousand() -> None:
    """2,500 lines are three batches: 1,000, 1,000 and 500 rows."""
    film = cast_film(lines=2500)
    _, ids = character_rows(film, "m")
    assert [len(b) for b in line_batches(film, "m", ids)] == [BATCH, BATCH, 500]


def test_a_repeated_line_order_rejects_the_film() -> None:
    """Two lines with one order would share an id: the film is refused, saying where."""
    film = with_lines(cast_film(lines=3), order=0)
    _, ids = character_rows(film, "m")
    with pytest.raises(FilmRejected, match="line order 0 repeats") as caught:
        list(line_batches(film, "m", ids))
    assert caught.value.location == "films.jsonl:12"


def test_the_digest_ignores_where_a_film_was_read() -> None:
    """Moving or renaming the file, or a new warning, does not make a film look changed."""
    film = cast_film()
    moved = attrs.evolve(
        cast_film(file="elsewhere.jsonl"), problems=(Problem("elsewhere.jsonl:3", "note"),)
    )
    assert digest(moved) == digest(film)


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Fight Club 2"},
        {"overview": "New."},
        {"tmdb_id": "550"},
        {"rating": 8.0},
        {"aliases": ("搏击俱乐部",)},
        {"metadata_only": True},
    ],
)
def test_the_digest_changes_with_the_film(change: dict[str, Any]) -> None:
    """Any stored field of the film changes its digest."""
    film = cast_film()
    assert digest(attrs.evolve(film, **change)) != digest(film)


def test_the_digest_changes_with_any_line() -> None:
    """One changed line (content, speaker, or time) changes the digest."""
    film = cast_film(lines=1500)
    for change in ({"content": "Other."}, {"speaker": "BOB"}, {"start_ms": 5}):
        assert digest(with_lines(film, **change)) != digest(film)
