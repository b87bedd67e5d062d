"""The share page in a real browser: Debian's headless Chromium, driven by Playwright.

npc runs for real (uvicorn on a free loopback port, the embedded default with the
offline workflow engine), except that the voice workflow answers a real WAV of a known
length and the comic workflow real PNG panels, so the browser can play and show them.
The flow is walked over HTTP like the mini-program does; then a phone-sized browser
opens the share link, and the test seeks to every timeline boundary and checks the
panel and caption on screen. Screenshots land in the test's temporary folder.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import uvicorn

from adapters.memory import ScriptedWorkflowRunner
from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from entrypoints.settings import Secret, Settings
from npc_core.ports import ComicInput, ComicOutput, GeneratedFile, VoiceOutput, Workflow
from tests.audio_samples import png_bytes, wav_bytes
from tests.integration.share_browser import TOLERANCE_SECONDS, needs_chromium, play_share_page

SECRET = "browser-test-secret-browser-test-secret-01"
FERRY = "00000000-0000-4000-8000-00000000f001"
LIN_ZHOU = "00000000-0000-4000-8000-00000000c001"
VOICE_SECONDS = 7.5
PANEL_COLOURS = [
    ((32, 58, 96), (120, 160, 200)),
    ((96, 40, 52), (220, 150, 90)),
    ((30, 80, 60), (170, 210, 150)),
]

pytestmark = needs_chromium


@attrs.frozen
class Running:
    base_url: str
    workflows: ScriptedWorkflowRunner


def _workflows() -> ScriptedWorkflowRunner:
    """The offline engine, but with a real recording and real panels."""
    voice = wav_bytes(VOICE_SECONDS, 16000)
    runner = ScriptedWorkflowRunner()
    runner.returns(
        Workflow.VOICE_SYNTHESIS,
        lambda _: VoiceOutput("run-voice", GeneratedFile(voice, "audio/wav"), None),
    )

    def panels(data: ComicInput) -> ComicOutput:
        files = tuple(
            GeneratedFile(
                png_bytes(240, 320, *PANEL_COLOURS[n % len(PANEL_COLOURS)], stripes=8 + 4 * n),
                "image/png",
            )
            for n in range(len(data.frames))
        )
        return ComicOutput("run-comic", files)

    runner.returns(Workflow.COMIC_GENERATION, panels)
    return runner


@contextmanager
def serve(tmp_path: Path) -> Iterator[Running]:
    """The app under uvicorn on a free loopback port, in a thread; stopped on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings = Settings(
        data_dir=tmp_path / "data", jwt_secret=Secret(SECRET), public_base_url=base_url
    )
    workflows = _workflows()
    app = create_app(build(settings, workflows=workflows))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start in 15 s"
        time.sleep(0.02)
    try:
        yield Running(base_url, workflows)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, (answer.request.url, answer.status_code, answer.text)
    return answer.json()


def make_comic(base_url: str) -> dict[str, Any]:
    """Login, story, storyboard, monologue, voice and comic over HTTP; the API's comic."""
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        token = _ok(client.post("/api/auth/login", json={"code": "dev-browser"}))["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        story = _ok(
            client.post(
                "/api/story/collaborative-reconstruct",
                json={
                    "movieId": FERRY,
                    "characterId": LIN_ZHOU,
                    "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
                },
            )
        )
        board = _ok(
            client.post(
                "/api/storyboard/collaborative-create",
                json={
                    "storyId": story["storyId"],
                    "title": "雨夜渡轮",
                    "userFrames": [
                        {"order": 1, "sceneDescription": "甲板上的雨夜", "dialogue": "要下雨了"},
                        {"order": 2, "sceneDescription": "船舱里的灯", "dialogue": "我没有回头"},
                        {"order": 3, "sceneDescription": "靠岸的码头", "dialogue": "天亮以前"},
                    ],
                },
            )
        )["finalStoryboard"]
        monologue = _ok(
            client.post(
                "/api/monologue/generate",
                json={"storyboardId": board["id"], "characterId": LIN_ZHOU, "frameContext": []},
            )
        )
        assert monologue["status"] == "completed", monologue
        audio = _ok(
            client.post(
                "/api/audio/synthesize",
                json={"monologueId": monologue["monologueId"], "voiceConfig": {"voice": "f1"}},
            )
        )
        assert audio["status"] == "completed", audio
        assert audio["duration"] == VOICE_SECONDS  # measured from the WAV: none was stated
        assert audio["format"] == "wav"
        made = _ok(
            client.post(
                "/api/comic/generate",
                json={"storyboardId": board["id"], "audioId": audio["audioId"]},
            )
        )
        assert made["status"] == "completed", made
        comic: dict[str, Any] = _ok(client.get(f"/api/comics/{made['comicId']}"))
        return comic


def test_the_share_page_plays_in_a_phone_browser(tmp_path: Path) -> None:
    """Duration, panel and caption at each timeline boundary, play/pause, no errors, screenshots."""
    with serve(tmp_path) as running:
        comic = make_comic(running.base_url)
        assert len(comic["timeline"]) == 3
        visit = play_share_page(comic, tmp_path)
    assert visit.document_bytes < 40_000
    assert visit.duration == pytest.approx(comic["durationMs"] / 1000, abs=TOLERANCE_SECONDS)
    assert visit.duration == pytest.approx(VOICE_SECONDS, abs=TOLERANCE_SECONDS)
    assert visit.problems == ()
    own = [u for u in visit.requested if not u.startswith(("data:", running.base_url + "/"))]
    assert own == [], "the page fetched something that npc does not serve"
    for screenshot in visit.screenshots:
        assert screenshot.stat().st_size > 10_000
