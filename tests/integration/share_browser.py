"""Playing a comic's share page in Debian's headless Chromium, driven by Playwright.

Shared by the browser tests: a phone-sized WeChat-like browser opens the share link,
waits for the audio and the panels, seeks to every timeline boundary and checks the
panel and caption on screen, plays and pauses, and saves screenshots. Console errors,
script errors, dialogs, failed loads and every requested URL are recorded for the
test to judge (which origins a page may fetch from depends on the storage).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import pytest
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
TOLERANCE_SECONDS = 0.05
SCREENSHOTS = ("share-page-start.png", "share-page-panel-2.png", "share-page-playing.png")

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


@attrs.frozen
class Visit:
    """What the browser saw of one share page."""

    problems: tuple[str, ...]  # console and script errors, dialogs, failed or refused loads
    requested: tuple[str, ...]  # every URL the page asked for, in order
    document_bytes: int
    duration: float  # seconds, as the audio element reports it
    screenshots: tuple[Path, ...]


def path_of(url: str) -> str:
    return urlsplit(url).path


def play_share_page(comic: Mapping[str, Any], out: Path) -> Visit:
    """Open `comic["comicUrl"]` on a phone and walk its timeline; what the browser saw.

    `comic` is the `GET /api/comics/{id}` answer. Asserts, at each span's start, middle
    and last millisecond, that exactly its panel (the file of `panelUrls`) shows,
    loaded, with its caption; that seeking past the end keeps the last span; and that
    the toggle plays and pauses. Screenshots (`SCREENSHOTS`) go to `out`.
    """
    problems: list[str] = []
    requested: list[str] = []
    timeline = comic["timeline"]
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
            document_bytes = len(document.body())
            page.wait_for_function("() => document.getElementById('audio').readyState >= 1")
            duration = float(page.evaluate("document.getElementById('audio').duration"))
            page.wait_for_function(
                "() => [...document.querySelectorAll('img.panel')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            page.screenshot(path=out / SCREENSHOTS[0])

            for index, span in enumerate(timeline):
                middle = (span["startMs"] + span["endMs"]) // 2
                for at_ms in (span["startMs"], middle, span["endMs"] - 1):
                    _seek(page, at_ms)
                    _wait_for_span(page, index)
                    _expect_on_screen(page, comic, span, index)
                if index == 1:
                    page.screenshot(path=out / SCREENSHOTS[1])
            _seek(page, comic["durationMs"])
            _wait_for_span(page, len(timeline) - 1)

            _seek(page, 0)
            page.click("#toggle")
            page.wait_for_function("() => document.getElementById('audio').currentTime > 0.3")
            assert page.get_attribute("#player", "data-state") == "playing"
            assert page.get_attribute("#toggle", "aria-pressed") == "true"
            page.screenshot(path=out / SCREENSHOTS[2])
            page.click("#toggle")
            page.wait_for_function("() => document.getElementById('audio').paused")
            # `paused` turns true at once; the page hears of it in a `pause` event after.
            page.wait_for_function(
                "() => document.getElementById('player').dataset.state === 'paused'"
            )
            assert page.get_attribute("#toggle", "aria-pressed") == "false"
        finally:
            browser.close()
    return Visit(
        tuple(problems),
        tuple(requested),
        document_bytes,
        duration,
        tuple(out / name for name in SCREENSHOTS),
    )


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


def _wait_for_span(page: Page, index: int) -> None:
    page.wait_for_function(
        "i => document.getElementById('stage').dataset.span === String(i)", arg=index
    )


def _expect_on_screen(
    page: Page, comic: Mapping[str, Any], span: Mapping[str, Any], index: int
) -> None:
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
