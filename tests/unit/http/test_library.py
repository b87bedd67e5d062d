"""The public film library: search, recommendations, film detail, dialogues, characters.

The library is read-only, so one app serves the whole module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.contracts import builders
from tests.unit.http.harness import (
    FERRY,
    LIGHTHOUSE,
    LIN_ZHOU,
    OLD_ZHOU,
    SU_WAN,
    Api,
    Params,
    api,
    expect_error,
    fields,
    missing_id,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def a(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Api]:
    """One running app with the demo library, shared by the module's read-only tests."""
    async with api(tmp_path_factory.mktemp("library")) as running:
        yield running


async def test_search_finds_the_film_by_title_original_title_or_overview(a: Api) -> None:
    """CJK and Latin keywords match title, original title (ignoring case) and overview."""
    for keyword in ["夜航", "航船", "the night ferry", "NIGHT Ferry", "船工"]:
        answer = await a.client.get("/api/movies/search", params={"keyword": keyword})
        assert answer.status_code == 200, (keyword, answer.text)
        body = answer.json()
        assert body["movies"][0]["id"] == FERRY, keyword
        assert body["total"] >= 1
        assert {"movies", "total", "page", "pageSize", "hasMore"} <= set(body)


async def test_search_answers_movies_with_the_seed_fields(a: Api) -> None:
    """Each movie of a search carries id, title, originalTitle, overview, rating, genres."""
    body = (await a.client.get("/api/movies/search", params={"keyword": "灯塔"})).json()
    assert [m["id"] for m in body["movies"]] == [LIGHTHOUSE]
    movie = body["movies"][0]
    assert {"id", "title", "originalTitle", "overview", "rating", "genres"} <= set(movie)
    assert movie["originalTitle"] == "The Last Lighthouse"


async def test_search_with_no_match_or_an_empty_keyword_is_an_empty_page(a: Api) -> None:
    """A keyword matching nothing (or empty) answers 200 with no movies and hasMore false."""
    for keyword in ["不存在的电影名", ""]:
        body = (await a.client.get("/api/movies/search", params={"keyword": keyword})).json()
        assert (body["movies"], body["total"], body["hasMore"]) == ([], 0, False)


async def test_search_paginates_with_total_and_has_more(a: Api) -> None:
    """`page`/`pageSize` slice ranked results; `total` counts all, `hasMore` says more follow."""
    # "the" is in both original titles.
    first = (
        await a.client.get(
            "/api/movies/search", params={"keyword": "the", "pageSize": 1, "page": 1}
        )
    ).json()
    second = (
        await a.client.get(
            "/api/movies/search", params={"keyword": "the", "pageSize": 1, "page": 2}
        )
    ).json()
    assert (first["total"], first["page"], first["pageSize"], first["hasMore"]) == (
        2,
        1,
        1,
        True,
    )
    assert (second["page"], second["hasMore"]) == (2, False)
    assert len(first["movies"]) == len(second["movies"]) == 1
    assert first["movies"][0]["id"] != second["movies"][0]["id"]


async def test_search_rejects_bad_query_parameters(a: Api) -> None:
    """Over-long keywords and bad pages are 400 validation_error naming the parameter."""
    cases: list[tuple[Params, str]] = [
        ({"keyword": "x" * 101}, "keyword"),
        ({"keyword": "a", "page": 0}, "page"),
        ({"keyword": "a", "page": "abc"}, "page"),
        ({"keyword": "a", "page": 10**7}, "page"),
    ]
    for params, field in cases:
        answer = await a.client.get("/api/movies/search", params=params)
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], params


async def test_page_size_outside_1_to_100_is_refused(a: Api) -> None:
    """`pageSize` must be 1..100 on every list (search, recommended, dialogues): else 400."""
    lists: list[tuple[str, Params]] = [
        ("/api/movies/search", {"keyword": "a"}),
        ("/api/movies/recommended", {}),
        (f"/api/movies/{FERRY}/dialogues", {}),
    ]
    for path, base in lists:
        for page_size in [0, 101, 1000]:
            answer = await a.client.get(path, params={**base, "pageSize": page_size})
            expect_error(answer, 400, "validation_error")
            assert len(fields(answer)) == 1, (path, page_size)
        ok = await a.client.get(path, params={**base, "pageSize": 100})
        assert ok.status_code == 200, (path, ok.text)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/movies/recommended", {"pageSize": 1000}, "pageSize"),
        (f"/api/movies/{FERRY}/dialogues", {"characterId": "x" * 65}, "characterId"),
    ],
    ids=["pageSize", "characterId"],
)
async def test_query_parameter_errors_use_the_wire_name(
    a: Api, path: str, params: Params, field: str
) -> None:
    """The field named in details is the camelCase query parameter the client sent."""
    answer = await a.client.get(path, params=params)
    expect_error(answer, 400, "validation_error")
    assert fields(answer) == [field]


