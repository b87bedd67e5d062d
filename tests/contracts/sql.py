"""Contract of the SQL adapters beyond the ports: locking, migrations, the schema's rules.

Bound by the SQLite and MariaDB tests through `engine` (a fresh engine on empty
tables), `database_url` (the migrated database it runs on) and `scratch_url` (an empty
database of the same kind, for migrating up and down).
"""

from __future__ import annotations

import asyncio
import importlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import delete, insert, inspect, select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql import SqlQuotaLedger, SqlUnitOfWorkFactory, create_engine, migrate, sync_url
from adapters.sql.mappers.library import character_row, line_row, movie_row
from adapters.sql.repositories._line_pages import decoded, line_page
from adapters.sql.repositories.library import number_lines
from adapters.sql.search import OVERVIEW_GRAMS, index_rows
from adapters.sql.tables import (
    DELETE_ORDER,
    character_dialogues,
    characters,
    movie_overview_grams,
    movie_title_grams,
    movies,
    users,
)
from npc_core.errors import Conflict
from npc_core.model import PageRequest, limits
from tests.contracts import builders as b
from tests.contracts.ledger import DAY
from tests.contracts.transactions import VERSIONED, Versioned
from tests.contracts.uow import given, given_movies, given_users


async def empty_tables(engine: AsyncEngine) -> None:
    """Delete every row, children first."""
    async with engine.begin() as connection:
        for table in DELETE_ORDER:
            await connection.execute(delete(table))


