"""Liveness and readiness."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.unit.http.harness import Api, api

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_health_says_ok_without_a_token(a: Api) -> None:
    """`GET /health` answers 200 `{"status": "ok"}` with no Authorization."""
    answer = await a.client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


async def test_ready_reports_each_dependency(a: Api) -> None:
    """`GET /ready` answers 200 `ready` with a check per configured dependency (storage)."""
    answer = await a.client.get("/ready")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    assert body["checks"]["storage"] == "ok"


async def test_ready_is_503_when_storage_is_broken(tmp_path: Path) -> None:
    """With storage unusable `/ready` is 503 `degraded` naming storage; /health stays 200."""
    async with api(tmp_path) as a:
        files = tmp_path / "files"
        shutil.rmtree(files)
        files.write_text("not a folder")
        answer = await a.client.get("/ready")
        assert answer.status_code == 503
        body = answer.json()
        assert body["status"] == "degraded"
        assert body["checks"]["storage"] != "ok"
        assert (await a.client.get("/health")).status_code == 200
