"""`Idempotency-Key` on create routes: replay per user and key, nothing created twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from npc_core.errors import UpstreamFailed
from npc_core.ports import Workflow
from tests.unit.http.harness import (
    Api,
    analysis_body,
    api,
    board_body,
    chat_body,
    expect_error,
    fields,
    monologue_body,
    story_body,
    unique,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPLAYED = "idempotent-replayed"


async def test_the_same_key_replays_the_first_answer_and_creates_nothing_new(
    a: Api,
) -> None:
    """Same user + key: the first answer again (marked replayed), one story, one AI call."""
    alice = await a.fresh()
    calls = len(a.workflows.calls_to(Workflow.STORY_RECONSTRUCT))
    headers = {**alice.headers, "Idempotency-Key": "story-1"}
    first = await a.client.post(
        "/api/story/collaborative-reconstruct", headers=headers, json=story_body()
    )
    again = await a.client.post(
        "/api/story/collaborative-reconstruct", headers=headers, json=story_body()
    )
    assert first.status_code == again.status_code == 200
    assert REPLAYED not in first.headers
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    assert a.rows("stories", alice.id) == 1
    assert len(a.workflows.calls_to(Workflow.STORY_RECONSTRUCT)) == calls + 1
    assert await a.usage_today(alice.headers) == 1


async def test_a_replayed_storyboard_creates_one_work(a: Api) -> None:
    """Retrying collaborative-create with its key leaves exactly one storyboard work."""
    alice = await a.fresh()
    story_id = await a.story(alice.headers)
    headers = {**alice.headers, "Idempotency-Key": "board-1"}
    answers = [
        await a.client.post(
            "/api/storyboard/collaborative-create", headers=headers, json=board_body(story_id)
        )
        for _ in range(3)
    ]
    ids = {r.json()["finalStoryboard"]["id"] for r in answers}
    assert len(ids) == 1
    assert [r.headers.get(REPLAYED) for r in answers] == [None, "true", "true"]
    assert a.rows("storyboards", alice.id) == 1
    assert await a.works_of(alice.id) == 1


async def test_a_replayed_task_backed_request_queues_one_task(a: Api) -> None:
    """A retried monologue request with its key answers the same task; one monologue is made."""
    alice = await a.fresh()
    auth = alice.headers
    board = await a.storyboard(auth)
    headers = {**auth, "Idempotency-Key": "mono-1"}
    first = await a.ok("POST", "/api/monologue/generate", headers, json=monologue_body(board["id"]))
    again = await a.client.post(
        "/api/monologue/generate", headers=headers, json=monologue_body(board["id"])
    )
    assert again.headers[REPLAYED] == "true"
    assert again.json()["taskId"] == first["taskId"]
    assert a.rows("tasks", alice.id) == 1
    assert a.rows("monologues", alice.id) == 1


async def test_a_replayed_comic_creates_one_comic_work(a: Api) -> None:
    """A retried comic request with the same key leaves one comic and one comic work."""
    alice = await a.fresh()
    made = await a.creation(alice.headers)
    works = await a.works_of(alice.id)
    headers = {**alice.headers, "Idempotency-Key": "comic-1"}
    body = {"storyboardId": made.storyboard_id, "audioId": made.audio_id}
    first = await a.ok("POST", "/api/comic/generate", headers, json=body)
    again = await a.client.post("/api/comic/generate", headers=headers, json=body)
    assert again.headers[REPLAYED] == "true"
    assert again.json()["comicId"] == first["comicId"]
    assert a.rows("comics", alice.id) == 2
    assert await a.works_of(alice.id) == works + 1


async def test_another_user_with_the_same_key_is_independent(a: Api) -> None:
    """Bob's request with Alice's key runs for Bob and gets his own story, not Alice's answer."""
    alice = await a.fresh()
    bob = await a.fresh()
    key = {"Idempotency-Key": "shared-key"}
    for_alice = await a.ok(
        "POST",
        "/api/story/collaborative-reconstruct",
        {**alice.headers, **key},
        json=story_body(),
    )
    answer = await a.client.post(
        "/api/story/collaborative-reconstruct",
        headers={**bob.headers, **key},
        json=story_body(),
    )
    assert answer.status_code == 200
    assert REPLAYED not in answer.headers
    assert answer.json()["storyId"] != for_alice["storyId"]
    assert a.rows("stories", alice.id) == a.rows("stories", bob.id) == 1


async def test_the_same_key_on_another_route_is_independent(a: Api) -> None:
    """A key is scoped to its route: the same key on another create route runs that route."""
    auth = await a.fresh_login()
    headers = {**auth, "Idempotency-Key": "k"}
    await a.ok("POST", "/api/story/collaborative-reconstruct", headers, json=story_body())
    answer = await a.client.post(
        "/api/dify/character-analysis", headers=headers, json=analysis_body()
    )
    assert answer.status_code == 200
    assert REPLAYED not in answer.headers
    assert "workflowId" in answer.json()


