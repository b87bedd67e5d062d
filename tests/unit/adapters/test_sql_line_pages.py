"""`_line_pages.decoded`: a dialogue page from the database's JSON, or None to read it again."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.sql.repositories._line_pages import decoded

FILM = "00000000-0000-4000-8000-000000000001"


def _line(position: int, content: str = "台词") -> list[Any]:
    return [position, f"line-{position}", position * 10, content, None, "泰勒", None, 0, 500]


def _json(lines: list[list[Any]]) -> str:
    return json.dumps(lines, ensure_ascii=False)


@given(
    st.lists(st.text(min_size=1, max_size=30).filter(str.strip), min_size=1, max_size=40),
    st.randoms(use_true_random=False),
)
def test_lines_in_any_order_come_back_in_film_order(texts: list[str], rng: Any) -> None:
    """The aggregate promises no order: lines are sorted by position, every field kept."""
    lines = [_line(i, text) for i, text in enumerate(texts)]
    shuffled = lines[:]
    rng.shuffle(shuffled)
    found = decoded(_json(shuffled), len(lines) - 1, FILM, 0, len(lines))
    assert found is not None
    assert [(d.id, d.order, d.content, d.movie_id) for d in found] == [
        (f"line-{i}", i * 10, text, FILM) for i, text in enumerate(texts)
    ]


def test_the_last_page_holds_only_what_is_left() -> None:
    """A range past the last position expects only the lines up to it; none past the end."""
    lines = [_line(i) for i in range(45)]
    assert decoded(_json(lines[40:]), 44, FILM, 40, 50) is not None
    assert decoded(None, 44, FILM, 50, 60) == []
    assert decoded("[]", 44, FILM, 50, 60) == []


def test_an_aggregate_cut_short_or_null_or_short_of_lines_is_not_used() -> None:
    """MariaDB's cut JSON, its NULL for a too long result, and a line missing mean: read again."""
    lines = [_line(i) for i in range(10)]
    whole = _json(lines)
    assert decoded(whole, 9, FILM, 0, 10) is not None
    assert decoded(whole[:-7], 9, FILM, 0, 10) is None
    assert decoded(None, 9, FILM, 0, 10) is None
    assert decoded(_json(lines[1:]), 9, FILM, 0, 10) is None
    assert decoded('{"lines": []}', 9, FILM, 0, 10) is None
