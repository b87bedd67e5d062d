"""What `LibraryWriter` promises on every database.

Bound by the SQLite unit tests and the MariaDB integration tests through the fixtures
`engine` (a sync bulk engine on empty library tables) and `url` (its database's URL,
for reading back through the app's own async repositories).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import attrs
from sqlalchemy import Engine, select

from adapters.importers.records import Problem, Severity, SourceFilm
from adapters.sql import SqlUnitOfWorkFactory, create_engine
from adapters.sql.bulk import NAMESPACE, LibraryWriter, Status
from adapters.sql.bulk.ids import line_ids
from adapters.sql.bulk.merge import new_movie
from adapters.sql.mappers.library import movie_from
from adapters.sql.repositories.library import number_lines
from adapters.sql.tables import character_dialogues, characters, movies
from npc_core.model import Movie, PageRequest
from tests.unit.importing.films import (
    LIBRARY_TABLES,
    cast_film,
    counts,
    douban_film,
    tmdb_film,
    with_lines,
)


def _write(engine: Engine, *films: SourceFilm) -> list[Status]:
    with LibraryWriter(engine) as writer:
        return [writer.write(f).status for f in films]


def _names(engine: Engine, movie_id: str) -> dict[str, str]:
    """Character name -> id of a film."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(characters.c.name, characters.c.id).where(characters.c.movie_id == movie_id)
        )
        return {str(name): str(character_id) for name, character_id in rows}


def _movies(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(movies)).mappings()]


async def search(url: str, keyword: str) -> list[Movie]:
    """What the app's movie repository finds for `keyword`."""
    engine = create_engine(url)
    try:
        async with SqlUnitOfWorkFactory(engine)() as uow:
            return list((await uow.movies.search(keyword, PageRequest(page_size=50))).items)
    finally:
        await engine.dispose()