async def test_a_failed_request_does_not_poison_its_key(a: Api) -> None:
    """A 400 and a 502 with a key are not remembered: the corrected retry runs and is then kept."""
    alice = await a.fresh()
    headers = {**alice.headers, "Idempotency-Key": "retry-me"}
    bad = await a.client.post("/api/story/collaborative-reconstruct", headers=headers, json={})
    expect_error(bad, 400, "validation_error")
    a.workflows.fail(Workflow.STORY_RECONSTRUCT, UpstreamFailed("story_reconstruct", "boom"))
    failed = await a.client.post(
        "/api/story/collaborative-reconstruct", headers=headers, json=story_body()
    )
    expect_error(failed, 502, "upstream_failed")
    assert REPLAYED not in failed.headers
    good = await a.client.post(
        "/api/story/collaborative-reconstruct", headers=headers, json=story_body()
    )
    assert good.status_code == 200
    assert REPLAYED not in good.headers
    replay = await a.client.post(
        "/api/story/collaborative-reconstruct", headers=headers, json=story_body()
    )
    assert replay.headers[REPLAYED] == "true"
    assert replay.json() == good.json()
    assert a.rows("stories", alice.id) == 1


async def test_a_key_still_in_flight_is_409(a: Api) -> None:
    """While the first request with a key runs, a second one with that key is 409 conflict."""
    auth = await a.fresh_login()
    calls = len(a.workflows.calls_to(Workflow.CHARACTER_ANALYSIS))
    a.workflows.delay(Workflow.CHARACTER_ANALYSIS, 0.3)
    headers = {**auth, "Idempotency-Key": "in-flight"}
    # A body nobody sent before, so no cached analysis answers it at once.
    body = analysis_body(userContext={"test": unique("in-flight")})
    async with a.raw() as raw:
        first, second = await asyncio.gather(
            raw.post("/api/dify/character-analysis", headers=headers, json=body),
            raw.post("/api/dify/character-analysis", headers=headers, json=body),
        )
        ordered = sorted([first, second], key=lambda r: r.status_code)
        assert ordered[0].status_code == 200, ordered[0].text
        error = expect_error(ordered[1], 409, "conflict")
        assert error["details"][0]["field"] == "Idempotency-Key"
        assert len(a.workflows.calls_to(Workflow.CHARACTER_ANALYSIS)) == calls + 1
        later = await raw.post("/api/dify/character-analysis", headers=headers, json=body)
        assert later.headers[REPLAYED] == "true"
        assert later.json() == ordered[0].json()


async def test_a_malformed_key_is_400_naming_the_header(a: Api) -> None:
    """A key with spaces or over 255 characters is 400 validation_error naming Idempotency-Key."""
    alice = await a.fresh()
    auth = alice.headers
    for key in ["has spaces", "x" * 256]:
        answer = await a.client.post(
            "/api/story/collaborative-reconstruct",
            headers={**auth, "Idempotency-Key": key},
            json=story_body(),
        )
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == ["Idempotency-Key"]
    assert a.rows("stories", alice.id) == 0


async def test_without_a_key_every_request_creates(a: Api) -> None:
    """Without Idempotency-Key two identical requests make two stories (nothing is deduplicated)."""
    alice = await a.fresh()
    for _ in range(2):
        await a.ok("POST", "/api/story/collaborative-reconstruct", alice.headers, json=story_body())
    assert a.rows("stories", alice.id) == 2


async def test_a_key_is_remembered_for_24_hours(tmp_path: Path) -> None:
    """Within 24 h the key replays; after 24 h the same key runs the request again."""
    async with api(tmp_path, jwt_ttl_seconds=3 * 24 * 3600) as a:
        auth = await a.login()
        headers = {**auth, "Idempotency-Key": "day"}
        await a.ok("POST", "/api/story/collaborative-reconstruct", headers, json=story_body())
        a.clock.advance(23 * 3600)
        replay = await a.client.post(
            "/api/story/collaborative-reconstruct", headers=headers, json=story_body()
        )
        assert replay.headers.get(REPLAYED) == "true"
        a.clock.advance(2 * 3600)
        fresh = await a.client.post(
            "/api/story/collaborative-reconstruct", headers=headers, json=story_body()
        )
        assert fresh.status_code == 200
        assert REPLAYED not in fresh.headers
        assert len(a.store.stories) == 2


async def test_a_retried_chat_turn_is_replayed_not_repeated(a: Api) -> None:
    """A chat turn retried with its key replays the reply; the session keeps one exchange."""
    auth = await a.fresh_login()
    session = unique("chat")
    headers = {**auth, "Idempotency-Key": "turn-1"}
    first = await a.ok("POST", "/api/chat/character", headers, json=chat_body(session))
    again = await a.client.post("/api/chat/character", headers=headers, json=chat_body(session))
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first
    history = await a.ok("GET", f"/api/chat/sessions/{session}", auth)
    assert len(history["messages"]) == 2


async def test_a_retried_streamed_chat_turn_is_saved_once(a: Api) -> None:
    """A streamed chat turn retried with its key does not save the exchange a second time."""
    auth = await a.fresh_login()
    session = unique("chat")
    headers = {**auth, "Idempotency-Key": "streamed-turn-1"}
    for _ in range(2):
        answer = await a.client.post(
            "/api/chat/character", params={"stream": 1}, headers=headers, json=chat_body(session)
        )
        assert answer.status_code in {200, 409}, answer.text
    history = await a.ok("GET", f"/api/chat/sessions/{session}", auth)
    assert len(history["messages"]) == 2
