"""Cache bytes read back as exactly the value written, and cache keys never collide."""

from __future__ import annotations

from datetime import date, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.model import (
    Character,
    CharacterAnalysis,
    DialogueLine,
    Movie,
    Page,
    PageRequest,
    TraitSuggestion,
    limits,
)
from npc_core.ports import CharacterAnalysisInput, CharacterAnalysisOutput
from npc_core.services import cache_codec, cached

# Any Unicode: Chinese, full-width forms, emoji, quotes and backslashes, controls.
WORDS = st.text(max_size=20)
LINE = WORDS.filter(str.strip)
OFFSETS = st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m)))
WHEN = st.none() | st.datetimes() | st.datetimes(timezones=OFFSETS)
IDS = st.text(min_size=1, max_size=12)  # ids are opaque strings: ':' and '%' included


def numbers(lo: int, hi: int) -> st.SearchStrategy[float]:
    """Floats and ints: JSON must keep `8` an int and `8.0` a float."""
    return st.floats(lo, hi, allow_nan=False) | st.integers(lo, hi)


@st.composite
def movies(draw: st.DrawFn, movie_id: st.SearchStrategy[str] = IDS) -> Movie:
    movie = Movie(
        id=draw(movie_id),
        title=draw(LINE),
        original_title=draw(st.none() | WORDS),
        overview=draw(WORDS),
        tmdb_id=draw(st.none() | WORDS),
        poster_url=draw(st.none() | WORDS),
        rating=draw(st.none() | numbers(0, 10)),
        popularity=draw(numbers(0, 10**12)),
        genres=draw(st.lists(WORDS, max_size=3)),
        aliases=draw(st.lists(WORDS, max_size=3)),
        release_year=draw(st.none() | st.integers(1870, 2200)),
        director=draw(st.none() | WORDS),
        created_at=draw(WHEN),
    )
    if "release_date" in attrs.fields_dict(Movie):  # the film import adds it: cover it then
        days = st.dates(date(1870, 1, 1), date(2200, 12, 31))
        movie = attrs.evolve(movie, release_date=draw(st.none() | days))
    return movie


@st.composite
def characters(
    draw: st.DrawFn, movie_id: str, character_id: st.SearchStrategy[str] = IDS
) -> Character:
    return Character(
        id=draw(character_id),
        movie_id=movie_id,
        name=draw(LINE),
        description=draw(WORDS),
        avatar_url=draw(st.none() | WORDS),
        importance=draw(st.integers(1, 5)),
        line_count=draw(st.integers(0, 10**9)),
        personality_traits=draw(st.lists(WORDS, max_size=3)),
    )


@st.composite
def lines(draw: st.DrawFn, movie_id: str, character_id: str | None) -> DialogueLine:
    start = draw(st.none() | st.integers(0, 10**9))
    end = draw(st.none() | st.integers(start or 0, 10**9))
    return DialogueLine(
        id=draw(IDS),
        movie_id=movie_id,
        order=draw(st.integers(0, 10**9)),
        content=draw(LINE),
        character_id=character_id,
        speaker=draw(st.none() | WORDS),
        scene=draw(st.none() | WORDS),
        start_ms=start,
        end_ms=end,
    )


def pages(items: st.SearchStrategy[object]) -> st.SearchStrategy[Page[object]]:
    return st.builds(
        lambda found, extra, number, size, exact: Page(
            tuple(found), len(found) + extra, PageRequest(number, size), exact
        ),
        st.lists(items, max_size=4),
        st.integers(0, 10**6),
        st.integers(1, 10**6),
        st.integers(1, limits.PAGE_SIZE_MAX),
        st.booleans(),
    )


analyses = st.builds(
    CharacterAnalysisOutput,
    WORDS,
    st.builds(CharacterAnalysis, WORDS, st.lists(WORDS), st.lists(WORDS), WORDS),
    st.lists(
        st.builds(
            TraitSuggestion,
            st.text(max_size=limits.TRAIT_NAME).filter(str.strip),
            st.lists(WORDS, max_size=3),
            st.none() | numbers(0, 1),
        ),
        max_size=3,
    ).map(tuple),
)


@given(pages(movies()))
def test_a_page_of_films_reads_back_equal(page: Page[Movie]) -> None:
    """Every film field, the total (exact or a bound) and the request survive; ints stay ints."""
    back = cache_codec.MOVIE_PAGE.decode(cache_codec.MOVIE_PAGE.encode(page))
    assert back == page
    assert [type(m.rating) for m in back.items] == [type(m.rating) for m in page.items]


@given(pages(IDS.flatmap(lambda m: lines(m, None) | IDS.flatmap(lambda c: lines(m, c)))))
def test_a_page_of_lines_reads_back_equal(page: Page[DialogueLine]) -> None:
    """Lines with and without a speaker, times and scenes survive."""
    assert cache_codec.LINE_PAGE.decode(cache_codec.LINE_PAGE.encode(page)) == page


