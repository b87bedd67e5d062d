"""An npc HTTP app on in-memory adapters with a scripted workflow runner and a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
from litestar.testing import AsyncTestClient

from adapters.memory import ManualClock, ScriptedWorkflowRunner
from entrypoints.bootstrap import Container, build
from entrypoints.http.app import create_app
from entrypoints.settings import Settings

SECRET = "test-secret-test-secret-test-secret-0123"
FERRY = "00000000-0000-4000-8000-00000000f001"
LIGHTHOUSE = "00000000-0000-4000-8000-00000000f002"
LIN_ZHOU = "00000000-0000-4000-8000-000000000c001"
SU_WAN = "00000000-0000-4000-8000-000000000c002"
OLD_ZHOU = "00000000-0000-4000-8000-000000000c004"


@attrs.define
class Api:
    """A test client plus the container behind it."""

    client: AsyncTestClient[Any]
    container: Container
    workflows: ScriptedWorkflowRunner
    clock: ManualClock

    async def login(self, code: str = "dev-alice") -> dict[str, str]:
        """Log in and return the Authorization header."""
        answer = await self.client.post("/api/auth/login", json={"code": code})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}


@asynccontextmanager
async def api(tmp_path: Path, **overrides: Any) -> AsyncIterator[Api]:
    """A running app; `overrides` change settings (e.g. free_daily_quota=2)."""
    settings = attrs.evolve(
        Settings(data_dir=tmp_path, jwt_secret=Settings().jwt_secret.__class__(SECRET)),
        **overrides,
    )
    workflows = ScriptedWorkflowRunner()
    clock = ManualClock()
    container = build(settings, workflows=workflows, clock=clock)
    async with AsyncTestClient(app=create_app(container)) as client:
        yield Api(client, container, workflows, clock)
