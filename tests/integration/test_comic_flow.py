"""The audio comic end to end on processes: made, played in a browser, broken, deleted.

The deployment is the production shape (`tests.integration.comic_deployment`): `npc
serve` and `npc worker` subprocesses on a fresh MariaDB database, a Redis server of the
test's own and the Dify-compatible test server, storing files on local disk or in the
loopback OSS-compatible server. The voice workflow answers a real WAV (7.5 s, no stated
duration, so npc measures it) and the comic workflow real PNG panels, so Chromium can
play the share page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from adapters.sql import sync_url
from tests.audio_samples import png_bytes, wav_bytes
from tests.dify_server import DifyControl, ServerFile, dify_server
from tests.integration.api_steps import monologue, ok, post, storyboard, until
from tests.integration.comic_deployment import Deployment, Storage, deployed
from tests.integration.mariadb_support import fresh_database
from tests.integration.processes import login
from tests.integration.redis_support import RedisServer, running_redis
from tests.integration.share_browser import (
    TOLERANCE_SECONDS,
    needs_chromium,
    path_of,
    play_share_page,
)

VOICE_SECONDS = 7.5
FRAMES = [
    {"order": 1, "sceneDescription": "甲板上的雨夜", "dialogue": "要下雨了"},
    {"order": 2, "sceneDescription": "船舱里的灯", "dialogue": "我没有回头"},
    {"order": 3, "sceneDescription": "靠岸的码头", "dialogue": "天亮以前"},
]
COLOURS = [((32, 58, 96), (120, 160, 200)), ((96, 40, 52), (220, 150, 90))]
MAX_RETRIES = 3  # CoreSettings.task_max_retries: the worker's default


def _panels(inputs: dict[str, Any]) -> dict[str, Any]:
    """One distinct real PNG per frame the comic workflow is given."""
    frames = json.loads(inputs.get("frames") or "[]")
    return {
        "panels": [
            ServerFile(
                png_bytes(240, 320, *COLOURS[n % 2], stripes=8 + 4 * n), "image/png", f"p{n}.png"
            )
            for n in range(len(frames))
        ]
    }


@pytest.fixture(scope="module")
def dify() -> Iterator[tuple[str, DifyControl]]:
    control = DifyControl()
    voice = ServerFile(wav_bytes(VOICE_SECONDS, 16000), "audio/wav", "voice.wav")
    control.script("voice_synthesis", {"audio": voice})
    control.script("comic_generation", _panels)
    with dify_server(control) as server:
        yield server


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture(scope="module")
def deployments(
    tmp_path_factory: pytest.TempPathFactory,
    dify: tuple[str, DifyControl],
    database_url: str,
    redis_server: RedisServer,
) -> Iterator[Callable[[Storage], Deployment]]:
    """The deployment on a storage, started on first use and kept for the next test.

    One runs at a time: deployments share the database and the Redis queues, so a
    worker left running on local disk would take the OSS deployment's tasks. Each test
    logs in as its own user, so sharing processes shares no state a test checks.
    """
    running: list[tuple[Storage, Deployment, ExitStack]] = []

    def deployment(storage: Storage) -> Deployment:
        if running and running[0][0] is storage:
            return running[0][1]
        if running:
            running.pop()[2].close()
        stack = ExitStack()
        folder = tmp_path_factory.mktemp(f"npc-{storage}")
        started = stack.enter_context(
            deployed(storage, folder, database_url, redis_server.url, dify)
        )
        running.append((storage, started, stack))
        return started

    try:
        yield deployment
    finally:
        if running:
            running.pop()[2].close()


def _voiced(base: str, auth: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """Story, storyboard, monologue and voice over HTTP; the storyboard id and the audio."""
    board_id = storyboard(base, auth, FRAMES, title="雨夜渡轮")
    monologue_id = monologue(base, auth, board_id)
    audio = post(
        base,
        "/api/audio/synthesize",
        auth,
        {"monologueId": monologue_id, "voiceConfig": {"voice": "female-1"}},
    )
    assert audio["status"] == "completed", audio
    return board_id, audio


@needs_chromium
@pytest.mark.parametrize("storage", list(Storage))
def test_the_flow_ends_in_a_share_page_that_plays_and_a_delete_withdraws_it(
    storage: Storage,
    tmp_path: Path,
    deployments: Callable[[Storage], Deployment],
) -> None:
    """Login to comic over HTTP, the share page played in Chromium, then the work deleted.

    The recording's duration is measured (7.5 s) and the browser's audio element
    reports it; each timeline boundary shows its panel and caption; the page fetches
    only from npc and the storage. Deleting the work removes the recording and the
    panels from the storage, and the share link and `/api/comics/{id}` answer 404.
    """
    d = deployments(storage)
    auth = login(d.base, f"dev-comic-{storage}")
    board_id, audio = _voiced(d.base, auth)
    assert audio["duration"] == VOICE_SECONDS
    assert audio["format"] == "wav"
    made = post(
        d.base,
        "/api/comic/generate",
        auth,
        {"storyboardId": board_id, "audioId": audio["audioId"]},
    )
    assert made["status"] == "completed", made
    comic = ok(httpx.get(f"{d.base}/api/comics/{made['comicId']}", headers=auth))
    token = comic["comicUrl"].rsplit("/", 1)[1]
    assert comic["comicUrl"] == f"{d.base}/s/{token}"
    assert len(token) >= 22  # at least 128 random bits, URL-safe base64
    assert comic["durationMs"] == VOICE_SECONDS * 1000
    assert len(comic["timeline"]) == len(comic["panelUrls"]) == len(FRAMES)
    assert all(u.startswith(d.file_origin) for u in [comic["audioUrl"], *comic["panelUrls"]])
    panels = {f"comics/{comic['comicId']}/panel-{n}.png" for n in (1, 2, 3)}
    stored = d.stored_keys()
    [audio_key] = stored - panels
    assert stored == {audio_key, *panels}
    assert path_of(comic["audioUrl"]).endswith(f"/{audio_key}")

    visit = play_share_page(comic, tmp_path)
    assert visit.problems == ()
    assert visit.document_bytes < 40_000
    assert visit.duration == pytest.approx(VOICE_SECONDS, abs=TOLERANCE_SECONDS)
    allowed = ("data:", f"{d.base}/", d.file_origin)
    assert [u for u in visit.requested if not u.startswith(allowed)] == []
    assert any(u.startswith(d.file_origin) for u in visit.requested)
    for screenshot in visit.screenshots:
        assert screenshot.stat().st_size > 10_000

    deleted = httpx.delete(f"{d.base}/api/works/{comic['workId']}", headers=auth)
    assert deleted.status_code == 200, deleted.text
    assert d.stored_keys() == set()
    page = httpx.get(comic["comicUrl"])
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "不存在" in page.text
    again = httpx.get(f"{d.base}/api/comics/{comic['comicId']}", headers=auth)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found"
    assert httpx.get(comic["panelUrls"][0]).status_code == 404  # the old signed link


def test_a_storage_outage_while_rendering_retries_then_fails_and_shows_no_comic(
    dify: tuple[str, DifyControl],
    database_url: str,
    deployments: Callable[[Storage], Deployment],
) -> None:
    """OSS answers 503 from the moment the comic workflow runs: retried, then failed plainly.

    The worker renders 1 + 3 times (each attempt calls the workflow again), the task
    ends failed with "storage unavailable: OSS put 'comics/...' failed (503 ...)", and
    no comic row, work or share link exists for it: the share page and the comic route
    answer 404 and the bucket holds no panel.
    """
    _, control = dify
    d = deployments(Storage.OSS)
    assert d.oss is not None
    auth = login(d.base, "dev-comic-outage")
    board_id, audio = _voiced(d.base, auth)
    runs = len(control.run_requests("comic_generation"))
    control.script("comic_generation", latency=1.0)
    try:
        started = post(
            d.base,
            "/api/comic/generate?wait=0",
            auth,
            {"storyboardId": board_id, "audioId": audio["audioId"]},
        )
        until(lambda: len(control.run_requests("comic_generation")) > runs, 15, "the comic run")
        d.oss.fail_next(503, "ServiceUnavailable", times=10_000)
        control.script("comic_generation", latency=0.0)

        def ended() -> bool:
            answer = httpx.get(f"{d.base}/api/tasks/status/{started['taskId']}", headers=auth)
            return bool(ok(answer)["status"] in {"completed", "failed"})

        until(ended, 40, f"the comic task to end\n{d.log.read_text()[-3000:]}")
    finally:
        control.script("comic_generation", latency=0.0)
        while d.oss.take_failure() is not None:  # the storage is back
            pass
    status = ok(httpx.get(f"{d.base}/api/tasks/status/{started['taskId']}", headers=auth))
    assert status["status"] == "failed", status
    assert status["retryCount"] == MAX_RETRIES
    assert status["error"].startswith("storage unavailable: OSS put 'comics/"), status
    assert "(503 ServiceUnavailable" in status["error"]
    assert len(control.run_requests("comic_generation")) == runs + 1 + MAX_RETRIES
    payload = _payload(database_url, started["taskId"])
    assert _count(database_url, "comics", payload["comicId"]) == 0
    assert _count(database_url, "user_works", payload["workId"]) == 0
    page = httpx.get(f"{d.base}/s/{payload['shareToken']}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    comic = httpx.get(f"{d.base}/api/comics/{payload['comicId']}", headers=auth)
    assert comic.status_code == 404
    works = ok(httpx.get(f"{d.base}/api/works", headers=auth))["works"]
    assert "comic" not in {w["workType"] for w in works}
    assert not [k for k in d.oss.objects if k.startswith(f"comics/{payload['comicId']}/")]


def _payload(database_url: str, task_id: str) -> dict[str, Any]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            raw = connection.execute(
                text("SELECT payload FROM async_tasks WHERE id = :t"), {"t": task_id}
            ).scalar_one()
    finally:
        engine.dispose()
    payload: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
    return payload


def _count(database_url: str, table: str, row_id: str) -> int:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(f"SELECT COUNT(*) FROM {table} WHERE id = :i"),  # noqa: S608 - our table names
                {"i": row_id},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(found)
