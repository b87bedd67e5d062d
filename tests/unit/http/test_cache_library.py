"""Over HTTP: cached answers are byte-for-byte the uncached ones; a broken cache is survivable."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npc_core.model import Character, DialogueLine, Movie, PageRequest
from npc_core.ports import Cache, Workflow
from npc_core.services import cached, forget_movies
from tests.unit.http.harness import FERRY, LIN_ZHOU, Api, analysis_body, api
from tests.unit.services.test_cached_codec import characters, lines, movies

pytestmark = pytest.mark.asyncio(loop_scope="module")

Film = tuple[Movie, list[Character], list[DialogueLine]]


@st.composite
def films(draw: st.DrawFn) -> Film:
    """A film's fields, its cast and its lines (ids are replaced by fresh ones when stored)."""
    movie = draw(movies(st.just("m")))
    cast = draw(st.lists(characters("m", st.text(min_size=1)), min_size=1, max_size=3))
    speakers = st.sampled_from([None, *(str(n) for n in range(len(cast)))])
    said = speakers.flatmap(lambda who: lines("m", who))
    return movie, cast, draw(st.lists(said, max_size=5))


async def store(a: Api, film: Film) -> tuple[Movie, list[Character]]:
    """Import the film under fresh ids with a title only it holds, as an importer would."""
    drawn, drawn_cast, drawn_lines = film
    movie_id = str(uuid.uuid4())
    movie = attrs.evolve(drawn, id=movie_id, title=f"{drawn.title} 片{uuid.uuid4().hex[:12]}")
    cast = [attrs.evolve(c, id=str(uuid.uuid4()), movie_id=movie_id) for c in drawn_cast]
    spoken = [
        attrs.evolve(
            line,
            id=str(uuid.uuid4()),
            movie_id=movie_id,
            character_id=None if line.character_id is None else cast[int(line.character_id)].id,
        )
        for line in drawn_lines
    ]
    async with a.container.deps.uow() as uow:
        await uow.movies.add(movie)
        for character in cast:
            await uow.characters.add(character)
        await uow.dialogues.add_many(spoken)
        await uow.commit()
    await forget_movies(a.container.deps.cache, [movie_id])
    return movie, cast


def routes(movie: Movie, cast: list[Character], size: int) -> list[tuple[str, str]]:
    """Each library route for the film, with the cache key its answer is kept under."""
    page = PageRequest(1, size)
    keyword = movie.title.rsplit(" ", 1)[1]
    q = f"page=1&pageSize={size}"
    first, last = cast[0].id, cast[-1].id
    return [
        (f"/api/movies/search?keyword={quote(keyword)}&{q}", cached.search_key(keyword, page)),
        (f"/api/movies/recommended?{q}", cached.recommended_key(page)),
        (f"/api/movies/{movie.id}", cached.movie_key(movie.id)),
        (f"/api/movies/{movie.id}/dialogues?{q}", cached.dialogues_key(movie.id, None, page)),
        (
            f"/api/movies/{movie.id}/dialogues?{q}&characterId={first}",
            cached.dialogues_key(movie.id, first, page),
        ),
        (f"/api/characters/{last}", cached.character_key(last)),
    ]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(film=films(), size=st.integers(1, 4))
async def test_a_cached_answer_is_the_uncached_answer(a: Api, film: Film, size: int) -> None:
    """Over generated films, every library route answers the same bytes on a miss and a hit."""
    movie, cast = await store(a, film)
    cache = a.container.deps.cache
    for path, key in routes(movie, cast, size):
        assert await cache.get(key) is None, path
        miss = await a.client.get(path)
        assert miss.status_code == 200, (path, miss.text)
        assert await cache.get(key) is not None, path
        hit = await a.client.get(path)
        assert hit.content == miss.content, path
    found = (await a.client.get(routes(movie, cast, size)[0][0])).json()
    assert [m["id"] for m in found["movies"]] == [movie.id]


class Down:
    """Cache calls that fail as a stopped Redis does."""

    async def fail(self, *_: Any) -> Any:
        raise ConnectionRefusedError(111, "Connection refused")


def break_cache(cache: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every call to the running app's cache fail until the test ends."""
    for name in ("get", "set", "delete", "delete_prefix", "ping"):
        monkeypatch.setattr(cache, name, Down().fail)


async def test_library_routes_keep_answering_with_the_cache_down(
    a: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cache refusing connections every library route is 200 with the same body."""
    film: Film = (
        Movie("m", "雾港"),
        [Character("c", "m", "阿雾")],
        [DialogueLine("l", "m", 1, "起雾了")],
    )
    paths = [path for path, _ in routes(*await store(a, film), 2)]
    paths += [f"/api/movies/{FERRY}/dialogues", f"/api/characters/{LIN_ZHOU}"]
    before = [(await a.client.get(p)).content for p in paths]
    break_cache(a.container.deps.cache, monkeypatch)
    after = [await a.client.get(p) for p in paths]
    assert [r.status_code for r in after] == [200] * len(paths)
    assert [r.content for r in after] == before


async def test_ready_is_200_degraded_when_only_the_cache_fails(
    a: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing cache ping keeps `/ready` 200 (the API serves) but says `degraded` and why."""
    healthy = (await a.client.get("/ready")).json()
    assert healthy["status"] == "ready"
    assert healthy["checks"]["cache"] == "ok"
    break_cache(a.container.deps.cache, monkeypatch)
    answer = await a.client.get("/ready")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"] == "error: ConnectionRefusedError"
    assert body["checks"]["storage"] == "ok"


async def test_a_repeated_analysis_is_answered_from_the_cache(tmp_path: Path) -> None:
    """The same analysis request answers the same body, asks Dify once, uses one action."""
    async with api(tmp_path) as a:
        alice, bob = await a.login("dev-alice"), await a.login("dev-bob")
        first = await a.ok("POST", "/api/dify/character-analysis", alice, json=analysis_body())
        again = await a.ok("POST", "/api/dify/character-analysis", alice, json=analysis_body())
        shared = await a.ok("POST", "/api/dify/character-analysis", bob, json=analysis_body())
        assert again == first == shared
        assert len(a.workflows.calls_to(Workflow.CHARACTER_ANALYSIS)) == 1
        assert await a.usage_today(alice) == 1
        assert await a.usage_today(bob) == 0
        own = analysis_body(userContext={"mood": "好奇"})
        await a.ok("POST", "/api/dify/character-analysis", bob, json=own)
        await a.ok("POST", "/api/dify/character-analysis", alice, json=own)
        assert len(a.workflows.calls_to(Workflow.CHARACTER_ANALYSIS)) == 3
