"""Checking a source film as the writer would, with no database: `npc import --dry-run`."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

from adapters.importers.records import Problem, Severity, SourceFilm
from adapters.sql.bulk.ids import movie_id
from adapters.sql.bulk.merge import new_movie
from adapters.sql.bulk.rows import FilmRejected, character_rows, check_source, line_batches
from npc_core.errors import DomainValidationError


def validate(film: SourceFilm) -> Problem | None:
    """Why the writer would refuse `film` as a new film; None when it would store it.

    What only the database can say (a merge that makes a title too long, a row it
    refuses) is not checked.
    """
    try:
        check_source(film)
        movie = new_movie(film, movie_id(film.source_key), datetime.now(UTC))
        _, ids = character_rows(film, movie.id)
        deque(line_batches(film, movie.id, ids), maxlen=0)  # every line checked, none kept
    except FilmRejected as rejected:
        return Problem(rejected.location, rejected.message, Severity.ERROR)
    except DomainValidationError as error:
        return Problem(film.location, str(error), Severity.ERROR)
    return None
