"""npc wired by the composition root to the Dify-compatible test server, and flow helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
from litestar.testing import AsyncTestClient

from adapters.dify import DifyOptions, DifyWorkflowRunner, RetryPolicy
from entrypoints.bootstrap import Container, build
from entrypoints.http.app import create_app
from entrypoints.settings import Secret, Settings
from tests.dify_server import DifyControl

SECRET = "test-secret-test-secret-test-secret-0123"
FERRY = "00000000-0000-4000-8000-00000000f001"
LIN_ZHOU = "00000000-0000-4000-8000-00000000c001"
# Short deadlines and waits, so every fault ends within a second or two.
FAST = DifyOptions(
    retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=2.0),
    short_deadline=2.0,
    chat_deadline=2.0,
    long_deadline=3.0,
    poll_interval=0.02,
)


@attrs.define
class Npc:
    """An npc app over the test server: client, container, the server's control."""

    client: AsyncTestClient[Any]
    container: Container
    dify: DifyControl
    runner: DifyWorkflowRunner

    async def login(self, code: str = "dev-alice") -> dict[str, str]:
        """Log in and return the Authorization header."""
        answer = await self.client.post("/api/auth/login", json={"code": code})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}


def npc_settings(tmp_path: Path, base_url: str, keys: dict[str, str], **overrides: Any) -> Settings:
    """Settings as an operator would set them: base URL and one key per workflow."""
    return attrs.evolve(
        Settings(
            data_dir=tmp_path,
            jwt_secret=Secret(SECRET),
            dify_base_url=base_url,
            dify_keys={name: Secret(key) for name, key in keys.items()},
            offline_workflows=False,
            free_daily_quota=10_000,
        ),
        **overrides,
    )


@asynccontextmanager
async def npc(
    tmp_path: Path,
    server: tuple[str, DifyControl],
    *,
    keys: dict[str, str] | None = None,
    options: DifyOptions = FAST,
    **overrides: Any,
) -> AsyncIterator[Npc]:
    """An npc app built by `build(Settings(...))` with the server's keys (or `keys`)."""
    base_url, control = server
    container = build(
        npc_settings(tmp_path, base_url, control.keys if keys is None else keys, **overrides)
    )
    runner = container.deps.workflows
    assert isinstance(runner, DifyWorkflowRunner)
    runner.options = options
    async with AsyncTestClient(app=create_app(container)) as client:
        yield Npc(client, container, control, runner)


async def make_story(api: Npc, auth: dict[str, str]) -> str:
    r = await api.client.post(
        "/api/story/collaborative-reconstruct",
        headers=auth,
        json={
            "movieId": FERRY,
            "characterId": LIN_ZHOU,
            "userStoryNodes": [
                {"id": "n1", "order": 1, "title": "登船"},
                {"id": "n2", "order": 2, "title": "起雾"},
            ],
            "userRelationships": [{"source": "n1", "target": "n2", "type": "因果"}],
            "userMonologue": "我是林舟。",
        },
    )
    assert r.status_code == 200, r.text
    return str(r.json()["storyId"])


async def make_storyboard(api: Npc, auth: dict[str, str], story_id: str) -> str:
    r = await api.client.post(
        "/api/storyboard/collaborative-create",
        headers=auth,
        json={
            "storyId": story_id,
            "userFrames": [
                {"order": 1, "sceneDescription": "甲板"},
                {"order": 2, "dialogue": "要下雨了"},
            ],
        },
    )
    assert r.status_code == 200, r.text
    return str(r.json()["finalStoryboard"]["id"])


async def make_monologue(api: Npc, auth: dict[str, str], board_id: str) -> str:
    r = await api.client.post(
        "/api/monologue/generate",
        headers=auth,
        json={"storyboardId": board_id, "characterId": LIN_ZHOU, "frameContext": []},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed", r.json()
    return str(r.json()["monologueId"])


async def make_audio(api: Npc, auth: dict[str, str], monologue_id: str) -> str:
    r = await api.client.post(
        "/api/audio/synthesize",
        headers=auth,
        json={"monologueId": monologue_id, "voiceConfig": {"voice": "female-1"}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed", r.json()
    return str(r.json()["audioId"])
