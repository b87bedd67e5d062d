"""Streamed chat end to end: npc served by uvicorn, a real HTTP client, the Dify server.

The Dify server sends the first text piece and then holds the run open until the
test lets it go, so the test can see what reached the client while the upstream run
had not finished.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.dify import DifyWorkflowRunner
from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from tests.dify_server import DifyControl, dify_server, serving
from tests.dify_server import canned as c
from tests.integration.dify_support import FAST, LIN_ZHOU, npc_settings


@pytest.fixture
def dify() -> Iterator[tuple[str, DifyControl]]:
    with dify_server() as server:
        yield server


@pytest.fixture
def npc_url(tmp_path: Path, dify: tuple[str, DifyControl]) -> Iterator[str]:
    base_url, control = dify
    container = build(npc_settings(tmp_path, base_url, control.keys))
    runner = container.deps.workflows
    assert isinstance(runner, DifyWorkflowRunner)
    runner.options = FAST
    with serving(create_app(container), name="npc", lifespan="on") as url:
        yield url


async def test_the_first_chunk_reaches_the_client_before_the_run_finishes(
    npc_url: str, dify: tuple[str, DifyControl]
) -> None:
    """The client reads the first text while the Dify run is still open; the rest follows.

    Chunks join to the reply, `done` carries it, and the held run then finishes.
    """
    _, control = dify
    release = threading.Event()
    control.script("character_chat", hold=release)
    async with httpx.AsyncClient(base_url=npc_url, timeout=10) as client:
        login = await client.post("/api/auth/login", json={"code": "dev-bob"})
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        texts: list[str] = []
        done: dict[str, object] = {}
        async with client.stream(
            "POST",
            "/api/chat/character",
            params={"stream": 1},
            headers=auth,
            json={"sessionId": "s1", "message": "你好", "characterId": LIN_ZHOU},
        ) as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line.removeprefix("data: "))
                if "text" in event:
                    if not texts:
                        assert control.finished_runs == 0  # the upstream run is still open
                        assert not release.is_set()
                        release.set()
                    texts.append(str(event["text"]))
                else:
                    done = event
        assert texts[0] == c.REPLY[:4]
        assert "".join(texts) == c.REPLY
        assert done["reply"] == c.REPLY
        assert control.finished_runs == 1
