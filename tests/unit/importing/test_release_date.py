"""`Movie.release_date`: a calendar date in the years a film can have, or None."""

from __future__ import annotations

from datetime import UTC, date, datetime

import msgspec
import pytest

from entrypoints.http.present import movie
from npc_core.errors import DomainValidationError
from npc_core.model import Movie


def test_a_film_may_have_a_release_date() -> None:
    """A date is kept as given; None is the default."""
    assert Movie(id="m", title="Fight Club", release_date=date(1999, 10, 15)).release_date == date(
        1999, 10, 15
    )
    assert Movie(id="m", title="Fight Club").release_date is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (datetime(1999, 10, 15, tzinfo=UTC), "must be a date"),
        ("1999-10-15", "must be a date"),
        (date(1869, 12, 31), "must be between 1870 and 2200"),
        (date(2201, 1, 1), "must be between 1870 and 2200"),
    ],
)
def test_anything_else_is_refused_naming_the_field(value: object, reason: str) -> None:
    """A datetime (its time would be lost), text, or a year no film has: `releaseDate`."""
    with pytest.raises(DomainValidationError) as caught:
        Movie(id="m", title="Fight Club", release_date=value)  # type: ignore[arg-type]
    assert caught.value.field == "releaseDate"
    assert caught.value.issues[0].reason == reason


def test_the_api_shows_a_film_s_release_date_in_iso_form() -> None:
    """`releaseDate` on the wire: `1999-10-15`, or null when unknown."""
    dated = Movie(id="m", title="Fight Club", release_date=date(1999, 10, 15))
    assert msgspec.json.decode(msgspec.json.encode(movie(dated)))["releaseDate"] == "1999-10-15"
    undated = Movie(id="m", title="Fight Club")
    assert msgspec.json.decode(msgspec.json.encode(movie(undated)))["releaseDate"] is None
