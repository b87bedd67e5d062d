"""Source films into the library: one transaction per film, rows in batches of 1,000.

For each film: skip it if this source was imported with the same digest before;
else find the stored film it goes into (`Directory`), write the merged film row and,
when its titles or overview changed, its search grams (`search.index_rows`); replace
the cast if the source brings one; record the source and its digest; commit. A film
that fails rolls back alone and comes back as FAILED with where and why.

Replacing a cast keeps what users' data points at: characters are upserted by their
stable ids and only those the source no longer has are deleted; lines, which nothing
refers to, are deleted and inserted again. A new film's rows are plain INSERTs.

`write_all` is the fast way through many films: a thread reads each next film and
builds its rows (ids, checks, SQL text) while the database stores the current one
(`ahead`); the rows are built for the film id the film will most likely get, and
built again in the rare case it gets another (a merge). `write` does one film, its
lines built a batch at a time as they are sent.

`on_changed` receives the ids of created and updated films (in groups, and at
`close`), for whoever caches films to drop them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from types import TracebackType
from typing import Final, Self

import attrs
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError

from adapters.importers.records import Problem, Severity, SourceFilm
from adapters.sql import search
from adapters.sql.bulk import statements
from adapters.sql.bulk.ahead import ahead
from adapters.sql.bulk.directory import Directory
from adapters.sql.bulk.ids import movie_id as movie_id_of
from adapters.sql.bulk.literal import escaper, line_statements, row_statement, values_statements
from adapters.sql.bulk.merge import merged_movie, new_movie
from adapters.sql.bulk.rows import (
    BATCH,
    CHARACTER_COLUMNS,
    LINE_COLUMNS,
    FilmRejected,
    Kind,
    Row,
    carries_cast,
    character_rows,
    check_source,
    digest,
    kind_of,
    line_batches,
)
from adapters.sql.mappers.library import movie_from, movie_row
from adapters.sql.tables import (
    character_dialogues,
    characters,
    movie_overview_grams,
    movie_sources,
    movie_title_grams,
    movies,
)
from npc_core.errors import DomainValidationError
from npc_core.model import Movie

ChangeHook = Callable[[Sequence[str]], None]
NOTIFY_EVERY: Final = 1_000
_SOURCE_COLUMNS: Final = ("source_key", "kind", "movie_id", "digest")


class Status(StrEnum):
    """What importing a film did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@attrs.frozen
class Written:
    """The outcome of one film; `problem` says why it FAILED."""

    status: Status
    movie_id: str | None = None
    problem: Problem | None = None


def _ignore(_: Sequence[str]) -> None:
    """The default `on_changed`: nothing caches films."""


def _now() -> datetime:
    return datetime.now(UTC)


@attrs.frozen
class _Cast:
    """A film's character rows and line payloads, built for one film id."""

    movie_id: str
    characters: list[Row]
    ids: dict[str, str]
    # Per batch: SQL statements (MySQL) or row tuples (SQLite).
    lines: list[tuple[str, ...] | list[Row]]


@attrs.frozen
class _Fresh:
    """A film as it is created, and the statements that create it (MySQL)."""

    movie: Movie
    statements: tuple[str, ...]


@attrs.frozen
class _Prepared:
    """A film with what could be worked out before its transaction."""

    film: SourceFilm
    kind: Kind
    digest: str = ""
    cast: _Cast | None = None
    fresh: _Fresh | None = None
    failure: Written | None = None