async def test_search_without_keyword_names_the_keyword(a: Api) -> None:
    """`GET /api/movies/search` without `keyword` is a 400 naming `keyword`."""
    answer = await a.client.get("/api/movies/search")
    expect_error(answer, 400, "validation_error")
    assert fields(answer) == ["keyword"]


async def test_search_without_keyword_is_a_validation_error(a: Api) -> None:
    """`GET /api/movies/search` without `keyword` is 400 validation_error (never 500)."""
    expect_error(await a.client.get("/api/movies/search"), 400, "validation_error")


async def test_recommended_ranks_by_rating_and_paginates(a: Api) -> None:
    """Recommendations come best-rated first, with total and hasMore."""
    body = (await a.client.get("/api/movies/recommended")).json()
    ratings = [m["rating"] for m in body["movies"]]
    assert ratings == sorted(ratings, reverse=True)
    assert body["total"] == len(body["movies"]) == 2
    assert body["hasMore"] is False
    page = (await a.client.get("/api/movies/recommended", params={"pageSize": 1})).json()
    assert (len(page["movies"]), page["hasMore"], page["pageSize"]) == (1, True, 1)
    assert page["movies"][0]["id"] == body["movies"][0]["id"]


async def test_movie_detail_lists_its_characters_with_importance_and_line_counts(a: Api) -> None:
    """A film's page carries the movie and its characters with importanceLevel and dialogueCount."""
    answer = await a.client.get(f"/api/movies/{FERRY}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["movie"]["id"] == FERRY
    by_id = {c["id"]: c for c in body["characters"]}
    assert {LIN_ZHOU, SU_WAN} <= set(by_id)
    assert OLD_ZHOU not in by_id
    lin = by_id[LIN_ZHOU]
    assert lin["movieId"] == FERRY
    assert lin["importanceLevel"] >= 1
    assert lin["dialogueCount"] == 5


async def test_dialogues_come_in_film_order_and_filter_by_character(a: Api) -> None:
    """A film's lines are in film order; `characterId` keeps only that character's lines."""
    everything = (await a.client.get(f"/api/movies/{FERRY}/dialogues")).json()
    orders = [d["order"] for d in everything["dialogues"]]
    assert orders == sorted(orders)
    assert everything["total"] == len(orders)
    assert {"id", "dialogueContent", "characterId", "order"} <= set(everything["dialogues"][0])
    su = (
        await a.client.get(f"/api/movies/{FERRY}/dialogues", params={"characterId": SU_WAN})
    ).json()
    assert su["dialogues"]
    assert {d["characterId"] for d in su["dialogues"]} == {SU_WAN}
    assert su["total"] < everything["total"]


async def test_dialogues_paginate(a: Api) -> None:
    """`pageSize=2` answers two lines, the next page continues where the first stopped."""
    path = f"/api/movies/{FERRY}/dialogues"
    first = (await a.client.get(path, params={"pageSize": 2})).json()
    second = (await a.client.get(path, params={"pageSize": 2, "page": 2})).json()
    assert len(first["dialogues"]) == 2
    assert first["hasMore"] is True
    assert first["dialogues"][-1]["order"] < second["dialogues"][0]["order"]


async def test_character_page_has_description_traits_line_count_and_film(a: Api) -> None:
    """A character's page carries the character (description, traits, line count) and its film."""
    answer = await a.client.get(f"/api/characters/{LIN_ZHOU}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["character"]["id"] == LIN_ZHOU
    assert body["character"]["description"]
    assert "personalityTraits" in body["character"]
    assert body["character"]["dialogueCount"] == 5
    assert body["movie"]["id"] == FERRY


async def test_unknown_library_ids_are_404(a: Api) -> None:
    """An unknown film or character id is 404 not_found in the envelope."""
    for path in ["/api/movies/{id}", "/api/movies/{id}/dialogues", "/api/characters/{id}"]:
        answer = await a.client.get(path.format(id=missing_id()))
        expect_error(answer, 404, "not_found")


async def test_a_search_that_stops_counting_says_its_total_is_a_lower_bound(
    tmp_path: Path,
) -> None:
    """`totalExact` is false when the SQL search stopped after the page; the last page is exact.

    On the embedded SQLite build: 60 films share the keyword, the first page of 5 reads
    only what it needs, so `total` is at least one more than the page, and `hasMore` holds.
    """
    async with api(tmp_path, sql=True) as app:
        async with app.container.deps.uow() as uow:
            for i in range(60):
                await uow.movies.add(builders.movie(f"星海{i:02d}", rating=i / 10))
            await uow.commit()
        first = await app.ok(
            "GET", "/api/movies/search", {}, params={"keyword": "星海", "pageSize": 5}
        )
        last = await app.ok(
            "GET", "/api/movies/search", {}, params={"keyword": "星海", "pageSize": 50, "page": 2}
        )
    assert (first["totalExact"], first["hasMore"], len(first["movies"])) == (False, True, 5)
    assert 6 <= first["total"] <= 60
    assert (last["totalExact"], last["total"], len(last["movies"])) == (True, 60, 10)
