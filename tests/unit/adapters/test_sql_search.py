"""Film search through the gram index finds exactly what the in-memory scan finds."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory import MemoryUnitOfWorkFactory
from adapters.sql import SqlUnitOfWorkFactory, create_engine, migrate, sqlite_file_url
from adapters.sql.search import _prefix_grams, _starting_with, gram_code, grams, keyword_grams
from npc_core.model import Movie, PageRequest, fold
from npc_core.ports import UnitOfWorkFactory
from tests.contracts import builders as b
from tests.contracts.sql import empty_tables

# Few letters, so titles share grams and keywords often match: Chinese, Latin in both
# cases and widths, spaces, and the characters SQL treats specially.
ALPHABET = "搏击俱乐部海上钢琴abAＡｂ %_'\\!！。"
TEXT = st.text(ALPHABET, min_size=1, max_size=10).filter(lambda t: bool(t.strip()))


@st.composite
def films(draw: st.DrawFn) -> list[Movie]:
    count = draw(st.integers(1, 8))
    return [
        b.movie(
            draw(TEXT),
            original_title=draw(st.none() | TEXT),
            aliases=tuple(draw(st.lists(TEXT, max_size=2))),
            overview=draw(st.text(ALPHABET, max_size=30)),
            rating=draw(st.sampled_from([None, 0.0, 5.0, 7.5])),
        )
        for _ in range(count)
    ]


@attrs.frozen
class Database:
    """One engine on one event loop for every example: a fresh engine each would dominate."""

    runner: asyncio.Runner
    engine: AsyncEngine


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url = sqlite_file_url(Path(tmp_path_factory.mktemp("search")) / "npc.sqlite3")
    migrate.upgrade(url)
    with asyncio.Runner() as runner:
        engine = create_engine(url)
        yield Database(runner, engine)
        runner.run(engine.dispose())


async def _results(
    factory: UnitOfWorkFactory, keywords: list[str]
) -> list[tuple[int, list[str], list[str]]]:
    out = []
    async with factory() as uow:
        for keyword in keywords:
            whole = await uow.movies.search(keyword, PageRequest(1, 100))
            second = await uow.movies.search(keyword, PageRequest(2, 3))
            out.append((whole.total, [m.id for m in whole.items], [m.id for m in second.items]))
    return out


async def _compare(engine: AsyncEngine, library: list[Movie], keywords: list[str]) -> None:
    await empty_tables(engine)
    memory, sql = MemoryUnitOfWorkFactory(), SqlUnitOfWorkFactory(engine)
    for factory in (memory, sql):
        async with factory() as uow:
            for movie in library:
                await uow.movies.add(movie)
            await uow.commit()
    assert await _results(sql, keywords) == await _results(memory, keywords)


# Each example is a whole database round (load, search, page): 50 keep the unit suite fast.
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(library=films(), data=st.data())
def test_search_equals_the_in_memory_scan(
    database: Database, library: list[Movie], data: st.DataObject
) -> None:
    """Same films, same totals, same order, same pages: for typed and for cut keywords."""
    texts = [t for m in library for t in (m.title, m.original_title, *m.aliases, m.overview) if t]
    cut = st.sampled_from(texts).flatmap(
        lambda t: st.tuples(st.integers(0, len(t)), st.integers(1, 4)).map(
            lambda ij: t[ij[0] : ij[0] + ij[1]]
        )
    )
    keywords = data.draw(st.lists(st.text(ALPHABET, max_size=4) | cut, min_size=1, max_size=4))
    database.runner.run(_compare(database.engine, library, keywords))


@given(st.text(min_size=2, max_size=2), st.text(min_size=2, max_size=2))
def test_every_gram_has_its_own_code(first: str, second: str) -> None:
    """Distinct bigrams never share a stored integer; a first character owns one range."""
    assert (gram_code(first) == gram_code(second)) == (first == second)
    low, high = _starting_with(first[0])
    assert low <= gram_code(first) < high
    assert (low <= gram_code(second) < high) == (first[0] == second[0])


@given(st.text(max_size=30), st.data())
def test_a_substring_has_no_gram_its_text_lacks(text: str, data: st.DataObject) -> None:
    """Candidates are sound: a keyword inside a text has its grams; each character starts one."""
    folded = fold(text)
    start = data.draw(st.integers(0, len(folded)))
    needle = folded[start : data.draw(st.integers(start, len(folded)))]
    indexed = grams(folded)
    assert set(keyword_grams(needle)) <= indexed
    assert {g[0] for g in indexed} == set(folded)


@given(st.text(max_size=60), st.integers(1, 40))
def test_the_overview_index_is_a_prefix_within_the_cap(text: str, cap: int) -> None:
    """At most `cap` grams, all of one prefix; a keyword inside that prefix is fully indexed."""
    indexed, overflow = _prefix_grams(text, cap)
    assert len(indexed) <= cap
    prefix = next(text[:n] for n in range(len(text), -1, -1) if grams(text[:n]) == indexed)
    assert overflow == (prefix != text)
