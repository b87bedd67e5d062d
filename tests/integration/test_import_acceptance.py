"""Issue 8's acceptance on MariaDB: `npc import` of the real samples in ../shared/data.

One fresh database for the module: Fight Club's screenplay is imported with
`--tmdb-id 550`, then the whole data folder (Cornell, Douban, screenplays, subtitles,
TMDB; MovieLens and READMEs are skipped), then the folder again. Each test reads
what those imports stored, or what they reported.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import Engine, distinct, func, select

from adapters.importers import SourceFilm, iter_films
from adapters.sql import SqlUnitOfWorkFactory, create_engine
from adapters.sql.bulk import create_bulk_engine
from adapters.sql.tables import (
    DELETE_ORDER,
    character_dialogues,
    characters,
    movie_sources,
    movies,
)
from entrypoints.importing import command
from npc_core.model import Movie, PageRequest
from tests.integration.mariadb_support import fresh_database

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"no sample data at {DATA}")

CORNELL = DATA / "cornell"
CORNELL_LINES = CORNELL / "movie_lines.m0-m58.partial.txt"
HIS_GIRL_FRIDAY = DATA / "screenplays" / "His-Girl-Friday.imsdb.txt"
FIGHT_CLUB = DATA / "screenplays" / "Fight-Club.imsdb.txt"
SUBTITLES = DATA / "subtitles" / "coach_carter_2005.zh.srt"
DOUBAN = DATA / "douban" / "douban_top250.csv"
TMDB = DATA / "tmdb" / "tmdb_5000_movies.csv.zip"


@attrs.frozen
class Imported:
    """The database after the imports, and what each import reported."""

    url: str
    engine: Engine
    named: dict[str, Any]  # the screenplay named --tmdb-id 550
    first: dict[str, Any]  # the folder, first time
    second: dict[str, Any]  # the folder, again
    counts_after_first: dict[str, int]

    def file(self, path: Path) -> dict[str, Any]:
        """The first folder import's report on `path`."""
        (found,) = [f for f in self.first["files"] if f["path"] == str(path)]
        return dict(found)

    def movie_of(self, source_key: str) -> str:
        """The id of the film a source went into."""
        with self.engine.connect() as connection:
            return str(
                connection.execute(
                    select(movie_sources.c.movie_id)
                    .distinct()
                    .where(movie_sources.c.source_key == source_key)
                ).scalar_one()
            )


def _import(url: str, *paths: Path, tmdb_id: str | None = None) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    status = command(
        [str(p) for p in paths],
        fmt=None,
        dry_run=False,
        as_json=True,
        tmdb_id=tmdb_id,
        environ={"NPC_DATABASE_URL": url},
        stdout=out,
        stderr=io.StringIO(),
    )
    return status, json.loads(out.getvalue())


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
            for t in DELETE_ORDER
        }


@pytest.fixture(scope="module")
def imported() -> Iterator[Imported]:
    with fresh_database("npc_accept") as url:
        engine = create_bulk_engine(url)
        try:
            status, named = _import(url, FIGHT_CLUB, tmdb_id="550")
            assert status == 0, named
            status, first = _import(url, DATA)
            assert status == 0, [f for f in first["files"] if not f["ok"]]
            after_first = _counts(engine)
            status, second = _import(url, DATA)
            assert status == 0
            yield Imported(url, engine, named, first, second, after_first)
        finally:
            engine.dispose()


def _complete_cornell_lines() -> Counter[str]:
    """Complete, non-empty lines per Cornell film, read straight from the file."""
    per_film: Counter[str] = Counter()
    raw = CORNELL_LINES.read_bytes().decode("iso-8859-1")
    for row in raw.splitlines(keepends=True):
        fields = row.rstrip("\r\n").split(" +++$+++ ")
        if row.endswith("\n") and len(fields) == 5 and fields[4].strip():
            per_film[fields[2]] += 1
    return per_film


def test_the_cornell_corpus_imports_every_film_character_and_complete_line(
    imported: Imported,
) -> None:
    """617 films, 9,035 characters, every complete line of m0-m58; the cut one reported."""
    report = imported.file(CORNELL)
    assert (report["films"], report["failed"], report["characters"]) == (617, 0, 9035)
    complete = _complete_cornell_lines()
    split = [p for p in report["problems"] if "split" in p["message"]]
    with imported.engine.connect() as connection:
        stored: dict[str, int] = dict(
            connection.execute(
                select(movie_sources.c.source_key, func.count(character_dialogues.c.id))
                .join(
                    character_dialogues,
                    character_dialogues.c.movie_id == movie_sources.c.movie_id,
                )
                .where(movie_sources.c.source_key.like("cornell:%"))
                .group_by(movie_sources.c.source_key)
            ).all()
        )
        films = connection.execute(
            select(func.count(distinct(movie_sources.c.movie_id))).where(
                movie_sources.c.source_key.like("cornell:%")
            )
        ).scalar_one()
        cast = connection.execute(
            select(func.count())
            .select_from(characters)
            .where(
                characters.c.movie_id.in_(
                    select(movie_sources.c.movie_id).where(
                        movie_sources.c.source_key.like("cornell:%")
                    )
                )
            )
        ).scalar_one()
    assert (films, cast) == (617, 9035)
    # A line over the length limit is stored split at sentence ends: one more row each.
    assert sum(stored.values()) == sum(complete.values()) + len(split)
    assert {key.removeprefix("cornell:") for key in stored} == set(complete)
    assert len(complete) == 59
    cut = [p for p in report["problems"] if "cut off" in p["message"]]
    assert [p["location"] for p in cut] == [f"{CORNELL_LINES}:28676"]