class WriterContract:
    """The writer's promises; the binding module provides `engine` and `url`."""

    def test_a_new_film_gets_ids_derived_from_its_source(self, engine: Engine) -> None:
        """Film and character ids are UUID5s of the source's keys, line ids follow the film's.

        So they are the same on every run.
        """
        film = cast_film("cornell:m0", lines=4)
        with LibraryWriter(engine) as writer:
            written = writer.write(film)
        film_id = str(uuid.uuid5(NAMESPACE, "cornell:m0"))
        assert written.status is Status.CREATED
        assert written.movie_id == film_id
        assert _names(engine, film_id)["TYLER"] == str(
            uuid.uuid5(NAMESPACE, f"{film_id}/character/TYLER")
        )
        with engine.connect() as connection:
            lines = connection.execute(
                select(character_dialogues.c.id, character_dialogues.c.content)
                .where(character_dialogues.c.movie_id == film_id)
                .order_by(character_dialogues.c.line_order)
            ).all()
        assert [content for _, content in lines] == [x.content for x in film.lines]
        assert lines[2][0] == line_ids(film_id)(2)

    def test_a_new_film_row_reads_back_as_the_film_it_was_made_from(self, engine: Engine) -> None:
        """Every column of a created film (dates, floats, JSON, UTC time) round-trips.

        Whichever way the row was written (prepared ahead or not, SQL text on MySQL).
        """
        now = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
        films = [
            attrs.evolve(
                tmdb_film(),
                aliases=("搏击俱乐部", "It's \\ a club"),
                poster_url="https://img/550.jpg",
                director="David Fincher",
                genres=("Drama", "剧情"),
            ),
            attrs.evolve(
                douban_film("霸王别姬", year=1993, aliases=("Farewell My Concubine",)),
                rating=None,
                release_date=date(1993, 1, 1),
            ),
        ]
        with LibraryWriter(engine, clock=lambda: now) as writer:
            first = writer.write(films[0])
            ((_, second),) = writer.write_all(films[1:])
        with engine.connect() as connection:
            rows = connection.execute(select(movies)).mappings().all()
        stored = {row["id"]: movie_from(row) for row in rows}
        for film, written in zip(films, (first, second), strict=True):
            assert written.movie_id is not None
            assert stored[written.movie_id] == new_movie(film, written.movie_id, now)

    def test_lines_carry_the_positions_the_repository_pages_by(self, engine: Engine) -> None:
        """Positions among the film's and the speaker's lines, as `number_lines` sets them.

        Also when a reader gave the lines out of order, and for lines with no speaker.
        """
        film = cast_film(lines=40)
        shuffled = [
            attrs.evolve(x, character_key=None, speaker=None) if x.order % 7 == 0 else x
            for x in reversed(film.lines)
        ]
        film = attrs.evolve(film, lines=tuple(shuffled))
        with LibraryWriter(engine) as writer:
            written = writer.write(film)
        query = (
            select(
                character_dialogues.c.line_order,
                character_dialogues.c.film_position,
                character_dialogues.c.character_position,
            )
            .where(character_dialogues.c.movie_id == written.movie_id)
            .order_by(character_dialogues.c.line_order)
        )
        with engine.connect() as connection:
            imported = connection.execute(query).all()
        with engine.begin() as connection:
            connection.execute(number_lines([str(written.movie_id)]))
        with engine.connect() as connection:
            renumbered = connection.execute(query).all()
        assert imported == renumbered
        assert [position for _, position, _ in imported] == list(range(40))

    def test_importing_the_same_films_again_changes_nothing(self, engine: Engine) -> None:
        """A second import of unchanged films skips each one: every table keeps its rows."""
        films = [cast_film(f"test:{i}", f"Film {i}", lines=30, year=2000 + i) for i in range(3)]
        films.append(tmdb_film())
        assert _write(engine, *films) == [Status.CREATED] * 4
        before = counts(engine)
        changed: list[str] = []
        with LibraryWriter(engine, on_changed=changed.extend) as writer:
            again = [writer.write(f).status for f in films]
        assert again == [Status.UNCHANGED] * 4
        assert counts(engine) == before
        assert changed == []
        assert before["character_dialogues"] == 90

    def test_a_changed_film_replaces_its_cast_keeping_ids_of_who_stays(
        self, engine: Engine
    ) -> None:
        """A changed film's cast is replaced, keeping the ids of characters still in it.

        Users' data points at character ids; characters gone from the source are
        deleted, and the lines are the new ones.
        """
        first = cast_film(names=("JACK", "TYLER", "MARLA"), lines=9)
        second = cast_film(names=("JACK", "TYLER", "BOB"), lines=5)
        _write(engine, first)
        film_id = str(uuid.uuid5(NAMESPACE, first.source_key))
        jack = _names(engine, film_id)["JACK"]
        assert _write(engine, second) == [Status.UPDATED]
        names = _names(engine, film_id)
        assert set(names) == {"JACK", "TYLER", "BOB"}
        assert names["JACK"] == jack
        assert counts(engine)["character_dialogues"] == 5
        assert counts(engine)["movies"] == 1

    def test_a_bad_film_rolls_back_alone_and_says_where(self, engine: Engine) -> None:
        """A bad film rolls back alone, and its problem names file:line.

        The bad line comes after two batches of its lines were sent: nothing of the
        film stays, and the films around it are stored.
        """
        bad = with_lines(cast_film("test:bad", "Bad", lines=2500), content="x" * 2001)
        good = [cast_film("test:a", "A"), cast_film("test:b", "B")]
        with LibraryWriter(engine) as writer:
            results = [writer.write(f) for f in (good[0], bad, good[1])]
        assert [r.status for r in results] == [Status.CREATED, Status.FAILED, Status.CREATED]
        problem = results[1].problem
        assert problem is not None
        assert problem.location == "films.jsonl:2509"
        assert "content" in problem.message
        assert "2000" in problem.message
        assert problem.severity is Severity.ERROR
        bad_id = str(uuid.uuid5(NAMESPACE, "test:bad"))
        with engine.connect() as connection:
            for table in LIBRARY_TABLES:
                column = table.c.id if table is movies else table.c.movie_id
                left = connection.execute(select(column).where(column == bad_id)).all()
                assert left == [], table.name
        assert counts(engine)["movies"] == 2

    def test_a_line_naming_an_unknown_character_fails_its_film(self, engine: Engine) -> None:
        """A line may only name a character of its own film."""
        film = with_lines(cast_film(), character_key="NOBODY")
        with LibraryWriter(engine) as writer:
            written = writer.write(film)
        assert written.status is Status.FAILED
        assert written.problem is not None
        assert "NOBODY" in written.problem.message
        assert counts(engine)["movies"] == 0

    def test_a_film_with_a_reader_error_is_not_written(self, engine: Engine) -> None:
        """An error the reader attached to the film fails it with the reader's location."""
        error = Problem("films.jsonl:7", "invalid JSON", Severity.ERROR)
        film = attrs.evolve(cast_film(), problems=(error,))
        with LibraryWriter(engine) as writer:
            written = writer.write(film)
        assert written.status is Status.FAILED
        assert written.problem == error
        assert counts(engine)["movies"] == 0

    def test_screenplay_named_by_tmdb_id_then_tmdb_is_one_film(self, engine: Engine) -> None:
        """`--tmdb-id 550` then the TMDB row: the screenplay's cast, TMDB's metadata."""
        screenplay = cast_film("tmdb:550", "Fight-Club", tmdb_id="550", lines=12)
        assert _write(engine, screenplay, tmdb_film()) == [Status.CREATED, Status.UPDATED]
        (film,) = _movies(engine)
        assert film["title"] == "Fight Club"
        assert film["overview"].startswith("A ticking-time-bomb")
        assert film["rating"] == 8.3
        assert film["release_date"] == date(1999, 10, 15)
        assert film["release_year"] == 1999
        assert set(_names(engine, str(film["id"]))) == {"JACK", "TYLER", "MARLA"}
        assert counts(engine)["character_dialogues"] == 12

    def test_tmdb_then_screenplay_is_the_same_one_film(self, engine: Engine) -> None:
        """The other order gives the same film: a cast source fills only what is empty."""
        screenplay = cast_film("tmdb:550", "Fight-Club", tmdb_id="550", overview="Draft notes.")
        assert _write(engine, tmdb_film(), screenplay) == [Status.CREATED, Status.UPDATED]
        (film,) = _movies(engine)
        assert film["title"] == "Fight Club"
        assert film["overview"].startswith("A ticking-time-bomb")
        assert set(_names(engine, str(film["id"]))) == {"JACK", "TYLER", "MARLA"}

    async def test_douban_merges_into_the_english_film_and_search_finds_its_names(
        self, engine: Engine, url: str
    ) -> None:
        """Douban's row joins TMDB's film by title plus year, and search finds its names.

        Its Chinese title and aliases become aliases; its metadata (rating) wins.
        """
        assert _write(engine, tmdb_film(), douban_film()) == [Status.CREATED, Status.UPDATED]
        (film,) = _movies(engine)
        assert film["title"] == "Fight Club"
        assert {"搏击俱乐部", "斗阵俱乐部"} <= set(film["aliases"])
        assert film["rating"] == 9.0
        assert film["release_date"] == date(1999, 10, 15)  # kept: Douban gives none
        for keyword in ("搏击", "斗阵俱乐部", "fight club"):
            assert [m.title for m in await search(url, keyword)] == ["Fight Club"], keyword

    async def test_douban_alone_creates_a_film_named_in_chinese(
        self, engine: Engine, url: str
    ) -> None:
        """With nothing to merge into, a Douban row is a new film with its Chinese title."""
        assert _write(engine, douban_film()) == [Status.CREATED]
        found = await search(url, "搏击")
        assert [m.title for m in found] == ["搏击俱乐部"]
        assert [m.title for m in await search(url, "斗阵俱乐部")] == ["搏击俱乐部"]

    def test_a_corpus_film_and_tmdb_meet_by_title_and_year(self, engine: Engine) -> None:
        """A corpus film and TMDB's row match by folded title and year.

        TMDB, the first metadata source to reach the film, names it.
        """
        corpus = cast_film("cornell:m348", "fight club", year=1999)
        assert _write(engine, corpus, tmdb_film()) == [Status.CREATED, Status.UPDATED]
        (film,) = _movies(engine)
        assert film["title"] == "Fight Club"
        assert film["aliases"] == []
        assert film["tmdb_id"] == "550"

    def test_films_of_one_catalogue_never_merge(self, engine: Engine) -> None:
        """Two TMDB rows with the same title and year are two films.

        A catalogue lists a film once; the same title in another year is another film.
        """
        films = [
            tmdb_film("1", "Hamlet", year=1990),
            tmdb_film("2", "Hamlet", year=1990),
            tmdb_film("3", "Hamlet", year=1996),
        ]
        assert _write(engine, *films) == [Status.CREATED] * 3
        assert counts(engine)["movies"] == 3

    def test_changed_metadata_updates_the_film_in_place(self, engine: Engine) -> None:
        """A re-imported TMDB row with a new rating updates the film; no row is added."""
        _write(engine, tmdb_film())
        before = counts(engine)
        changed: list[str] = []
        with LibraryWriter(engine, on_changed=changed.extend) as writer:
            written = writer.write(tmdb_film(rating=8.8, overview="A new overview."))
        assert written.status is Status.UPDATED
        assert changed == [written.movie_id]
        (film,) = _movies(engine)
        assert film["rating"] == 8.8
        assert film["overview"] == "A new overview."
        assert counts(engine)["movies"] == before["movies"]

    def test_on_changed_hears_of_every_written_film(self, engine: Engine) -> None:
        """The cache hook gets the ids of created and updated films, not of failed ones."""
        changed: list[str] = []
        films = [cast_film("test:1"), with_lines(cast_film("test:2"), content=""), tmdb_film()]
        with LibraryWriter(engine, on_changed=changed.extend) as writer:
            written = [writer.write(f) for f in films]
        assert changed == [written[0].movie_id, written[2].movie_id]

    def test_tricky_text_is_stored_exactly(self, engine: Engine) -> None:
        """Tricky text in lines, speakers, scenes and titles comes back exactly.

        Quotes, backslashes, percent signs, NUL and other control characters, astral
        characters: what MySQL's literal INSERTs must escape.
        """
        tricky = "It's \\ 100% \"done\"; -- ' OR 1=1 \x00\t\n\r\x1a 🎬 搏击\\'"
        film = attrs.evolve(
            with_lines(cast_film(), content=tricky, speaker="O'BRIEN\\", scene="INT. 'BAR' %s"),
            title="Fight 'Club' %s \\",
        )
        assert _write(engine, film) == [Status.CREATED]
        with engine.connect() as connection:
            stored = connection.execute(
                select(
                    character_dialogues.c.content,
                    character_dialogues.c.speaker,
                    character_dialogues.c.scene,
                ).where(character_dialogues.c.line_order == film.lines[-1].order)
            ).one()
        assert tuple(stored) == (tricky, "O'BRIEN\\", "INT. 'BAR' %s")
        assert _movies(engine)[0]["title"] == "Fight 'Club' %s \\"

    def test_write_all_prepares_ahead_with_the_outcomes_of_write(self, engine: Engine) -> None:
        """The pipelined path: same outcomes as film by film, in order.

        A corpus film merging into TMDB's was prepared for its own id and is rebuilt
        for the film it joins; a bad film fails alone; a source met twice in one run is
        unchanged the second time, though it was prepared before the first committed.
        """
        bad = with_lines(cast_film("test:bad", "Bad", lines=1500), content="")
        good = cast_film("test:good", "Good", lines=1200)
        corpus = cast_film("cornell:m348", "fight club", year=1999)
        films = [tmdb_film(), corpus, bad, good, good]
        with LibraryWriter(engine) as writer:
            results = list(writer.write_all(films))
        assert [film for film, _ in results] == films
        assert [w.status for _, w in results] == [
            Status.CREATED,
            Status.UPDATED,
            Status.FAILED,
            Status.CREATED,
            Status.UNCHANGED,
        ]
        problem = results[2][1].problem
        assert problem is not None
        assert problem.location == "films.jsonl:1509"
        tmdb_id = str(uuid.uuid5(NAMESPACE, "tmdb:550"))
        assert results[1][1].movie_id == tmdb_id
        assert _names(engine, tmdb_id)["TYLER"] == str(
            uuid.uuid5(NAMESPACE, f"{tmdb_id}/character/TYLER")
        )
        with engine.connect() as connection:
            line_ids_stored = connection.execute(
                select(character_dialogues.c.id)
                .where(character_dialogues.c.movie_id == tmdb_id)
                .order_by(character_dialogues.c.line_order)
            ).scalars()
            assert list(line_ids_stored) == [line_ids(tmdb_id)(i) for i in range(6)]
        assert counts(engine)["movies"] == 2
        assert counts(engine)["character_dialogues"] == 1206
