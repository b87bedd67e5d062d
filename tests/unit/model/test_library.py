"""The film library: films, characters, dialogue lines and title search."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import (
    Character,
    DialogueLine,
    Movie,
    fold,
    importance_for,
    match_rank,
    search_key,
)
from npc_core.model.library import CONTAINS, EXACT, OVERVIEW, PREFIX

FIGHT_CLUB = Movie("m1", "搏击俱乐部", original_title="Fight Club", overview="一个失眠的上班族")


def _full_width(text: str) -> str:
    return "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text
    )


title_chars = st.sampled_from(list("搏击俱乐部肖申克的救赎 ") + list("Fight Club Se7en"))
titles = st.text(title_chars, min_size=1, max_size=12).filter(lambda t: t.strip())
keywords = st.text(st.sampled_from(list("Fight Club 搏击俱乐部 xyz")), max_size=10)


@pytest.mark.parametrize(
    ("keyword", "rank"),
    [
        ("搏击俱乐部", EXACT),
        ("搏击", PREFIX),
        ("俱乐部", CONTAINS),
        ("乐", CONTAINS),
        ("fight club", EXACT),
        ("FIGHT", PREFIX),
        ("club", CONTAINS),
        ("ＦＩＧＨＴ　ＣＬＵＢ", EXACT),
        ("  Fight   Club ", EXACT),
        ("失眠", OVERVIEW),
        ("肖申克", None),
        ("", None),
        ("   ", None),
    ],
)
def test_match_rank_examples(keyword: str, rank: int | None) -> None:
    """Chinese matches inside titles; Latin case-insensitively; full width like half width."""
    assert match_rank(FIGHT_CLUB, keyword) == rank


def test_aliases_are_titles_too() -> None:
    """A film is found under any of its aliases."""
    movie = Movie("m2", "肖申克的救赎", aliases=["刺激1995", "The Shawshank Redemption"])
    assert match_rank(movie, "刺激1995") == EXACT
    assert match_rank(movie, "shawshank") == CONTAINS


@given(titles, st.data())
def test_every_piece_of_a_title_finds_the_film(title: str, data: st.DataObject) -> None:
    """Any non-blank stretch of a title matches it: a prefix as prefix or better."""
    folded = fold(title)
    start = data.draw(st.integers(0, len(folded) - 1))
    end = data.draw(st.integers(start + 1, len(folded)))
    piece = folded[start:end]
    rank = match_rank(Movie("m", title), piece)
    if not piece.strip():
        assert rank is None
    elif start == 0:
        assert rank is not None
        assert rank <= PREFIX
    else:
        assert rank is not None
        assert rank <= CONTAINS


@given(titles, keywords)
def test_case_and_width_do_not_change_the_rank(title: str, keyword: str) -> None:
    """Upper case and full-width spellings of a keyword rank the film the same."""
    movie = Movie("m", title)
    rank = match_rank(movie, keyword)
    assert match_rank(movie, keyword.upper()) == rank
    assert match_rank(movie, _full_width(keyword)) == rank
    assert match_rank(Movie("m", _full_width(title.swapcase())), keyword) == rank


@given(titles, keywords)
def test_a_match_means_the_keyword_is_in_the_folded_title(title: str, keyword: str) -> None:
    """A film ranks only if the folded keyword lies inside its folded title (or overview)."""
    rank = match_rank(Movie("m", title), keyword)
    assert (rank is not None) == (bool(fold(keyword)) and fold(keyword) in fold(title))


@given(st.text(max_size=30))
def test_fold_is_idempotent_and_trims_spaces(text: str) -> None:
    """Folding twice changes nothing; folded text has no outer or doubled spaces."""
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded


def test_search_key_orders_by_rank_then_rating() -> None:
    """Better rank first; at equal rank, the higher rated film first."""
    good = Movie("a", "A", rating=9.0)
    fair = Movie("b", "B", rating=7.0)
    unrated = Movie("c", "C")
    keys = [search_key(fair, PREFIX), search_key(unrated, EXACT), search_key(good, PREFIX)]
    assert sorted(keys) == [
        search_key(unrated, EXACT),
        search_key(good, PREFIX),
        search_key(fair, PREFIX),
    ]


@given(st.integers(1, 10_000), st.data())
def test_importance_is_one_to_five_and_grows_with_lines(top: int, data: st.DataObject) -> None:
    """Importance is 1-5, never falls as lines grow, and the busiest character is 5."""
    a = data.draw(st.integers(0, top))
    b = data.draw(st.integers(a, top))
    assert 1 <= importance_for(a, top) <= importance_for(b, top) <= 5
    assert importance_for(top, top) == 5
    assert importance_for(0, top) == 1


@pytest.mark.parametrize(
    ("lines", "expected"),
    [(100, 5), (50, 4), (49, 3), (25, 3), (24, 2), (10, 2), (9, 1), (0, 1)],
)
def test_importance_thresholds(lines: int, expected: int) -> None:
    """Half the top count is 4, a quarter 3, a tenth 2, less is 1."""
    assert importance_for(lines, 100) == expected


def test_importance_of_a_film_without_lines_is_one() -> None:
    """With no lines at all everyone is a 1."""
    assert importance_for(0, 0) == 1


@pytest.mark.parametrize(("lines", "top"), [(-1, 10), (1, -1)])
def test_negative_line_counts_are_refused(lines: int, top: int) -> None:
    """Line counts are never negative."""
    with pytest.raises(DomainValidationError) as caught:
        importance_for(lines, top)
    assert caught.value.field == "lineCount"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"importance": 0}, "importance"),
        ({"importance": 6}, "importance"),
        ({"line_count": -1}, "lineCount"),
        ({"name": " "}, "name"),
    ],
)
def test_character_fields_are_validated(changes: dict[str, object], field: str) -> None:
    """A character's importance is 1-5, its line count not negative, its name not blank."""
    with pytest.raises(DomainValidationError) as caught:
        Character(**{"id": "c1", "movie_id": "m1", "name": "泰勒", **changes})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_character_importance_must_be_a_whole_number() -> None:
    """Importance 2.5 is not one of 1-5."""
    with pytest.raises(DomainValidationError) as caught:
        Character("c1", "m1", "泰勒", importance=2.5)  # type: ignore[arg-type]
    assert caught.value.field == "importance"


