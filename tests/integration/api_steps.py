"""Steps through a deployed npc's HTTP API, shared by the tests that run npc as processes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.integration.dify_support import FERRY, LIN_ZHOU

JSON = dict[str, Any]


def ok(answer: httpx.Response) -> JSON:
    """The body of a 200 answer (anything else fails the test, saying what came)."""
    assert answer.status_code == 200, (answer.request.url, answer.status_code, answer.text)
    body: JSON = answer.json()
    return body


def post(base: str, path: str, auth: dict[str, str], body: JSON) -> JSON:
    """POST `body` to `path` and return the 200 answer's body."""
    return ok(httpx.post(f"{base}{path}", headers=auth, json=body, timeout=60))


def until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll `condition` every 0.1 s; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def storyboard(
    base: str,
    auth: dict[str, str],
    frames: list[JSON],
    *,
    title: str | None = None,
    **story: Any,
) -> str:
    """A story of 林舟 on the ferry (with `story`'s extra fields), then its storyboard's id."""
    made = post(
        base,
        "/api/story/collaborative-reconstruct",
        auth,
        {
            "movieId": FERRY,
            "characterId": LIN_ZHOU,
            "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
            **story,
        },
    )
    board: JSON = {"storyId": made["storyId"], "userFrames": frames}
    if title is not None:
        board["title"] = title
    return str(
        post(base, "/api/storyboard/collaborative-create", auth, board)["finalStoryboard"]["id"]
    )


def monologue(base: str, auth: dict[str, str], board_id: str) -> str:
    """Generate 林舟's monologue over the storyboard, waiting for it; its id."""
    answer = post(
        base,
        "/api/monologue/generate",
        auth,
        {"storyboardId": board_id, "characterId": LIN_ZHOU, "frameContext": []},
    )
    assert answer["status"] == "completed", answer
    return str(answer["monologueId"])
