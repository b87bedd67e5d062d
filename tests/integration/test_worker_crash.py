"""A worker killed mid-task: another worker finishes the task, exactly once.

The whole deployment runs as processes: `npc serve` and two `npc worker`s on one MariaDB
database, a Redis server of the test's own and the Dify-compatible server. The first
worker is SIGKILLed while the voice workflow it called is still running; saq's sweep
sees its job stop beating and hands the task to the second worker.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from adapters.sql import sync_url
from tests.dify_server import DifyControl
from tests.integration.api_steps import monologue, post, storyboard, until
from tests.integration.processes import login, npc_env, serving, working
from tests.integration.redis_support import RedisServer

pytest_plugins = ["tests.integration.deployment_fixtures"]


def _monologue(base: str, auth: dict[str, str]) -> str:
    frames = [{"order": 1, "sceneDescription": "甲板"}]
    board_id = storyboard(base, auth, frames, userRelationships=[], userMonologue="我是林舟。")
    return monologue(base, auth, board_id)


def test_a_task_whose_worker_is_killed_completes_once_on_another_worker(
    tmp_path: Path,
    dify: tuple[str, DifyControl],
    database_url: str,
    redis_server: RedisServer,
) -> None:
    """SIGKILL the worker during the voice call: the task ends completed exactly once.

    One audio row, one stored file, usage charged once, and the second worker's Dify
    run is the one whose file was stored.
    """
    control = dify[1]
    env = npc_env(
        tmp_path / "data",
        database_url,
        redis_server.url,
        dify,
        NPC_TASK_HEARTBEAT="2",
        NPC_RECONCILE_SECONDS="2",
    )
    log = tmp_path / "npc.log"
    with serving(env, log) as base, working(env, log) as first:
        auth = login(base)
        monologue_id = _monologue(base, auth)
        used = httpx.get(f"{base}/api/user/profile", headers=auth).json()["usageToday"]["used"]
        control.script("voice_synthesis", latency=60)
        voice = post(
            base,
            "/api/audio/synthesize?wait=0",
            auth,
            {"monologueId": monologue_id, "voiceConfig": {"voice": "female-1"}},
        )
        task_id = voice["taskId"]
        until(lambda: control.run_requests("voice_synthesis"), 30, "the voice run")
        first.kill()
        first.wait(10)
        control.script("voice_synthesis", latency=0)
        with working(env, log):

            def done() -> bool:
                status = httpx.get(f"{base}/api/tasks/status/{task_id}", headers=auth).json()
                assert status["status"] != "failed", status
                return bool(status["status"] == "completed")

            until(done, 60, f"task {task_id} to complete\n{log.read_text()[-3000:]}")
        profile = httpx.get(f"{base}/api/user/profile", headers=auth).json()
    assert profile["usageToday"]["used"] == used + 1
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        audio = connection.execute(
            text("SELECT storage_key FROM audio_files WHERE monologue_id = :m"),
            {"m": monologue_id},
        ).all()
        task = connection.execute(
            text("SELECT status, retry_count FROM async_tasks WHERE id = :t"), {"t": task_id}
        ).one()
    engine.dispose()
    assert len(audio) == 1
    assert task.status == "completed"
    assert task.retry_count == 1  # the lost run counted as one failed attempt
    files = (tmp_path / "data" / "files" / "audio").rglob("*")
    stored = [p for p in files if p.is_file() and not p.name.startswith(".")]  # not sidecars
    assert [p.relative_to(tmp_path / "data" / "files").as_posix() for p in stored] == [
        audio[0].storage_key
    ]
    assert len(control.run_requests("voice_synthesis")) == 2