def test_a_dialogue_line_may_have_no_speaker_and_no_times() -> None:
    """Speaker, scene and times are optional."""
    line = DialogueLine("d1", "m1", 0, "第一条规则")
    assert (line.character_id, line.speaker, line.scene, line.start_ms) == (None, None, None, None)


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_a_line_never_ends_before_it_starts(start: int, end: int) -> None:
    """End before start is refused, naming `endMs`; equal or later is fine."""
    if end >= start:
        assert DialogueLine("d1", "m1", 1, "台词", start_ms=start, end_ms=end).end_ms == end
    else:
        with pytest.raises(DomainValidationError) as caught:
            DialogueLine("d1", "m1", 1, "台词", start_ms=start, end_ms=end)
        assert caught.value.field == "endMs"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"order": -1}, "order"),
        ({"content": ""}, "content"),
        ({"content": "x" * 2_001}, "content"),
        ({"speaker": "x" * 101}, "speaker"),
        ({"start_ms": -5}, "startMs"),
    ],
)
def test_dialogue_line_fields_are_validated(changes: dict[str, object], field: str) -> None:
    """Film order, content, speaker and times are checked, naming the field."""
    fields: dict[str, object] = {"id": "d1", "movie_id": "m1", "order": 1, "content": "台词"}
    with pytest.raises(DomainValidationError) as caught:
        DialogueLine(**{**fields, **changes})  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"rating": 10.5}, "rating"),
        ({"release_year": 1800}, "releaseYear"),
    ],
)
def test_movie_fields_are_validated(changes: dict[str, object], field: str) -> None:
    """A film needs a title; its rating is 0-10; its year plausible."""
    with pytest.raises(DomainValidationError) as caught:
        Movie(**{"id": "m1", "title": "搏击俱乐部", **changes})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_movie_lists_accept_any_sequence() -> None:
    """Genres and aliases given as lists are kept as tuples of strings."""
    movie = Movie("m1", "搏击俱乐部", genres=["剧情", "惊悚"], aliases=["Fight Club"])
    assert (movie.genres, movie.aliases) == (("剧情", "惊悚"), ("Fight Club",))
