"""Film library reads go through the cache, are forgotten on change, and survive a broken cache."""

# The fake caches take the port's arguments and ignore them.
# ruff: noqa: ARG002

from __future__ import annotations

import asyncio
import logging
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import ManualClock, MemoryCache
from npc_core.errors import DomainValidationError, NotFound
from npc_core.model import Character, DialogueLine, Movie, PageRequest
from npc_core.services import (
    Deps,
    ListDialogues,
    SearchMovies,
    cached,
    forget_movies,
    get_character,
    get_movie,
    list_dialogues,
    recommended_movies,
    search_movies,
)
from tests.unit.services.test_cached_codec import characters, lines, movies
from tests.unit.services.world import FERRY, LIGHTHOUSE, LIN_ZHOU, OLD_ZHOU, World, make_world


class NoCache:
    """Remembers nothing: every read goes to the database."""

    async def get(self, key: str) -> bytes | None:
        return None

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        return None

    async def delete(self, *keys: str) -> None:
        return None

    async def delete_prefix(self, prefix: str) -> None:
        return None

    async def ping(self) -> None:
        return None


class DownCache(NoCache):
    """A cache server that refuses every connection."""

    def __init__(self) -> None:
        self.calls = 0

    async def get(self, key: str) -> bytes | None:
        self.calls += 1
        raise ConnectionRefusedError(111, "Connection refused")

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self.calls += 1
        raise ConnectionRefusedError(111, "Connection refused")

    async def delete_prefix(self, prefix: str) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    async def ping(self) -> None:
        raise ConnectionRefusedError(111, "Connection refused")


class UnwritableCache(NoCache):
    """Reads answer (nothing cached), writes fail: out of memory, read-only replica."""

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        raise OSError("OOM command not allowed when used memory > 'maxmemory'")


class HangingCache(NoCache):
    """A cache server that accepts the connection and never answers."""

    async def get(self, key: str) -> bytes | None:
        await asyncio.Event().wait()
        return None


async def reads(deps: Deps) -> list[Any]:
    """Every library read the demo library can answer."""
    return [
        await search_movies(deps, SearchMovies("夜航")),
        await search_movies(deps, SearchMovies("the", PageRequest(1, 1))),
        await recommended_movies(deps, PageRequest(1, 10)),
        await get_movie(deps, FERRY),
        await get_movie(deps, LIGHTHOUSE),
        await list_dialogues(deps, ListDialogues(FERRY, page=PageRequest(1, 5))),
        await list_dialogues(deps, ListDialogues(FERRY, LIN_ZHOU, PageRequest(1, 100))),
        await get_character(deps, LIN_ZHOU),
        await get_character(deps, OLD_ZHOU),
    ]


def rename(world: World, movie_id: str, title: str) -> None:
    """Change a film in the store behind the use cases' back, as another process would."""
    world.store.movies[movie_id] = attrs.evolve(world.store.movies[movie_id], title=title)


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees its own first warning, whatever the tests before it logged."""
    monkeypatch.setattr(cached, "_warnings", cached._Warnings(cached.WARN_EVERY_SECONDS))


async def test_reads_are_answered_from_the_cache_until_the_film_is_forgotten() -> None:
    """A changed film shows only after `forget_movies`; until then every read is the cached one."""
    world = await make_world()
    before = await reads(world.deps)
    rename(world, FERRY, "夜航船（修复版）")
    assert await reads(world.deps) == before
    await forget_movies(world.deps.cache, [FERRY])
    after = await reads(world.deps)
    assert after == await reads(attrs.evolve(world.deps, cache=NoCache()))
    assert after[3].movie.title == "夜航船（修复版）"
    assert after[7].movie.title == "夜航船（修复版）"  # the character page carries its film
    assert after[2].items[0].title == "夜航船（修复版）"  # and so does the home page


async def test_forgetting_one_film_keeps_the_other_films_entries() -> None:
    """Another film's detail and lines stay cached; every search, home and character page goes."""
    world = await make_world()
    await reads(world.deps)
    rename(world, LIGHTHOUSE, "灯塔")
    await forget_movies(world.deps.cache, [FERRY])
    assert (await get_movie(world.deps, LIGHTHOUSE)).movie.title == "最后的灯塔"
    assert (await get_character(world.deps, OLD_ZHOU)).movie.title == "灯塔"
    found = await search_movies(world.deps, SearchMovies("the", PageRequest(1, 1)))
    assert found.total == 2


async def test_entries_expire_after_the_library_ttl() -> None:
    """Without a forget, a change shows once the entry's TTL has passed."""
    world = await make_world()
    await get_movie(world.deps, FERRY)
    rename(world, FERRY, "新夜航")
    world.clock.advance(cached.LIBRARY_TTL_SECONDS - 1)
    assert (await get_movie(world.deps, FERRY)).movie.title == "夜航船"
    world.clock.advance(1)
    assert (await get_movie(world.deps, FERRY)).movie.title == "新夜航"


async def test_keywords_that_fold_alike_share_one_entry() -> None:
    """`NIGHT  Ferry` finds what `night ferry` cached: one search, one entry."""
    world = await make_world()
    first = await search_movies(world.deps, SearchMovies("night ferry"))
    rename(world, FERRY, "改名")
    assert await search_movies(world.deps, SearchMovies("NIGHT  Ｆerry")) == first