class SqlContract:
    """What the SQL adapters promise on every database.

    The binding module provides the fixtures `engine`, `database_url` and `scratch_url`
    (module-level fixtures, which abstract ones declared here would shadow).
    """

    @pytest.fixture
    def uow_factory(self, engine: AsyncEngine) -> SqlUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(engine)

    # Migrations

    def test_the_schema_matches_the_tables(self, database_url: str) -> None:
        """`alembic check`: the migrated database and the Table definitions agree."""
        migrate.check(database_url)
        assert migrate.current(database_url) == migrate.head()

    def test_migrations_go_down_to_nothing_and_up_again(self, scratch_url: str) -> None:
        """`downgrade base` drops every table; `upgrade head` rebuilds a schema with no drift."""
        migrate.upgrade(scratch_url)
        migrate.downgrade(scratch_url, "base")
        assert _tables(scratch_url) <= {"alembic_version"}
        assert migrate.current(scratch_url) is None
        migrate.upgrade(scratch_url)
        assert _tables(scratch_url) >= {t.name for t in DELETE_ORDER}
        migrate.check(scratch_url)

    def test_the_search_migration_rebuilds_the_index_and_numbers_lines(
        self, scratch_url: str
    ) -> None:
        """0003 turns a library of 0002 into today's index and numbered lines, and back."""
        previous = importlib.import_module("adapters.sql.migrations.versions.0003_search_speed")
        films = [
            b.movie("Fight Club", original_title="搏击俱乐部", aliases=("搏击会",), rating=8.8),
            b.movie("海上钢琴师", overview="一个钢琴师的故事。" * 3, rating=None),
            b.movie("长", overview="".join(chr(0x4E00 + i) for i in range(3_000)), rating=9.25),
        ]
        hero, villain = b.character(films[0].id, "英雄"), b.character(films[0].id, "反派")
        speakers = [hero.id, None, villain.id, hero.id, hero.id]
        lines = [
            b.line(films[0].id, order, who)
            for order, who in zip([30, 10, 20, 50, 40], speakers, strict=True)
        ]
        lines.append(b.line(films[1].id, 7))
        migrate.upgrade(scratch_url, "0002")
        engine = create_sync_engine(sync_url(scratch_url))
        try:
            with engine.begin() as connection:
                connection.execute(
                    insert(movies), [movie_row(m, overview_overflow=False) for m in films]
                )
                connection.execute(insert(characters), [character_row(c) for c in (hero, villain)])
                connection.execute(insert(character_dialogues), [line_row(line) for line in lines])
                for row in connection.execute(select(movies)).mappings().all():
                    titles, overview, overflow = previous._previous_index(row)
                    for table, grams in (
                        (movie_title_grams, titles),
                        (movie_overview_grams, overview),
                    ):
                        if grams:
                            connection.execute(
                                insert(table), [{"gram": g, "movie_id": row["id"]} for g in grams]
                            )
                    connection.execute(
                        update(movies)
                        .where(movies.c.id == row["id"])
                        .values(overview_overflow=overflow)
                    )
                before = _index_of(connection)

            migrate.upgrade(scratch_url)
            with engine.connect() as connection:
                expected = {}
                for film in films:
                    titles, overview, overflow = index_rows(film)
                    expected[film.id] = (
                        {r["gram"] for r in titles},
                        {r["gram"] for r in overview},
                        overflow,
                    )
                assert _index_of(connection) == expected
                numbered = connection.execute(
                    select(
                        character_dialogues.c.line_order,
                        character_dialogues.c.film_position,
                        character_dialogues.c.character_position,
                    )
                    .where(character_dialogues.c.movie_id == films[0].id)
                    .order_by(character_dialogues.c.line_order)
                ).all()
                # In film order the speakers are nobody, the villain, then the hero three times.
                assert numbered == [(10, 0, 0), (20, 1, 0), (30, 2, 0), (40, 3, 1), (50, 4, 2)]

            migrate.downgrade(scratch_url, "0002")
            with engine.connect() as connection:
                assert _index_of(connection) == before
        finally:
            engine.dispose()

    # Optimistic locking under real concurrency

    @pytest.mark.parametrize("kind", VERSIONED, ids=lambda k: k.name)
    async def test_of_two_concurrent_writers_exactly_one_wins(
        self, uow_factory: SqlUnitOfWorkFactory, kind: Versioned[Any]
    ) -> None:
        """Two units of work read the same version, then both update: one wins, one conflicts."""
        await given_users(uow_factory, "u1")
        original = kind.make("u1")
        await given(uow_factory, lambda uow: kind.repository(uow).add(original))
        both_read = asyncio.Barrier(2)

        async def write(word: str) -> object:
            async with uow_factory() as uow:
                read = await kind.find(uow, original)
                await both_read.wait()
                saved = await kind.repository(uow).update(kind.change(read, word))
                await uow.commit()
                return saved

        results = await asyncio.gather(write("甲"), write("乙"), return_exceptions=True)
        winners = [r for r in results if not isinstance(r, BaseException)]
        assert len(winners) == 1, results
        assert sum(isinstance(r, Conflict) for r in results) == 1, results
        async with uow_factory() as uow:
            stored = await kind.find(uow, original)
        assert stored is not None
        assert stored == winners[0]
        assert stored.version == 2

    # Times, text and sizes

    async def test_times_come_back_as_the_same_instant_in_utc(
        self, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """Any aware time is stored as UTC to the microsecond and read back aware, in UTC."""
        beijing = timezone(timedelta(hours=8))
        created = datetime(2025, 3, 1, 16, 30, 15, 123456, tzinfo=beijing)
        someone = attrs.evolve(b.user(), created_at=created, updated_at=created)
        await given(uow_factory, lambda uow: uow.users.add(someone))
        async with uow_factory() as uow:
            found = await uow.users.get(someone.id)
        assert found is not None
        assert found.created_at == created
        assert found.created_at.tzinfo is UTC
        assert found.created_at.hour == 8
        assert found.created_at.microsecond == 123456

    async def test_a_naive_time_is_refused(self, uow_factory: SqlUnitOfWorkFactory) -> None:
        """A time without a zone is never guessed at: storing one fails."""
        naive = datetime(2025, 3, 1, 8, 0)  # noqa: DTZ001 - the point of the test
        async with uow_factory() as uow:
            with pytest.raises(StatementError, match="naive datetime"):
                await uow.users.add(attrs.evolve(b.user(), created_at=naive))

    async def test_four_byte_characters_and_long_texts_round_trip(
        self, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """utf8mb4 throughout: emoji and rare CJK survive, in long texts too, and are searchable."""
        await given_users(uow_factory, "u1")
        film = b.movie("𠀀𠀁的故事 🎬", overview="🍿" * 20_000)
        chat = b.chat_session("u1", session_id="会话-" + "😀" * 60)
        message = attrs.evolve(b.chat_message(chat.id, 1), content="😀" * 20_000)

        async def fill(uow: Any) -> None:
            await uow.movies.add(film)
            await uow.chats.add(chat)
            await uow.chats.save(attrs.evolve(chat, message_count=1), [message])

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            assert await uow.movies.get(film.id) == film
            assert await uow.chats.messages(chat.id) == [message]
            assert [m.id for m in (await uow.movies.search("𠀁的", PageRequest())).items] == [
                film.id
            ]
            assert (await uow.movies.search("🎬", PageRequest())).total == 1
            assert (await uow.movies.search("🍿🍿", PageRequest())).total == 1

    async def test_ids_compare_exactly(self, uow_factory: SqlUnitOfWorkFactory) -> None:
        """Ids, openids and share tokens are case-sensitive, as in memory: no collation folds."""
        someone = b.user(openid="oAbC-123")
        comic = b.comic(someone.id, token="TokenTokenTokenTokenToken")

        async def fill(uow: Any) -> None:
            await uow.users.add(someone)
            await uow.comics.add(comic)

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            assert await uow.users.get_by_openid("oabc-123") is None
            assert await uow.users.get(someone.id.upper()) is None
            assert await uow.comics.by_share_token(comic.share_token.lower()) is None
            await uow.users.add(b.user(openid="OABC-123"))
            await uow.comics.add(b.comic(someone.id, token=comic.share_token.upper()))
            await uow.commit()

    # Referential integrity

    async def test_deleting_a_user_deletes_what_they_own(
        self, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """Owned rows cascade with their user; other users' rows stay."""
        await given_users(uow_factory, "u1", "u2")
        chat, other = b.chat_session("u1"), b.work("u2")

        async def fill(uow: Any) -> None:
            await uow.chats.add(chat)
            await uow.chats.save(attrs.evolve(chat, message_count=1), [b.chat_message(chat.id, 1)])
            await uow.works.add(b.work("u1"))
            await uow.tasks.add(b.task("u1"))
            await uow.stories.add(b.story("u1"))
            await uow.works.add(other)

        await given(uow_factory, fill)
        async with engine.begin() as connection:
            await connection.execute(delete(users).where(users.c.id == "u1"))
        async with uow_factory() as uow:
            assert await uow.chats.messages(chat.id) == []
            assert not await uow.chats.exists(chat.id)
            assert (await uow.works.list_for_user("u1", PageRequest())).total == 0
            assert await uow.works.get(other.id, "u2") == other

    async def test_a_film_takes_its_characters_lines_and_index_along(
        self, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """Deleting a film cascades; deleting a character leaves its lines, speakerless."""
        film = b.movie("级联测试")
        hero, extra = b.character(film.id, "主角"), b.character(film.id, "龙套")
        lines = [b.line(film.id, 1, hero.id), b.line(film.id, 2, extra.id)]

        async def fill(uow: Any) -> None:
            await uow.movies.add(film)
            await uow.characters.add(hero)
            await uow.characters.add(extra)
            await uow.dialogues.add_many(lines)

        await given(uow_factory, fill)
        async with engine.begin() as connection:
            await connection.execute(delete(characters).where(characters.c.id == extra.id))
        async with uow_factory() as uow:
            kept = await uow.dialogues.for_movie(film.id, PageRequest())
        assert [line.character_id for line in kept.items] == [hero.id, None]
        async with engine.begin() as connection:
            await connection.execute(delete(movies).where(movies.c.id == film.id))
            for table in (characters, character_dialogues, movie_title_grams, movie_overview_grams):
                assert (await connection.execute(select(table))).first() is None

    async def test_dialogue_pages_are_numbered_ranges_or_counted(
        self, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """Pages of numbered lines, and of lines written around the repository, are right.

        Batches added out of order are renumbered; lines a bulk import wrote are paged
        by counting and skipping until `number_lines` numbers them.
        """
        film = b.movie("分页")
        hero, villain = b.character(film.id, "主角"), b.character(film.id, "反派")
        cast = [hero.id, villain.id, None]
        first = [b.line(film.id, order, cast[order % 3]) for order in range(0, 40, 2)]
        later = [b.line(film.id, order, cast[order % 3]) for order in range(1, 40, 2)]

        async def fill(uow: Any) -> None:
            await uow.movies.add(film)
            await uow.characters.add(hero)
            await uow.characters.add(villain)
            await uow.dialogues.add_many(first)
            await uow.dialogues.add_many(later)

        async def pages() -> list[tuple[int, list[int], list[int], int]]:
            found = []
            async with uow_factory() as uow:
                for number in (1, 2, 3, 7):
                    page = PageRequest(number, 6)
                    everyone = await uow.dialogues.for_movie(film.id, page)
                    heros = await uow.dialogues.for_movie(film.id, page, hero.id)
                    found.append(
                        (
                            everyone.total,
                            [d.order for d in everyone.items],
                            [d.order for d in heros.items],
                            heros.total,
                        )
                    )
            return found

        expected = [
            (40, [0, 1, 2, 3, 4, 5], [0, 3, 6, 9, 12, 15], 14),
            (40, [6, 7, 8, 9, 10, 11], [18, 21, 24, 27, 30, 33], 14),
            (40, [12, 13, 14, 15, 16, 17], [36, 39], 14),
            (40, [36, 37, 38, 39], [], 14),
        ]
        await given(uow_factory, fill)
        assert await pages() == expected
        async with engine.begin() as connection:  # a bulk import replaces the lines
            await connection.execute(
                delete(character_dialogues).where(character_dialogues.c.movie_id == film.id)
            )
            await connection.execute(
                insert(character_dialogues), [line_row(line) for line in first + later]
            )
        assert await pages() == expected
        async with engine.begin() as connection:
            await connection.execute(number_lines([film.id]))
            positions = await connection.execute(
                select(character_dialogues.c.film_position)
                .where(character_dialogues.c.movie_id == film.id)
                .order_by(character_dialogues.c.line_order)
            )
            assert positions.scalars().all() == list(range(40))
        assert await pages() == expected
        async with uow_factory() as uow:
            nothing = await uow.dialogues.for_movie(b.new_id(), PageRequest())
        assert (nothing.items, nothing.total) == ((), 0)

    async def test_a_page_of_lines_comes_back_as_written_whatever_they_hold(
        self, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """Lines the database hands over as one JSON row come back exactly as written.

        Quotes, backslashes, control characters, emoji, CJK, text that looks like JSON,
        NULLs and large numbers survive; a full page of the longest lines, which JSON
        escapes to 1.2 MB (more than MariaDB's default aggregate length of 1 MiB), is
        read whole by the one statement, not cut and not left to the counting fallback.
        """
        film = b.movie("原样")
        hero = b.character(film.id, "主角")
        odd = [
            '他说："别\\走"\n\t\x01\x1f',
            "😀🎬 搏击俱乐部 ＦＵＬＬ",
            '{"not": ["json"]}',
            "null",
        ]
        lines = [
            attrs.evolve(
                b.line(film.id, order, hero.id if order % 2 else None),
                content=text,
                speaker=None if order == 2 else text,
                scene=None,
                start_ms=None if order == 0 else 999_999_000 + order,
                end_ms=None if order == 0 else 1_000_000_000,
            )
            for order, text in enumerate(odd)
        ]
        size = limits.PAGE_SIZE_MAX
        longest = [
            attrs.evolve(b.line(film.id, len(odd) + i), content="\x01" * 1_999 + chr(0x41 + i % 26))
            for i in range(size)
        ]

        async def fill(uow: Any) -> None:
            await uow.movies.add(film)
            await uow.characters.add(hero)
            await uow.dialogues.add_many(lines + longest)

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            first = await uow.dialogues.for_movie(film.id, PageRequest(1, len(odd)))
            heros = await uow.dialogues.for_movie(film.id, PageRequest(1, 10), hero.id)
        assert (first.items, first.total) == (tuple(lines), len(lines) + len(longest))
        assert heros.items == tuple(line for line in lines if line.character_id == hero.id)
        statement = line_page(by_character=False, sqlite=engine.dialect.name == "sqlite")
        start, end = len(odd), len(odd) + size
        async with engine.connect() as connection:
            row = (
                await connection.execute(statement, {"movie": film.id, "start": start, "end": end})
            ).one()
        assert len(row.lines) > 1024 * 1024
        assert decoded(row.lines, row.last_position, film.id, start, end) == longest

    async def test_a_line_of_an_unknown_film_conflicts(
        self, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """A row whose parent does not exist is refused as a `Conflict`."""
        async with uow_factory() as uow:
            with pytest.raises(Conflict):
                await uow.dialogues.add_many([b.line(b.new_id(), 1)])
            with pytest.raises(Conflict):
                await uow.tasks.add(b.task("nobody"))

    # The search index

    async def test_overviews_past_the_index_are_still_searched(
        self, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """A film whose overview outgrows the gram index is flagged and checked directly."""
        tail = "只在结尾出现的词"
        # Distinct characters, two new grams each: the cap is reached half-way.
        many = "".join(chr(0x4E00 + i) for i in range(OVERVIEW_GRAMS))
        long_film = b.movie("长", overview=many + tail)
        short_film = b.movie("短", overview="平常的简介")

        async def fill(uow: Any) -> None:
            await uow.movies.add(long_film)
            await uow.movies.add(short_film)

        await given(uow_factory, fill)
        async with engine.connect() as connection:
            flagged = await connection.execute(
                select(movies.c.title).where(movies.c.overview_overflow.is_(True))
            )
            assert flagged.scalars().all() == ["长"]
            indexed = await connection.execute(
                select(movie_overview_grams.c.gram).where(
                    movie_overview_grams.c.movie_id == long_film.id
                )
            )
            assert OVERVIEW_GRAMS - 1 <= len(indexed.all()) <= OVERVIEW_GRAMS
        async with uow_factory() as uow:
            found = await uow.movies.search("结尾出现", PageRequest())
            assert [m.title for m in found.items] == ["长"]
            assert (await uow.movies.search(many[-1] + "只", PageRequest())).total == 1
            assert (await uow.movies.search(many[:3], PageRequest())).total == 1
            assert (await uow.movies.search("简介", PageRequest())).total == 1

    async def test_a_rejected_film_leaves_no_index_rows(
        self, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """A duplicate film is refused before its grams are written; a rollback drops them all."""
        film = b.movie("独一无二")
        await given(uow_factory, lambda uow: uow.movies.add(film))
        async with uow_factory() as uow:
            with pytest.raises(Conflict):
                await uow.movies.add(attrs.evolve(film, title="完全不同的标题"))
            await uow.movies.add(b.movie("回滚的电影"))
        async with uow_factory() as uow:
            assert (await uow.movies.search("完全不同", PageRequest())).total == 0
            assert (await uow.movies.search("回滚", PageRequest())).total == 0
            assert (await uow.movies.search("独一", PageRequest())).total == 1

    async def test_grams_of_a_film_are_found_with_many_films_around(
        self, uow_factory: SqlUnitOfWorkFactory
    ) -> None:
        """A long keyword intersects its rarest grams; results equal a full scan's."""
        await given_movies(uow_factory, *(b.new_id() for _ in range(60)))
        wanted = b.movie("The Shawshank Redemption", original_title="肖申克的救赎", rating=9.5)
        decoy = b.movie("The Redemption of Shaw", overview="the shawshank redemptio", rating=9.0)

        async def fill(uow: Any) -> None:
            await uow.movies.add(wanted)
            await uow.movies.add(decoy)

        await given(uow_factory, fill)
        async with uow_factory() as uow:
            found = await uow.movies.search("the shawshank redemption", PageRequest())
            everything = await uow.movies.search("电影", PageRequest(1, 100))
        assert [m.title for m in found.items] == ["The Shawshank Redemption"]
        assert everything.total == 60

    # The ledger across processes

    async def test_the_ledger_is_shared_by_every_engine(self, database_url: str) -> None:
        """Reservations through two engines (two processes) never pass the limit together."""
        engines = [create_engine(database_url, pool_size=4) for _ in range(2)]
        try:
            ledgers = [SqlQuotaLedger(engine) for engine in engines]
            results = await asyncio.gather(
                *(ledgers[i % 2].try_reserve("shared", DAY, 7) for i in range(30))
            )
            assert results.count(True) == 7
            assert await ledgers[0].used("shared", DAY) == 7
        finally:
            for engine in engines:
                await engine.dispose()


def _index_of(connection: Any) -> dict[str, tuple[set[int], set[int], bool]]:
    """Each film's title grams, overview grams and overflow flag, as stored."""
    found: dict[str, tuple[set[int], set[int], bool]] = {}
    for film_id, overflow in connection.execute(select(movies.c.id, movies.c.overview_overflow)):
        grams = [
            set(connection.execute(select(t.c.gram).where(t.c.movie_id == film_id)).scalars())
            for t in (movie_title_grams, movie_overview_grams)
        ]
        found[film_id] = (grams[0], grams[1], bool(overflow))
    return found


def _tables(url: str) -> set[str]:
    engine = create_sync_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