@given(movies().flatmap(lambda m: st.tuples(st.just(m), st.lists(characters(m.id)).map(tuple))))
def test_a_film_with_its_characters_reads_back_equal(
    film: tuple[Movie, tuple[Character, ...]],
) -> None:
    """A film detail (the film and its cast) survives, cast order included."""
    assert cache_codec.FILM.decode(cache_codec.FILM.encode(film)) == film


@given(movies().flatmap(lambda m: st.tuples(characters(m.id), st.just(m))))
def test_a_character_with_its_film_reads_back_equal(cast: tuple[Character, Movie]) -> None:
    """A character page (the character and its film) survives."""
    assert cache_codec.CAST.decode(cache_codec.CAST.encode(cast)) == cast


@given(analyses)
def test_an_analysis_reads_back_equal(output: CharacterAnalysisOutput) -> None:
    """The workflow's run id, analysis and traits (evidence, confidence) survive."""
    assert cache_codec.ANALYSIS.decode(cache_codec.ANALYSIS.encode(output)) == output


def test_bytes_that_are_not_an_entry_do_not_decode() -> None:
    """Garbage and an entry of another shape raise, so the reader treats them as a miss."""
    for data in [b"\xff", b"{}", b'{"items": [{"id": 1}], "total": 1, "request": [1, 20]}']:
        with pytest.raises((ValueError, KeyError, TypeError)):
            cache_codec.MOVIE_PAGE.decode(data)


@given(st.lists(IDS, min_size=2, max_size=2, unique=True), st.none() | IDS, st.none() | IDS)
def test_ids_never_make_two_keys_alike(
    movies_: list[str], first: str | None, second: str | None
) -> None:
    """Two films' keys differ, and every key of a film is under its prefix only."""
    a, b = movies_
    page = PageRequest(1, 20)
    keys_a = {cached.movie_key(a), cached.dialogues_key(a, first, page)}
    keys_b = {cached.movie_key(b), cached.dialogues_key(b, second, page)}
    assert not keys_a & keys_b
    assert all(k.startswith(cached.movie_prefix(a)) for k in keys_a)
    assert not any(k.startswith(cached.movie_prefix(a)) for k in keys_b)
    if first != second:
        assert cached.dialogues_key(a, first, page) != cached.dialogues_key(a, second, page)


def test_keywords_that_fold_alike_share_a_search_page() -> None:
    """Case, width and extra spaces do not split the cache; page and size do."""
    page = PageRequest(1, 20)
    assert cached.search_key("Fight  Club", page) == cached.search_key("ＦＩＧＨＴ club", page)
    assert cached.search_key("fight", page) != cached.search_key("fight", PageRequest(2, 20))
    assert cached.search_key("fight", page) != cached.search_key("fight", PageRequest(1, 10))


def test_the_analysis_key_hashes_everything_sent() -> None:
    """Any change to what the workflow is sent, or to the owner, is another key."""
    base = CharacterAnalysisInput("夜航", "林舟", "记者", ("一", "二"), {"mood": "好奇"})
    variants = [
        CharacterAnalysisInput("夜航船", "林舟", "记者", ("一", "二"), {"mood": "好奇"}),
        CharacterAnalysisInput("夜航", "苏晚", "记者", ("一", "二"), {"mood": "好奇"}),
        CharacterAnalysisInput("夜航", "林舟", "", ("一", "二"), {"mood": "好奇"}),
        CharacterAnalysisInput("夜航", "林舟", "记者", ("一",), {"mood": "好奇"}),
        CharacterAnalysisInput("夜航", "林舟", "记者", ("一二",), {"mood": "好奇"}),
        CharacterAnalysisInput("夜航", "林舟", "记者", ("一", "二"), {}),
    ]
    key = cached.analysis_key("m", "c", base, None)
    assert key is not None
    assert key.startswith("ai:v1:character-analysis:m:c:")
    others = {cached.analysis_key("m", "c", v, None) for v in variants}
    others |= {
        cached.analysis_key("m", "c", base, "u1"),
        cached.analysis_key("m", "c2", base, None),
    }
    assert key not in others
    assert len(others) == len(variants) + 2
    same = CharacterAnalysisInput("夜航", "林舟", "记者", ("一", "二"), {"mood": "好奇"})
    assert cached.analysis_key("m", "c", same, None) == key


def test_an_input_that_is_not_json_is_not_cached() -> None:
    """A context JSON cannot hold gives no key: the analysis runs uncached."""
    odd = CharacterAnalysisInput("夜航", "林舟", "", (), {"when": object()})  # type: ignore[dict-item]
    assert cached.analysis_key("m", "c", odd, None) is None
