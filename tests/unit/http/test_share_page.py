"""The public share page: a self-contained player, the API's timeline, XSS-safe, HTML 404s."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from entrypoints.http.controllers.share import _json_block
from npc_core.model import EmotionMarker
from npc_core.ports import MonologueOutput, Workflow
from tests.unit.http.harness import Api, api, board_body, local, story_body

BASE = "http://127.0.0.1:8000"
EVIL = '</script><script>alert(1)</script><img src=x onerror="alert(2)">&amp;\u2028"\''


class Page(HTMLParser):
    """The parts of a page the tests look at: tags with attributes, script bodies, text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.styles: list[str] = []
        self.text: dict[str, str] = {}
        self._open: tuple[str, dict[str, str]] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.tags.append((tag, found))
        self._open = (tag, found)

    def handle_data(self, data: str) -> None:
        if self._open is None:
            return
        tag, found = self._open
        if tag == "script":
            self.scripts.append((found, data))
        elif tag == "style":
            self.styles.append(data)
        elif "id" in found:
            self.text[found["id"]] = self.text.get(found["id"], "") + data

    def handle_endtag(self, _tag: str) -> None:
        self._open = None

    def all(self, tag: str) -> list[dict[str, str]]:
        return [found for name, found in self.tags if name == tag]

    def meta(self, key: str, name: str) -> str:
        [found] = [m for m in self.all("meta") if m.get(key) == name]
        return found["content"]

    def data(self) -> Any:
        [body] = [text for found, text in self.scripts if found.get("type") == "application/json"]
        return json.loads(body)


async def comic(a: Api, auth: dict[str, str], title: str = "雨夜渡轮") -> dict[str, Any]:
    story = await a.ok("POST", "/api/story/collaborative-reconstruct", auth, json=story_body())
    body = await a.ok(
        "POST",
        "/api/storyboard/collaborative-create",
        auth,
        json=board_body(story["storyId"], title=title),
    )
    board_id = body["finalStoryboard"]["id"]
    monologue = await a.monologue(auth, board_id)
    audio = await a.audio(auth, monologue["monologueId"])
    made = await a.comic(auth, board_id, audio["audioId"])
    return await a.ok("GET", f"/api/comics/{made['comicId']}", auth)


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_the_page_plays_the_comic_the_api_describes(tmp_path: Path) -> None:
    """Audio, one img per panel, the first caption, and the API's timeline as JSON."""
    async with api(tmp_path) as a:
        auth = await a.login()
        made = await comic(a, auth)
        answer = await a.client.get(local(made["comicUrl"]))
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        page = Page(answer.text)
        [audio] = page.all("audio")
        assert path_of(audio["src"]) == path_of(made["audioUrl"])
        panels = [img for img in page.all("img") if "panel" in img.get("class", "")]
        assert [int(p["data-panel"]) for p in panels] == list(range(len(made["panelUrls"])))
        assert [path_of(p["src"]) for p in panels] == [path_of(u) for u in made["panelUrls"]]
        assert "on" in panels[made["timeline"][0]["panel"]]["class"].split()
        assert page.text["caption"] == made["timeline"][0]["caption"]
        data = page.data()
        assert data["timeline"] == made["timeline"]
        assert data["durationMs"] == made["durationMs"]
        assert data["title"] == "雨夜渡轮"
        assert [path_of(u) for u in data["panelUrls"]] == [path_of(u) for u in made["panelUrls"]]
        for button in ("toggle", "cover"):
            assert any(b.get("id") == button for b in page.all("button"))
        assert any(
            i.get("id") == "seek" and i["max"] == str(made["durationMs"]) for i in page.all("input")
        )


async def test_the_page_carries_wechat_share_tags(tmp_path: Path) -> None:
    """og:title/description/image/url and itemprop name/description/image describe the comic."""
    async with api(tmp_path) as a:
        auth = await a.login()
        made = await comic(a, auth)
        page = Page((await a.client.get(local(made["comicUrl"]))).text)
        first_panel = made["panelUrls"][made["timeline"][0]["panel"]]
        assert page.meta("property", "og:title") == "雨夜渡轮"
        assert page.meta("itemprop", "name") == "雨夜渡轮"
        description = page.meta("property", "og:description")
        assert description
        assert made["timeline"][0]["caption"].startswith(description.rstrip("…"))
        assert page.meta("itemprop", "description") == description
        for key, name in (("property", "og:image"), ("itemprop", "image")):
            assert path_of(page.meta(key, name)) == path_of(first_panel)
        assert page.meta("property", "og:url") == made["comicUrl"]


async def test_only_the_pages_own_script_and_style_may_run(tmp_path: Path) -> None:
    """The CSP allows the inline script and style by hash, files from storage, nothing else."""
    async with api(tmp_path) as a:
        auth = await a.login()
        made = await comic(a, auth)
        answer = await a.client.get(local(made["comicUrl"]))
        policy = answer.headers["content-security-policy"]
        page = Page(answer.text)
        [(_, script)] = [(f, s) for f, s in page.scripts if "type" not in f]
        [style] = page.styles

        def digest(text: str) -> str:
            return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

        assert f"script-src 'sha256-{digest(script)}';" in policy
        assert f"style-src 'sha256-{digest(style)}';" in policy
        assert "default-src 'none'" in policy
        assert f"img-src {BASE} data:;" in policy
        assert f"media-src {BASE};" in policy
        assert "unsafe" not in policy
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-robots-tag"] == "noindex"


