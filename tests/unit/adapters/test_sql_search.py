"""Film search through the term index finds exactly what the in-memory scan finds."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory import MemoryUnitOfWorkFactory
from adapters.sql import (
    SqlUnitOfWork,
    SqlUnitOfWorkFactory,
    create_engine,
    migrate,
    search,
    sqlite_file_url,
)
from adapters.sql.search import (
    BIGRAM,
    START2,
    UNIGRAM,
    _classes,
    band,
    bigram,
    film_order,
    prefix_terms,
    term,
    text_terms,
    title_bucket,
    title_terms,
    unigram,
)
from npc_core.model import Movie, PageRequest, fold, match_rank, search_key
from npc_core.ports import UnitOfWorkFactory
from tests.contracts import builders as b
from tests.contracts.sql import empty_tables

# Few letters, so titles share grams and keywords often match: Chinese, Latin in both
# cases and widths, spaces, and the characters SQL treats specially.
ALPHABET = "搏击俱乐部海上钢琴abAＡｂ %_'\\!！。"
TEXT = st.text(ALPHABET, min_size=1, max_size=10).filter(lambda t: bool(t.strip()))
# Ratings that share bands (8.7, 8.75 and 8.8 are three) and ratings that have none.
RATINGS = st.sampled_from([None, 0.0, 5.0, 7.5, 8.7, 8.75, 8.8, 8.8, 10.0])


@st.composite
def films(draw: st.DrawFn, most: int = 8) -> list[Movie]:
    count = draw(st.integers(1, most))
    return [
        b.movie(
            draw(TEXT),
            original_title=draw(st.none() | TEXT),
            aliases=tuple(draw(st.lists(TEXT, max_size=2))),
            overview=draw(st.text(ALPHABET, max_size=30)),
            rating=draw(RATINGS),
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


Pages = list[tuple[int, bool, list[str]]]


async def _pages(factory: UnitOfWorkFactory, keyword: str, size: int) -> tuple[Pages, set[int]]:
    """Every page of `keyword` at `size` (total, has_more, ids); the totals said exact."""
    pages: Pages = []
    exact: set[int] = set()
    async with factory() as uow:
        for number in range(1, 40):
            found = await uow.movies.search(keyword, PageRequest(number, size))
            pages.append((found.total, found.has_more, [m.id for m in found.items]))
            if found.total_exact:
                exact.add(number)
            if not found.has_more:
                break
    return pages, exact


async def _compare(
    engine: AsyncEngine, library: list[Movie], keywords: list[str], sizes: list[int]
) -> None:
    await empty_tables(engine)
    memory, sql = MemoryUnitOfWorkFactory(), SqlUnitOfWorkFactory(engine)
    for factory in (memory, sql):
        async with factory() as uow:
            for movie in library:
                await uow.movies.add(movie)
            await uow.commit()
    for keyword in keywords:
        for size in sizes:
            expected, _ = await _pages(memory, keyword, size)
            got, exact = await _pages(sql, keyword, size)
            assert [(more, ids) for _, more, ids in got] == [
                (more, ids) for _, more, ids in expected
            ], (keyword, size)
            for number, ((total, _, ids), (true_total, _, _)) in enumerate(
                zip(got, expected, strict=True), start=1
            ):
                if number in exact:
                    assert total == true_total, (keyword, size, number)
                else:  # a lower bound beyond the page
                    assert (number - 1) * size + len(ids) < total <= true_total


def _keywords(library: list[Movie], data: st.DataObject) -> list[str]:
    texts = [t for m in library for t in (m.title, m.original_title, *m.aliases, m.overview) if t]
    cut = st.sampled_from(texts).flatmap(
        lambda t: st.tuples(st.integers(0, len(t)), st.integers(1, 4)).map(
            lambda ij: t[ij[0] : ij[0] + ij[1]]
        )
    )
    return data.draw(st.lists(st.text(ALPHABET, max_size=4) | cut, min_size=1, max_size=4))


# Each example is a whole database round (load, search, page): 50 keep the unit suite fast.
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(library=films(), data=st.data())
def test_search_equals_the_in_memory_scan(
    database: Database, library: list[Movie], data: st.DataObject
) -> None:
    """Same films, same order, same pages, same totals when exact: typed and cut keywords."""
    database.runner.run(_compare(database.engine, library, _keywords(library, data), [3, 100]))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(library=films(most=14), data=st.data())
def test_stopping_early_and_reading_on_give_the_same_pages(
    database: Database, library: list[Movie], data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statements that end mid-group, several per class, a search stopping early: same pages.

    With no slack and pages of one or two, every class is read in several statements
    and groups are completed by a second one.
    """
    monkeypatch.setattr(search, "SLACK", 0)
    database.runner.run(_compare(database.engine, library, _keywords(library, data), [1, 2]))


# The order bits


@given(st.floats(0, 10), st.floats(0, 10))
def test_a_better_rating_never_has_a_later_band(low: float, high: float) -> None:
    """Bands are monotone; an even band holds one rating only."""
    low, high = sorted((low, high))
    assert band(high) <= band(low)
    if band(low) == band(high) and band(low) % 2 == 0:
        assert low == high
    assert 0 <= band(low) <= 200