async def test_errors_are_not_cached() -> None:
    """An unknown film, then imported, is found at once; a refused filter stays refused."""
    world = await make_world()
    with pytest.raises(NotFound):
        await get_movie(world.deps, "later")
    with pytest.raises(NotFound):
        await get_character(world.deps, "later-c")
    async with world.deps.uow() as uow:
        await uow.movies.add(Movie(id="later", title="后来"))
        await uow.characters.add(Character(id="later-c", movie_id="later", name="某人"))
        await uow.commit()
    assert (await get_movie(world.deps, "later")).movie.title == "后来"
    assert (await get_character(world.deps, "later-c")).movie.id == "later"
    for _ in range(2):
        with pytest.raises(DomainValidationError):
            await list_dialogues(world.deps, ListDialogues(FERRY, OLD_ZHOU))


async def test_a_blank_keyword_neither_reads_nor_caches() -> None:
    """A blank search is an empty page without touching the database or the cache."""
    world = await make_world()
    down = DownCache()
    assert (await search_movies(attrs.evolve(world.deps, cache=down), SearchMovies(" "))).total == 0
    assert down.calls == 0


async def test_a_cache_that_is_down_never_fails_a_read(caplog: pytest.LogCaptureFixture) -> None:
    """Every read answers what the database holds; one warning says so, the rest are held back."""
    world = await make_world()
    down = DownCache()
    with caplog.at_level(logging.DEBUG, logger=cached.__name__):
        answered = await reads(attrs.evolve(world.deps, cache=down))
    assert answered == await reads(attrs.evolve(world.deps, cache=NoCache()))
    assert down.calls == 9  # one get per read, and no set after a failed get
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ConnectionRefusedError" in warnings[0].getMessage()
    assert "using the database" in warnings[0].getMessage()


async def test_a_cache_that_refuses_writes_never_fails_a_read() -> None:
    """A failing `set` is logged and the value the database gave is answered."""
    world = await make_world()
    assert await reads(attrs.evolve(world.deps, cache=UnwritableCache())) == await reads(
        attrs.evolve(world.deps, cache=NoCache())
    )


async def test_a_cache_that_hangs_gives_way_to_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cache that never answers costs the timeout, then the database answers."""
    monkeypatch.setattr(cached, "CACHE_TIMEOUT_SECONDS", 0.01)
    world = await make_world()
    async with asyncio.timeout(5):
        detail = await get_movie(attrs.evolve(world.deps, cache=HangingCache()), FERRY)
    assert detail.movie.id == FERRY


async def test_an_entry_that_does_not_decode_is_read_again_and_replaced() -> None:
    """Garbage under a key (an older build's entry) is a miss, overwritten by a good one."""
    world = await make_world()
    key = cached.movie_key(FERRY)
    await world.deps.cache.set(key, b"{not json", 60)
    detail = await get_movie(world.deps, FERRY)
    assert detail == await get_movie(attrs.evolve(world.deps, cache=NoCache()), FERRY)
    assert await world.deps.cache.get(key) != b"{not json"


async def test_a_bulk_forget_drops_the_whole_library_but_no_analysis() -> None:
    """Forgetting many films (an import) clears every library entry in one sweep."""
    cache = MemoryCache(ManualClock())
    keys = ["lib:v1:movie:x:detail", "lib:v1:search:1:20:x", "lib:v1:character:y", "ai:v1:k"]
    for key in keys:
        await cache.set(key, b"1", 60)
    await forget_movies(cache, [f"film-{n}" for n in range(cached.BULK_FORGET)])
    assert [await cache.get(k) for k in keys] == [None, None, None, b"1"]
    await forget_movies(cache, [])  # nothing changed, nothing to do


async def test_forgetting_with_the_cache_down_does_not_raise(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An import must not fail because the cache is down: the failure is only logged."""
    with caplog.at_level(logging.WARNING, logger=cached.__name__):
        await forget_movies(DownCache(), [FERRY])
    assert any("delete_prefix" in r.getMessage() for r in caplog.records)


@st.composite
def films(draw: st.DrawFn) -> tuple[Movie, list[Character], list[DialogueLine]]:
    movie = draw(movies(st.uuids().map(str)))
    cast = draw(
        st.lists(
            characters(movie.id, st.uuids().map(str)),
            min_size=1,
            max_size=3,
            unique_by=lambda c: c.id,
        )
    )
    speakers = st.sampled_from([None, *(c.id for c in cast)])
    said = speakers.flatmap(lambda who: lines(movie.id, who))
    spoken = draw(st.lists(said, max_size=6, unique_by=lambda line: line.id))
    return movie, cast, spoken


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(film=films(), size=st.integers(1, 4))
def test_a_cached_read_equals_an_uncached_one(
    film: tuple[Movie, list[Character], list[DialogueLine]], size: int
) -> None:
    """Over generated films, the miss, the hit and a cache-less read of each route are equal."""
    movie, cast, spoken = film

    async def check() -> None:
        world = await make_world()
        async with world.deps.uow() as uow:
            await uow.movies.add(movie)
            for character in cast:
                await uow.characters.add(character)
            await uow.dialogues.add_many(spoken)
            await uow.commit()
        page = PageRequest(1, size)

        async def every(deps: Deps) -> list[Any]:
            return [
                await search_movies(deps, SearchMovies(movie.title[:100], page)),
                await recommended_movies(deps, page),
                await get_movie(deps, movie.id),
                await list_dialogues(deps, ListDialogues(movie.id, None, page)),
                await list_dialogues(deps, ListDialogues(movie.id, cast[0].id, page)),
                await get_character(deps, cast[-1].id),
            ]

        uncached = await every(attrs.evolve(world.deps, cache=NoCache()))
        assert await every(world.deps) == uncached  # misses, now kept
        assert await every(world.deps) == uncached  # hits

    asyncio.run(check())