def test_his_girl_friday_has_its_speakers_and_its_two_leads(imported: Imported) -> None:
    """At least 50 speakers; HILDY and BURNS are the two most important characters."""
    film = imported.movie_of(f"file:{HIS_GIRL_FRIDAY.name}")
    with imported.engine.connect() as connection:
        speakers = connection.execute(
            select(func.count(distinct(character_dialogues.c.speaker))).where(
                character_dialogues.c.movie_id == film
            )
        ).scalar_one()
    assert speakers >= 50

    async def leads() -> list[str]:
        engine = create_engine(imported.url)
        try:
            async with SqlUnitOfWorkFactory(engine)() as uow:
                return [c.name for c in await uow.characters.list_for_movie(film)][:2]
        finally:
            await engine.dispose()

    assert asyncio.run(leads()) == ["HILDY", "BURNS"]


def test_the_chinese_subtitles_import_as_lines_without_speakers(imported: Imported) -> None:
    """1,900 or more lines, none with a speaker or a character."""
    film = imported.movie_of(f"file:{SUBTITLES.name}")
    with imported.engine.connect() as connection:
        lines = connection.execute(
            select(character_dialogues.c.speaker, character_dialogues.c.character_id).where(
                character_dialogues.c.movie_id == film
            )
        ).all()
    assert len(lines) >= 1900
    assert set(lines) == {(None, None)}


async def _search(url: str, keywords: list[str]) -> dict[str, list[Movie]]:
    engine = create_engine(url)
    try:
        found = {}
        async with SqlUnitOfWorkFactory(engine)() as uow:
            for keyword in keywords:
                page = await uow.movies.search(keyword, PageRequest(page_size=100))
                found[keyword] = list(page.items)
        return found
    finally:
        await engine.dispose()


def test_douban_gives_250_films_that_search_finds_by_chinese_title(imported: Imported) -> None:
    """Each of the 250 Douban rows is its own film, found by its Chinese title."""
    rows: list[SourceFilm] = list(iter_films(DOUBAN))
    assert imported.file(DOUBAN)["films"] == 250
    films = {row.title: imported.movie_of(row.source_key) for row in rows}
    assert len(set(films.values())) == 250
    found = asyncio.run(_search(imported.url, list(films)))
    missing = [title for title, film in films.items() if film not in {m.id for m in found[title]}]
    assert missing == []


def test_search_finds_fight_club_by_a_word_and_by_its_alias(imported: Imported) -> None:
    """`搏击` and the alias `斗阵俱乐部` both find 搏击俱乐部."""
    film = imported.movie_of("douban:搏击俱乐部:1999")
    found = asyncio.run(_search(imported.url, ["搏击", "斗阵俱乐部"]))
    for keyword, movies_found in found.items():
        hits = [m for m in movies_found if m.id == film]
        assert hits, keyword
        assert hits[0].title == "搏击俱乐部" or "搏击俱乐部" in hits[0].aliases


def test_the_named_screenplay_and_tmdb_are_one_film(imported: Imported) -> None:
    """Fight Club named `--tmdb-id 550`, then TMDB: the screenplay's cast, TMDB's data."""
    (screenplay,) = iter_films(FIGHT_CLUB, tmdb_id="550")
    (tmdb,) = [f for f in iter_films(TMDB) if f.tmdb_id == "550"]
    film = imported.movie_of("tmdb:550")
    with imported.engine.connect() as connection:
        row = connection.execute(select(movies).where(movies.c.id == film)).mappings().one()
        cast = set(
            connection.execute(select(characters.c.name).where(characters.c.movie_id == film))
            .scalars()
            .all()
        )
        with_id = connection.execute(
            select(func.count()).select_from(movies).where(movies.c.tmdb_id == "550")
        ).scalar_one()
    assert with_id == 1
    assert cast == {c.name for c in screenplay.characters}
    assert (row["title"], row["tmdb_id"]) == ("Fight Club", "550")
    assert row["overview"] == tmdb.overview
    assert row["rating"] == tmdb.rating == 8.3
    assert row["release_date"] == tmdb.release_date
    assert str(row["release_date"]) == "1999-10-15"


def test_importing_the_same_folder_again_changes_no_row_count(imported: Imported) -> None:
    """Every table keeps its row count; every film is reported unchanged."""
    assert _counts(imported.engine) == imported.counts_after_first
    files = [f for f in imported.second["files"] if f["status"] == "imported"]
    assert sum(f["created"] + f["updated"] + f["failed"] for f in files) == 0
    assert sum(f["unchanged"] for f in files) == sum(f["films"] for f in files) > 5000
    assert imported.counts_after_first["character_dialogues"] > 30_000
