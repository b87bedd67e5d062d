"""Owner-only routes: another user's id answers exactly like an id that does not exist.

One app and one pair of users serve the whole module: Alice makes a full creation chain,
a chat and a discussion; Bob (with a storyboard and a recording of his own) then tries
each owner-only route with Alice's ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import attrs
import httpx
import pytest
import pytest_asyncio

from tests.unit.http.harness import (
    Api,
    Caller,
    api,
    chat_body,
    discussion_body,
    expect_error,
    missing_id,
    monologue_body,
    not_found_signature,
    story_body,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

Ids = dict[str, str]


@attrs.frozen
class World:
    api: Api
    alice: Caller
    bob: Caller
    alice_ids: Ids
    missing_ids: Ids


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """Alice's resources of every kind, and Bob with a storyboard and a recording of his own."""
    path: Path = tmp_path_factory.mktemp("ownership")
    async with api(path, free_daily_quota=1000) as a:
        alice = await a.caller()
        bob = await a.caller("dev-bob")
        made = await a.creation(alice.headers)
        await a.ok("POST", "/api/chat/character", alice.headers, json=chat_body("alice-chat"))
        await a.ok(
            "POST",
            "/api/dify/dialogue-discussion",
            alice.headers,
            json=discussion_body("alice-talk"),
        )
        alice_ids = {
            "story": made.story_id,
            "storyboard": made.storyboard_id,
            "monologue": made.monologue_id,
            "audio": made.audio_id,
            "comic": made.comic["comicId"],
            "work": made.comic["workId"],
            "task": made.comic["taskId"],
            "chat": "alice-chat",
            "talk": "alice-talk",
        }
        bob_board = await a.storyboard(bob.headers)
        bob_monologue = await a.monologue(bob.headers, bob_board["id"])
        bob_audio = await a.audio(bob.headers, bob_monologue["monologueId"])
        bobs = {"bob_storyboard": bob_board["id"], "bob_audio": bob_audio["audioId"]}
        missing = {key: missing_id() for key in alice_ids}
        yield World(a, alice, bob, {**alice_ids, **bobs}, {**missing, **bobs})


Send = Callable[[World, Ids], Awaitable[httpx.Response]]


def _request(
    method: str,
    path: str,
    body: Callable[[Ids], dict[str, object]] | None = None,
    headers: dict[str, str] | None = None,
) -> Send:
    """Bob sends `method path` with the ids filled in (Alice's, or missing ones)."""

    async def send(w: World, ids: Ids) -> httpx.Response:
        return await w.api.client.request(
            method,
            path.format(**ids),
            headers={**w.bob.headers, **(headers or {})},
            json=None if body is None else body(ids),
        )

    return send


def _edit(_ids: Ids) -> dict[str, object]:
    return {"version": 1, "title": "鸠占鹊巢"}


def _comic(board: str, audio: str) -> Callable[[Ids], dict[str, object]]:
    """A comic body taking its storyboard and audio from the named ids."""
    return lambda ids: {"storyboardId": ids[board], "audioId": ids[audio]}


OVERRIDE = {"X-HTTP-Method-Override": "PATCH"}