class LibraryWriter:
    """Writes source films into the database `engine` points at (see the module doc)."""

    def __init__(
        self,
        engine: Engine,
        *,
        on_changed: ChangeHook | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._connection = engine.connect()
        self._dialect = engine.dialect.name
        self._on_changed = on_changed or _ignore
        self._clock = clock
        self._pending: list[str] = []
        with self._connection.begin():
            self._directory = Directory(self._connection)
            # Read once: the writer keeps this one connection and never changes sql_mode.
            self._escape = escaper(self._connection.connection.dbapi_connection)
        sql = self._dialect
        self._insert_characters = statements.insert(sql, characters, CHARACTER_COLUMNS)
        self._upsert_characters = statements.upsert(sql, characters, CHARACTER_COLUMNS, ["id"])
        self._insert_lines = statements.insert(sql, character_dialogues, LINE_COLUMNS)
        self._lines_head = self._insert_lines.split(" VALUES ", 1)[0] + " VALUES "
        self._insert_gram = {
            t: statements.insert(sql, t, ("gram", "movie_id"))
            for t in (movie_title_grams, movie_overview_grams)
        }
        self._upsert_source = statements.upsert(
            sql, movie_sources, _SOURCE_COLUMNS, ["source_key", "kind"]
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Report the last changed films and release the connection."""
        try:
            self._notify()
        finally:
            self._connection.close()

    def write(self, film: SourceFilm) -> Written:
        """Import one film in its own transaction."""
        return self._apply(self._prepare(film, eager=False))

    def write_all(self, films: Iterable[SourceFilm]) -> Iterator[tuple[SourceFilm, Written]]:
        """Import films in order, each as `write` does, the next ones prepared meanwhile."""
        for prepared in ahead(films, self._prepare):
            yield prepared.film, self._apply(prepared)

    def _prepare(self, film: SourceFilm, *, eager: bool = True) -> _Prepared:
        """What needs no database: checks, digest, and (eager) the rows of a changed cast.

        Runs in `ahead`'s thread: it only reads the directory, whose answers the
        transaction checks again.
        """
        kind = kind_of(film)
        try:
            check_source(film)
            fingerprint = digest(film)
            cast = fresh = None
            if eager and self._directory.unchanged(film, kind, fingerprint) is None:
                likely = self._directory.likely_id(film, kind)
                if carries_cast(film):
                    cast = self._cast(film, likely)
                if self._dialect != "sqlite" and self._directory.is_new(film):
                    movie = new_movie(film, likely, self._clock())
                    fresh = _Fresh(movie, self._new_movie_sql(movie))
        except FilmRejected as rejected:
            return _Prepared(film, kind, failure=_failed(rejected.location, rejected.message))
        except DomainValidationError as error:
            return _Prepared(film, kind, failure=_failed(film.location, str(error)))
        return _Prepared(film, kind, fingerprint, cast, fresh)

    def _cast(self, film: SourceFilm, movie_id: str) -> _Cast:
        rows, ids = character_rows(film, movie_id)
        lines = [self._line_payload(batch) for batch in line_batches(film, movie_id, ids)]
        return _Cast(movie_id, rows, ids, lines)

    def _apply(self, prepared: _Prepared) -> Written:
        """The film's transaction, unless it failed already or is unchanged."""
        if prepared.failure is not None:
            return prepared.failure
        film, kind, fingerprint = prepared.film, prepared.kind, prepared.digest
        same = self._directory.unchanged(film, kind, fingerprint)
        if same is not None:
            return Written(Status.UNCHANGED, same)
        try:
            with self._connection.begin():
                movie, created = self._write(prepared)
        except FilmRejected as rejected:
            return _failed(rejected.location, rejected.message)
        except DomainValidationError as error:
            return _failed(film.location, str(error))
        except (IntegrityError, DataError) as error:
            # The database refused a row the checks let through: the film is reported,
            # the import goes on. Losing the connection is not the film's fault: raised.
            return _failed(film.location, f"the database refused the film: {error.orig}")
        self._directory.record(movie, film.source_key, kind, fingerprint)
        self._pending.append(movie.id)
        if len(self._pending) >= NOTIFY_EVERY:
            self._notify()
        return Written(Status.CREATED if created else Status.UPDATED, movie.id)

    def _notify(self) -> None:
        if self._pending:
            changed, self._pending = self._pending, []
            self._on_changed(changed)

    def _write(self, prepared: _Prepared) -> tuple[Movie, bool]:
        """The film row, its grams, its cast and its source, in the open transaction."""
        film, kind, ready = prepared.film, prepared.kind, prepared.cast
        target = self._directory.resolve(self._connection, film, kind)
        stored = self._stored(target) if target is not None else None
        fresh = prepared.fresh
        if stored is None and fresh is not None and fresh.movie.id == (target or fresh.movie.id):
            movie = fresh.movie
            self._statements(fresh.statements)
        elif stored is None:
            movie = new_movie(film, target or movie_id_of(film.source_key), self._clock())
            self._insert_movie(movie)
        else:
            owned = self._directory.metadata_owned(stored.id)
            movie = merged_movie(stored, film, metadata_owned=owned)
            self._update_movie(stored, movie)
        if carries_cast(film):
            self._replace_cast(film, movie.id, fresh=stored is None, ready=ready)
        source = (film.source_key, kind.value, movie.id, prepared.digest)
        self._many(self._upsert_source, [source])
        return movie, stored is None

    def _stored(self, movie_id: str) -> Movie | None:
        query = select(movies).where(movies.c.id == movie_id)
        if self._dialect != "sqlite":  # SQLite's BEGIN IMMEDIATE already holds the lock
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        return None if row is None else movie_from(row)

    def _insert_movie(self, movie: Movie) -> None:
        if self._dialect != "sqlite":
            self._statements(self._new_movie_sql(movie))
            return
        titles, overview, overflow = search.index_rows(movie)
        self._connection.execute(
            insert(movies).values(movie_row(movie, overview_overflow=overflow))
        )
        self._insert_grams(titles, overview)

    def _new_movie_sql(self, movie: Movie) -> tuple[str, ...]:
        """MySQL: the film's row and search grams as SQL text (see `literal`)."""
        titles, overview, overflow = search.index_rows(movie)
        row = movie_row(movie, overview_overflow=overflow)
        found = [row_statement(movies.name, row, self._escape)]
        for index, grams in ((movie_title_grams, titles), (movie_overview_grams, overview)):
            head = self._insert_gram[index].split(" VALUES ", 1)[0] + " VALUES "
            rows = [(g["gram"], g["movie_id"]) for g in grams]
            for start in range(0, len(rows), BATCH):
                found += values_statements(head, rows[start : start + BATCH], self._escape)
        return tuple(found)

    def _update_movie(self, stored: Movie, movie: Movie) -> None:
        if movie == stored:
            return
        titles, overview, overflow = search.index_rows(movie)
        row = movie_row(movie, overview_overflow=overflow)
        del row["id"], row["created_at"]
        self._connection.execute(update(movies).where(movies.c.id == movie.id).values(row))
        if search.index_rows(stored)[:2] != (titles, overview):
            for index in (movie_title_grams, movie_overview_grams):
                self._connection.execute(delete(index).where(index.c.movie_id == movie.id))
            self._insert_grams(titles, overview)

    def _insert_grams(
        self, titles: list[dict[str, object]], overview: list[dict[str, object]]
    ) -> None:
        for index, grams in ((movie_title_grams, titles), (movie_overview_grams, overview)):
            self._many(self._insert_gram[index], [(g["gram"], g["movie_id"]) for g in grams])

    def _replace_cast(
        self, film: SourceFilm, movie_id: str, *, fresh: bool, ready: _Cast | None
    ) -> None:
        lines: Iterable[tuple[str, ...] | list[Row]]
        if ready is not None and ready.movie_id == movie_id:
            cast, ids, lines = ready.characters, ready.ids, ready.lines
        else:  # not prepared, or for another film id (a merge): built now, batch by batch
            cast, ids = character_rows(film, movie_id)
            lines = map(self._line_payload, line_batches(film, movie_id, ids))
        if fresh:
            self._many(self._insert_characters, cast)
        else:
            # Lines first: deleting a character would otherwise update its lines.
            self._connection.execute(
                delete(character_dialogues).where(character_dialogues.c.movie_id == movie_id)
            )
            self._many(self._upsert_characters, cast)
            self._delete_characters_except(movie_id, set(ids.values()))
        for payload in lines:
            if isinstance(payload, tuple):
                self._statements(payload)
            else:
                self._connection.exec_driver_sql(self._insert_lines, payload)

    def _delete_characters_except(self, movie_id: str, kept: set[str]) -> None:
        stored = self._connection.execute(
            select(characters.c.id).where(characters.c.movie_id == movie_id)
        ).scalars()
        gone = sorted(set(stored) - kept)
        for start in range(0, len(gone), BATCH):
            chunk = gone[start : start + BATCH]
            self._connection.execute(delete(characters).where(characters.c.id.in_(chunk)))

    def _line_payload(self, batch: list[Row]) -> tuple[str, ...] | list[Row]:
        """A batch of lines as sent: SQL text on MySQL (`literal`), the rows on SQLite."""
        if self._dialect == "sqlite":
            return batch
        return tuple(line_statements(self._lines_head, batch, self._escape))

    def _many(self, sql: str, rows: list[Row]) -> None:
        """Run `sql` for every row: as multi-row INSERTs in SQL text on MySQL (`literal`)."""
        if not rows:
            return
        if self._dialect == "sqlite":
            for start in range(0, len(rows), BATCH):
                self._connection.exec_driver_sql(sql, rows[start : start + BATCH])
            return
        head, marks = sql.split(" VALUES ", 1)
        # Whatever follows the row (ON DUPLICATE KEY UPDATE ...) follows the last one.
        tail = marks[marks.index(")") + 1 :]
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            self._statements(
                s + tail for s in values_statements(f"{head} VALUES ", chunk, self._escape)
            )

    def _statements(self, sql: Iterable[str]) -> None:
        for statement in sql:
            # No parameters: the driver must not read `%` in the text as placeholders.
            self._connection.exec_driver_sql(statement, execution_options={"no_parameters": True})


def _failed(location: str, message: str) -> Written:
    return Written(Status.FAILED, problem=Problem(location, message, Severity.ERROR))