async def test_the_page_is_small_and_loads_nothing_from_elsewhere(tmp_path: Path) -> None:
    """A few tens of KB at most; every URL in it is npc's own storage or a data: URL."""
    async with api(tmp_path) as a:
        auth = await a.login()
        made = await comic(a, auth)
        text = (await a.client.get(local(made["comicUrl"]))).text
        assert len(text.encode()) < 40_000
        page = Page(text)
        urls = [
            found[attribute]
            for _, found in page.tags
            for attribute in ("src", "href")
            if attribute in found
        ]
        assert urls
        assert all(u.startswith((f"{BASE}/files/", "data:")) for u in urls), urls
        assert not re.search(r"https?://(?!127\.0\.0\.1:8000)", text.replace(made["comicUrl"], ""))


async def test_ai_text_cannot_inject_markup(tmp_path: Path) -> None:
    """A caption, emotion and title full of markup come out as text and as intact JSON."""
    async with api(tmp_path) as a:
        text = f"我是林舟。{EVIL}。" + "雨要来了。" * 40  # the markup lands in the first caption
        a.workflows.returns(
            Workflow.MONOLOGUE_GENERATION,
            MonologueOutput("run-evil", text, (EmotionMarker(0, "<b>怒</b>", 0.9),)),
        )
        auth = await a.login()
        made = await comic(a, auth, title="<i>标题</i>&")
        assert EVIL in made["timeline"][0]["caption"]
        raw = (await a.client.get(local(made["comicUrl"]))).text
        assert "<script>alert" not in raw
        assert "<img src=x" not in raw
        assert "<b>" not in raw
        assert "<i>" not in raw
        page = Page(raw)
        assert [f.get("type") for f, _ in page.scripts] == ["application/json", None]
        assert page.data()["timeline"] == made["timeline"]
        assert page.data()["title"] == "<i>标题</i>&"
        assert page.meta("property", "og:title") == "<i>标题</i>&"
        assert page.text["emotion"] == "<b>怒</b>"
        assert page.text["caption"] == made["timeline"][0]["caption"]
        assert {tag for tag, _ in page.tags} <= {
            "html", "head", "meta", "title", "link", "style", "body", "main", "header", "h1",
            "p", "figure", "img", "span", "figcaption", "button", "div", "input", "time",
            "audio", "script",
        }  # fmt: skip


@pytest.mark.parametrize(
    "value",
    ["</script>", "<!--<script>", "a & b > c", EVIL, "\u2028\u2029", "\\u003c"],
)
def test_the_json_block_never_holds_markup_characters(value: str) -> None:
    """`<`, `>` and `&` are written as unicode escapes; the JSON still reads back the same."""
    block = _json_block({"caption": value, "list": [value]})
    assert not set(block) & set("<>&")
    assert json.loads(block) == {"caption": value, "list": [value]}


@pytest.mark.parametrize(
    "token",
    [
        "AAAAAAAAAAAAAAAAAAAAAA",
        "short",
        "x" * 129,
        "abc%3Cscript%3Edefghijklmnop",
        "..%2E..%2E..and-more-than-sixteen",
        "%E4%BD%A0%E5%A5%BD%E4%BD%A0%E5%A5%BD%E4%BD%A0%E5%A5%BD",
    ],
)
async def test_unknown_tokens_get_an_html_404_page(tmp_path: Path, token: str) -> None:
    """Unknown, malformed or hostile tokens answer 404 with the HTML page, never JSON."""
    async with api(tmp_path) as a:
        answer = await a.client.get(f"/s/{token}")
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert "这个作品不存在或已被删除" in answer.text
        assert "script" not in answer.text
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
        assert "<script" not in answer.text.lower()


async def test_a_deleted_work_withdraws_its_page(tmp_path: Path) -> None:
    """After the comic's work is deleted its share link answers the 404 page."""
    async with api(tmp_path) as a:
        auth = await a.login()
        made = await comic(a, auth)
        path = local(made["comicUrl"])
        assert (await a.client.get(path)).status_code == 200
        answer = await a.client.delete(f"/api/works/{made['workId']}", headers=auth)
        assert answer.status_code == 200, answer.text
        answer = await a.client.get(path)
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]


async def test_each_view_is_counted(tmp_path: Path) -> None:
    """Opening the page counts a view, which the owner's comic shows."""
    async with api(tmp_path) as a:
        auth = await a.login()
        made = await comic(a, auth)
        for _ in range(3):
            await a.client.get(local(made["comicUrl"]))
        again = await a.ok("GET", f"/api/comics/{made['comicId']}", auth)
        assert again["viewCount"] == made["viewCount"] + 3
