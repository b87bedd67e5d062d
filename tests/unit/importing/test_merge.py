"""The merge rules, on films in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs

from adapters.sql.bulk.merge import merged_movie, new_movie
from tests.unit.importing.films import cast_film, douban_film, tmdb_film

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def test_a_new_film_takes_its_year_from_its_release_date() -> None:
    """A source with only a release date gives the film its year too."""
    film = attrs.evolve(tmdb_film(), release_year=None)
    movie = new_movie(film, "m", NOW)
    assert (movie.release_year, movie.release_date) == (1999, date(1999, 10, 15))
    assert movie.created_at == NOW


def test_the_first_metadata_source_names_the_film_and_keeps_the_old_name() -> None:
    """A screenplay's working title becomes an alias when TMDB names the film."""
    stored = new_movie(cast_film(title="Fight-Club"), "m", NOW)
    merged = merged_movie(stored, tmdb_film(), metadata_owned=False)
    assert merged.title == "Fight Club"
    assert merged.aliases == ("Fight-Club",)
    assert merged.created_at == NOW


def test_later_metadata_adds_its_titles_as_aliases_and_overrides_values() -> None:
    """Douban after TMDB: the title stays, Chinese names join the aliases once each."""
    stored = new_movie(tmdb_film(), "m", NOW)
    merged = merged_movie(stored, douban_film(), metadata_owned=True)
    assert merged.title == "Fight Club"
    assert merged.aliases == ("搏击俱乐部", "斗阵俱乐部")  # "Fight Club" is its own title
    assert merged.rating == 9.0
    assert merged.genres == ("剧情",)
    assert merged.director == "大卫·芬奇 David Fincher"
    assert merged.release_date == date(1999, 10, 15)  # Douban gives none: kept
    assert merged.overview == stored.overview  # Douban gives none: kept


def test_a_cast_source_only_fills_what_metadata_left_empty() -> None:
    """Once a metadata source reached a film, a screenplay cannot overwrite its values."""
    stored = attrs.evolve(new_movie(tmdb_film(), "m", NOW), director=None)
    screenplay = attrs.evolve(
        cast_film(title="FIGHT CLUB", overview="Draft."), director="D. Fincher", rating=1.0
    )
    merged = merged_movie(stored, screenplay, metadata_owned=True)
    assert merged.title == "Fight Club"
    assert merged.overview == stored.overview
    assert merged.rating == 8.3
    assert merged.director == "D. Fincher"


def test_a_cast_source_alone_updates_its_own_film() -> None:
    """Without metadata sources, a re-imported film takes its source's new values."""
    stored = new_movie(cast_film(title="Draft", overview="Old."), "m", NOW)
    merged = merged_movie(stored, cast_film(title="Final", overview="New."), metadata_owned=False)
    assert (merged.title, merged.overview, merged.aliases) == ("Final", "New.", ())


def test_aliases_are_a_union_without_repeats_in_folded_form() -> None:
    """Ｆｉｇｈｔ ＣＬＵＢ and fight club fold alike: one alias, the first spelling kept."""
    stored = attrs.evolve(new_movie(tmdb_film(), "m", NOW), aliases=("Fight Club!",))
    merged = merged_movie(
        stored,
        attrs.evolve(douban_film(), aliases=("fight club!", "Ｆｉｇｈｔ ＣＬＵＢ", "  ")),
        metadata_owned=True,
    )
    assert merged.aliases == ("Fight Club!", "搏击俱乐部")
