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
from urllib.parse import urlsplit

import attrs
import httpx
import pytest
import uvicorn
from playwright.sync_api import (
    ConsoleMessage,
    Dialog,
    Page,
    Request,
    ViewportSize,
    sync_playwright,
)
from playwright.sync_api import Error as PageError
from playwright.sync_api import Response as PageResponse

from adapters.memory import ScriptedWorkflowRunner
from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from entrypoints.settings import Secret, Settings
from npc_core.ports import ComicInput, ComicOutput, GeneratedFile, VoiceOutput, Workflow
from tests.audio_samples import png_bytes, wav_bytes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = ViewportSize(width=390, height=844)
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI"
)
SECRET = "browser-test-secret-browser-test-secret-01"
FERRY = "00000000-0000-4000-8000-00000000f001"
LIN_ZHOU = "00000000-0000-4000-8000-00000000c001"
VOICE_SECONDS = 7.5
PANEL_COLOURS = [
    ((32, 58, 96), (120, 160, 200)),
    ((96, 40, 52), (220, 150, 90)),
    ((30, 80, 60), (170, 210, 150)),
]
TOLERANCE_SECONDS = 0.05

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


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


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_the_share_page_plays_in_a_phone_browser(tmp_path: Path) -> None:
    """Duration, panel and caption at each timeline boundary, play/pause, no errors, screenshots."""
    with serve(tmp_path) as running:
        comic = make_comic(running.base_url)
        timeline = comic["timeline"]
        assert len(timeline) == 3
        problems: list[str] = []
        requested: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
            )
            try:
                context = browser.new_context(
                    viewport=PHONE,
                    device_scale_factor=2,
                    is_mobile=True,
                    has_touch=True,
                    locale="zh-CN",
                    user_agent=WECHAT_UA,
                )
                page = context.new_page()
                page.set_default_timeout(10_000)
                _watch(page, problems, requested)

                document = page.goto(comic["comicUrl"], wait_until="load")
                assert document is not None
                assert document.status == 200
                assert len(document.body()) < 40_000
                page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
                duration = page.evaluate("document.getElementById('audio').duration")
                assert duration == pytest.approx(comic["durationMs"] / 1000, abs=TOLERANCE_SECONDS)
                assert duration == pytest.approx(VOICE_SECONDS, abs=TOLERANCE_SECONDS)
                page.wait_for_function(
                    "() => [...document.querySelectorAll('img.panel')]"
                    ".every(i => i.complete && i.naturalWidth > 0)"
                )
                page.screenshot(path=tmp_path / "share-page-start.png")

                for index, span in enumerate(timeline):
                    middle = (span["startMs"] + span["endMs"]) // 2
                    for at_ms in (span["startMs"], middle, span["endMs"] - 1):
                        _seek(page, at_ms)
                        page.wait_for_function(
                            "i => document.getElementById('stage').dataset.span === String(i)",
                            arg=index,
                        )
                        _expect_on_screen(page, comic, span, index)
                    if index == 1:
                        page.screenshot(path=tmp_path / "share-page-panel-2.png")
                _seek(page, comic["durationMs"])
                page.wait_for_function(
                    "i => document.getElementById('stage').dataset.span === String(i)",
                    arg=len(timeline) - 1,
                )

                _seek(page, 0)
                page.click("#toggle")
                page.wait_for_function("() => document.getElementById('audio').currentTime > 0.3")
                assert page.get_attribute("#player", "data-state") == "playing"
                assert page.get_attribute("#toggle", "aria-pressed") == "true"
                page.screenshot(path=tmp_path / "share-page-playing.png")
                page.click("#toggle")
                page.wait_for_function("() => document.getElementById('audio').paused")
                assert page.get_attribute("#player", "data-state") == "paused"
            finally:
                browser.close()
        assert problems == []
        own = [u for u in requested if not u.startswith(("data:", running.base_url + "/"))]
        assert own == [], "the page fetched something that npc does not serve"
        for name in ("share-page-start.png", "share-page-panel-2.png", "share-page-playing.png"):
            assert (tmp_path / name).stat().st_size > 10_000


def _watch(page: Page, problems: list[str], requested: list[str]) -> None:
    """Record console errors, script errors, dialogs, failed or refused loads, every URL."""

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    def error(failure: PageError) -> None:
        problems.append(f"page error: {failure}")

    def dialog(opened: Dialog) -> None:
        problems.append(f"dialog: {opened.message}")
        opened.dismiss()

    def failed(request: Request) -> None:
        problems.append(f"failed: {request.url} {request.failure}")

    def response(answer: PageResponse) -> None:
        if answer.status >= 400:
            problems.append(f"{answer.status}: {answer.url}")

    def request(sent: Request) -> None:
        requested.append(sent.url)

    page.on("console", console)
    page.on("pageerror", error)
    page.on("dialog", dialog)
    page.on("requestfailed", failed)
    page.on("response", response)
    page.on("request", request)


def _seek(page: Page, at_ms: int) -> None:
    page.evaluate("ms => { document.getElementById('audio').currentTime = ms / 1000; }", at_ms)


def _expect_on_screen(page: Page, comic: dict[str, Any], span: dict[str, Any], index: int) -> None:
    shown = page.evaluate(
        """() => {
            const on = document.querySelectorAll('#stage img.panel.on');
            const caption = document.getElementById('caption');
            return {
                count: on.length,
                panel: on[0].dataset.panel,
                src: on[0].src,
                loaded: on[0].complete && on[0].naturalWidth > 0,
                opacity: getComputedStyle(on[0]).opacity,
                caption: caption.textContent,
                captionSpan: caption.dataset.span,
                stagePanel: document.getElementById('stage').dataset.panel,
            };
        }"""
    )
    assert shown["count"] == 1
    assert shown["panel"] == shown["stagePanel"] == str(span["panel"])
    assert path_of(shown["src"]) == path_of(comic["panelUrls"][span["panel"]])
    assert shown["loaded"]
    assert shown["caption"] == span["caption"]
    assert shown["captionSpan"] == str(index)
