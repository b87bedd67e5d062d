"""Redis stops and comes back: reads keep serving, tasks fail fast, nothing is lost.

The deployment runs as processes (`npc serve`, later `npc worker`) on MariaDB and a
`redis-server` the test starts on a port of its own, SIGKILLs and starts again empty
(it keeps nothing on disk, like a Redis that lost its data).
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from adapters.sql import sync_url
from tests.dify_server import DifyControl
from tests.integration.api_steps import storyboard
from tests.integration.dify_support import FERRY, LIN_ZHOU
from tests.integration.processes import login, npc_env, serving, working
from tests.integration.redis_support import RedisServer

pytest_plugins = ["tests.integration.deployment_fixtures"]


def _storyboard(base: str, auth: dict[str, str]) -> str:
    frames = [{"order": 1, "dialogue": "雾"}]
    return storyboard(base, auth, frames, userRelationships=[], userMonologue="我是林舟。")


def _monologue(base: str, auth: dict[str, str], board_id: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/monologue/generate?wait=0",
        headers=auth,
        timeout=30,
        json={"storyboardId": board_id, "characterId": LIN_ZHOU, "frameContext": []},
    )


def _task_rows(database_url: str) -> dict[str, str]:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status FROM async_tasks")).all()
    engine.dispose()
    return {row.id: row.status for row in rows}


def test_reads_survive_a_redis_outage_and_pending_work_runs_after_it(
    tmp_path: Path, dify: tuple[str, DifyControl], database_url: str, redis_server: RedisServer
) -> None:
    """Redis down: reads serve, new tasks fail fast; Redis back: pending work runs.

    While Redis is down, film reads answer 200 within seconds, readiness says
    degraded, and a new task is 503 `queue_unavailable` with no pending row left
    behind. Once Redis is back (empty), the reconciler runs the task that was pending
    before the outage.
    """
    env = npc_env(
        tmp_path / "data", database_url, redis_server.url, dify, NPC_RECONCILE_SECONDS="1"
    )
    log = tmp_path / "npc.log"
    with serving(env, log) as base:
        auth = login(base)
        board_id = _storyboard(base, auth)
        before = _monologue(base, auth, board_id)  # queued, but no worker runs yet
        assert before.status_code == 200, before.text
        waiting = before.json()["taskId"]
        redis_server.kill()

        reads = [
            "/api/movies/search?keyword=夜航",
            "/api/movies/recommended",
            f"/api/movies/{FERRY}",
            f"/api/movies/{FERRY}/dialogues",
            f"/api/characters/{LIN_ZHOU}",
        ]
        for _ in range(2):  # the second round runs with the cache's breaker open
            for path in reads:
                started = time.monotonic()
                answer = httpx.get(f"{base}{path}", headers=auth, timeout=10)
                assert answer.status_code == 200, (path, answer.text)
                assert time.monotonic() - started < 3, path
        ready = httpx.get(f"{base}/ready", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"

        refused = _monologue(base, auth, board_id)
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "queue_unavailable"
        rows = _task_rows(database_url)
        assert [t for t, status in rows.items() if status == "pending"] == [waiting]
        assert sorted(rows.values()) == ["failed", "pending"]

        redis_server.start()  # on the same port, and empty: the queued job is gone
        with working(env, log):
            deadline = time.monotonic() + 30
            while _task_rows(database_url)[waiting] != "completed":
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
        ready = httpx.get(f"{base}/ready", timeout=10)
        assert ready.json()["status"] == "ready", ready.text