def test_ratings_with_one_decimal_have_even_bands() -> None:
    assert [band(k / 10) for k in range(101)] == [2 * (100 - k) for k in range(101)]
    assert band(None) == band(0.0) == 200
    assert band(8.75) == band(8.71) == 25


@given(st.text(max_size=6), st.text(max_size=6))
def test_a_title_that_sorts_first_never_has_a_later_bucket(one: str, other: str) -> None:
    first, second = sorted((one, other))
    assert 0 <= title_bucket(first) <= title_bucket(second) < 2048


@given(
    st.lists(
        st.tuples(RATINGS, st.text(max_size=6).filter(lambda t: bool(t.strip()))),
        min_size=2,
        max_size=6,
    )
)
def test_films_in_ranking_order_have_order_bits_in_order(
    rated: list[tuple[float | None, str]],
) -> None:
    """Sorted by `search_key`, films never have decreasing order bits: the index's order."""
    library = [b.movie(title, rating=rating) for rating, title in rated]
    ranked = sorted(library, key=lambda m: (*search_key(m, 0), m.id))
    orders = [film_order(m.rating, m.title) for m in ranked]
    assert orders == sorted(orders)


# The terms


@given(st.text(min_size=1, max_size=2), st.text(min_size=1, max_size=2))
def test_every_term_has_its_own_code(first: str, second: str) -> None:
    """Distinct characters or pairs never share a term, nor do kinds."""
    kind = {1: UNIGRAM, 2: BIGRAM}
    codes = {1: unigram, 2: bigram}
    assert (codes[len(first)](first) == codes[len(second)](second)) == (first == second)
    assert codes[len(first)](first) >> 41 == kind[len(first)]
    if len(first) == 2:
        assert term(START2, ord(first[0]) * 0x110000 + ord(first[1])) != bigram(first)


@given(st.text(max_size=30), st.data())
def test_a_class_finds_every_match_among_its_candidates(text: str, data: st.DataObject) -> None:
    """Candidates are sound: a text matching a class holds every term the class asks for."""
    folded = fold(text)
    start = data.draw(st.integers(0, len(folded)))
    needle = folded[start : data.draw(st.integers(start, len(folded)))]
    assume(needle)
    exact, prefix, contains, overview = _classes(needle)
    assert set(contains.terms) <= title_terms(folded)
    assert set(overview.terms) <= text_terms(folded)
    if folded.startswith(needle):
        assert set(prefix.terms) <= title_terms(folded)
    if folded == needle:
        assert set(exact.terms) <= title_terms(folded)


@given(st.text(max_size=60), st.integers(1, 40))
def test_the_overview_index_is_a_prefix_within_the_cap(text: str, cap: int) -> None:
    """At most `cap` terms, all of one prefix; a keyword inside that prefix is fully indexed."""
    indexed, overflow = prefix_terms(text, cap)
    assert len(indexed) <= cap
    prefix = next(text[:n] for n in range(len(text), -1, -1) if text_terms(text[:n]) == indexed)
    assert overflow == (prefix != text)


# Overviews whose folded form may hold "the tore" though their ASCII lower case does not
# (or the reverse): each must reach the check, which decides as the in-memory scan does.
TRICKY_OVERVIEWS = (
    "x THE TORE y",  # plain, upper case: a match
    "the  tore",  # two spaces fold to one: a match
    "the\ntore",  # a newline folds to a space: a match
    "the\u00a0tore",  # a no-break space (NFKC: a space): a match
    "ｔｈｅ ｔｏｒｅ",  # full-width (NFKC: ASCII): a match
    "the tore\u0301",  # a combining accent composes é: "the toré", no match
    "the store, to re-read",  # plain and every bigram of the keyword: no match
)


async def sifted_search(engine: AsyncEngine) -> tuple[set[str], set[str], int]:
    """Search "the tore" among sixty plain misses and the tricky overviews.

    Returns the films found, those the in-memory rule says match, and how many
    candidate rows the database sent.
    """
    misses = [b.movie(f"无关 {i}", overview="the store, to re-read") for i in range(60)]
    tricky = [b.movie(f"片 {i}", overview=text) for i, text in enumerate(TRICKY_OVERVIEWS)]
    expected = {m.id for m in tricky if match_rank(m, "the tore") is not None}
    assert len(expected) == 5  # those marked a match above
    await empty_tables(engine)
    async with SqlUnitOfWork(engine) as uow:
        for film in [*misses, *tricky]:
            await uow.movies.add(film)
        await uow.commit()
    search.forget_counts()
    read: list[int] = []
    candidates = search._candidates

    async def counting(*args: Any, **kwargs: Any) -> Any:
        rows = await candidates(*args, **kwargs)
        read.append(len(rows))
        return rows

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "_candidates", counting)
        async with SqlUnitOfWork(engine) as uow:
            found = await uow.movies.search("the tore", PageRequest(1, 20))
    return {m.id for m in found.items}, expected, sum(read)


def test_sqlite_sifts_overview_candidates_without_losing_a_match(database: Database) -> None:
    """A printable-ASCII keyword's overview stream is sifted by the database, not emptied.

    Sixty plain overviews hold every bigram of "the tore" and do not match: none is
    read. Every tricky overview still is, so the search finds what the in-memory scan
    finds.
    """
    found, expected, read = database.runner.run(sifted_search(database.engine))
    assert found == expected
    assert read <= len(TRICKY_OVERVIEWS), read