# name -> (request, whether a missing id gives a 404 on this route too)
CASES: dict[str, tuple[Send, bool]] = {
    "GET storyboard": (_request("GET", "/api/storyboards/{storyboard}"), True),
    "PUT storyboard": (_request("PUT", "/api/storyboards/{storyboard}", _edit), True),
    "PATCH storyboard": (_request("PATCH", "/api/storyboards/{storyboard}", _edit), True),
    "POST override storyboard": (
        _request("POST", "/api/storyboards/{storyboard}", _edit, OVERRIDE),
        True,
    ),
    "GET monologue": (_request("GET", "/api/monologues/{monologue}"), True),
    "GET audio": (_request("GET", "/api/audio/{audio}"), True),
    "GET comic": (_request("GET", "/api/comics/{comic}"), True),
    "GET task status": (_request("GET", "/api/tasks/status/{task}"), True),
    "GET work": (_request("GET", "/api/works/{work}"), True),
    "DELETE work": (_request("DELETE", "/api/works/{work}"), True),
    "GET chat session": (_request("GET", "/api/chat/sessions/{chat}"), True),
    "POST chat in the session": (
        _request("POST", "/api/chat/character", lambda ids: chat_body(ids["chat"])),
        False,
    ),
    "POST discussion in the session": (
        _request("POST", "/api/dify/dialogue-discussion", lambda ids: discussion_body(ids["talk"])),
        False,
    ),
    "story revision": (
        _request(
            "POST",
            "/api/story/collaborative-reconstruct",
            lambda ids: story_body(storyId=ids["story"], version=1),
        ),
        True,
    ),
    "dify story revision": (
        _request(
            "POST",
            "/api/dify/story-reconstruct",
            lambda ids: {
                "movieId": story_body()["movieId"],
                "userStoryNodes": story_body()["userStoryNodes"],
                "storyId": ids["story"],
                "version": 1,
            },
        ),
        True,
    ),
    "storyboard over the story": (
        _request(
            "POST",
            "/api/storyboard/collaborative-create",
            lambda ids: {"storyId": ids["story"], "userFrames": [{"order": 1}]},
        ),
        True,
    ),
    "dify storyboard over the story": (
        _request(
            "POST",
            "/api/dify/storyboard-create",
            lambda ids: {"storyId": ids["story"], "userFrames": [{"order": 1}]},
        ),
        True,
    ),
    "monologue over the storyboard": (
        _request("POST", "/api/monologue/generate", lambda ids: monologue_body(ids["storyboard"])),
        True,
    ),
    "dify monologue over the storyboard": (
        _request(
            "POST", "/api/dify/monologue-generate", lambda ids: monologue_body(ids["storyboard"])
        ),
        True,
    ),
    "voice of the monologue": (
        _request(
            "POST",
            "/api/audio/synthesize",
            lambda ids: {"monologueId": ids["monologue"], "voiceConfig": {}},
        ),
        True,
    ),
    "dify voice of the monologue": (
        _request(
            "POST",
            "/api/dify/voice-synthesis",
            lambda ids: {"monologueId": ids["monologue"], "voiceConfig": {}, "character": {}},
        ),
        True,
    ),
    "comic of the storyboard with own audio": (
        _request("POST", "/api/comic/generate", _comic("storyboard", "bob_audio")),
        True,
    ),
    "comic of own storyboard with the audio": (
        _request("POST", "/api/comic/generate", _comic("bob_storyboard", "audio")),
        True,
    ),
    "dify comic of the storyboard with own audio": (
        _request("POST", "/api/dify/comic-generate", _comic("storyboard", "bob_audio")),
        True,
    ),
    "dify comic of own storyboard with the audio": (
        _request("POST", "/api/dify/comic-generate", _comic("bob_storyboard", "audio")),
        True,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_another_users_resource_looks_exactly_like_a_missing_one(
    world: World, name: str
) -> None:
    """Bob using Alice's id gets the very 404 a missing id gets (status, code, message, details)."""
    send, comparable = CASES[name]
    a = world.api
    used = await a.usage_today(world.bob.headers)
    tasks = len(a.store.tasks)
    foreign = await send(world, world.alice_ids)
    expect_error(foreign, 404, "not_found")
    if comparable:
        reference = await send(world, world.missing_ids)
    else:
        reference = await a.client.get(
            f"/api/chat/sessions/{missing_id()}", headers=world.bob.headers
        )
    expect_error(reference, 404, "not_found")
    assert not_found_signature(foreign) == not_found_signature(reference)
    assert await a.usage_today(world.bob.headers) == used
    assert len(a.store.tasks) == tasks


async def test_alices_resources_are_untouched_and_still_hers(world: World) -> None:
    """After Bob's attempts Alice still reads her storyboard (version 1), work, chat and comic."""
    a, auth, ids = world.api, world.alice.headers, world.alice_ids
    board = await a.ok("GET", f"/api/storyboards/{ids['storyboard']}", auth)
    assert board["storyboard"]["version"] == 1
    assert board["storyboard"]["title"] != "鸠占鹊巢"
    await a.ok("GET", f"/api/works/{ids['work']}", auth)
    await a.ok("GET", f"/api/comics/{ids['comic']}", auth)
    chat = await a.ok("GET", f"/api/chat/sessions/{ids['chat']}", auth)
    assert len(chat["messages"]) == 2


async def test_a_user_lists_only_their_own_works(world: World) -> None:
    """GET /api/works shows each user their own works only."""
    a = world.api
    alice = await a.ok("GET", "/api/works", world.alice.headers)
    bob = await a.ok("GET", "/api/works", world.bob.headers)
    alice_ids = {w["id"] for w in alice["works"]}
    bob_ids = {w["id"] for w in bob["works"]}
    assert world.alice_ids["work"] in alice_ids
    assert alice_ids.isdisjoint(bob_ids)
    assert bob["total"] == len(bob_ids)
