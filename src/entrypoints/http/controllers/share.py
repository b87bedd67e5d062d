"""The public share page of an audio comic: a phone-sized HTML5 player, served whole by npc.

The page brings everything it needs: its stylesheet and script are inline, allowed by
their hashes in the Content-Security-Policy (nothing else may run, and no CDN is
involved); the panels and the audio come from storage's signed URLs. The timeline is
the one `GET /api/comics/{id}` returns (same presenter, same wire type), embedded as
JSON. Comic text is AI output: it is HTML-escaped wherever it lands in markup, and the
JSON block has `<`, `>` and `&` escaped so no caption can close the block or open a tag.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from collections.abc import Sequence
from importlib import resources
from typing import Final
from urllib.parse import urlsplit

import attrs
import msgspec
from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath

from entrypoints.http import errors, present
from npc_core.errors import NotFound
from npc_core.services import ComicView, Deps, open_shared_comic

_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{16,128}")
_NETLOC: Final = re.compile(r"[A-Za-z0-9.:\[\]-]+")
DEFAULT_TITLE: Final = "有声漫画"
DEFAULT_DESCRIPTION: Final = "来听听角色的内心独白"
DESCRIPTION_CHARS: Final = 60
_JSON_ESCAPES: Final = ((b"&", b"\\u0026"), (b"<", b"\\u003c"), (b">", b"\\u003e"))
_COMMON_HEADERS: Final = {
    "Cache-Control": "no-store",  # signed URLs inside expire, and each view is counted
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Robots-Tag": "noindex",  # shared by link, not for search engines
}


@attrs.frozen
class _Assets:
    css: str
    js: str
    css_source: str  # its CSP hash
    js_source: str


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@functools.cache
def _assets() -> _Assets:
    """The player's stylesheet and script, read once from the package."""
    folder = resources.files("entrypoints.http").joinpath("assets")
    css = folder.joinpath("share-player.css").read_text("utf-8")
    js = folder.joinpath("share-player.js").read_text("utf-8")
    return _Assets(css, js, _csp_hash(css), _csp_hash(js))


def _origin(url: str) -> str:
    """The CSP source for a file URL: its origin, or 'self' for a root-relative one."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        return "'self'"
    if not _NETLOC.fullmatch(parts.netloc):
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{parts.netloc}"


def _policy(assets: _Assets, image_urls: Sequence[str], audio_url: str | None) -> str:
    images = " ".join([*sorted({_origin(u) for u in image_urls}), "data:"])
    media = _origin(audio_url) if audio_url else "'none'"
    return (
        f"default-src 'none'; script-src {assets.js_source}; style-src {assets.css_source}; "
        f"img-src {images}; media-src {media}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def _json_block(value: object) -> str:
    """JSON that is inert inside `<script type="application/json">`, whatever its strings hold."""
    encoded = msgspec.json.encode(value)
    for raw, escaped in _JSON_ESCAPES:
        encoded = encoded.replace(raw, escaped)
    return encoded.decode("utf-8")


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def _description(view: ComicView) -> str:
    first = next((s.caption for s in view.comic.timeline if s.caption), "")
    if not first:
        return DEFAULT_DESCRIPTION
    return first if len(first) <= DESCRIPTION_CHARS else first[: DESCRIPTION_CHARS - 1] + "…"


def render_player(view: ComicView) -> tuple[str, str]:
    """The player page of a comic and its Content-Security-Policy."""
    assets = _assets()
    answer = present.comic(view)  # what the mini-program's own player gets
    data = {
        "title": view.title,
        "durationMs": answer.duration_ms,
        "audioUrl": answer.audio_url,
        "panelUrls": answer.panel_urls,
        "timeline": answer.timeline,
    }
    e = functools.partial(html.escape, quote=True)
    title = view.title or DEFAULT_TITLE
    description = _description(view)
    first = answer.timeline[0]
    emotion_hidden = "" if first.emotion else " hidden"
    caption_hidden = "" if first.caption else " hidden"
    cover_image = answer.panel_urls[first.panel] if answer.panel_urls else ""
    panels = "".join(
        f'<img class="panel{" on" if n == first.panel else ""}" src="{e(url)}" '
        f'alt="第{n + 1}格" data-panel="{n}" decoding="async" '
        f'aria-hidden="{"false" if n == first.panel else "true"}">'
        for n, url in enumerate(answer.panel_urls)
    )
    page = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
<meta name="format-detection" content="telephone=no">
<meta name="theme-color" content="#17141f">
<meta name="robots" content="noindex">
<title>{e(title)}</title>
<meta name="description" content="{e(description)}">
<meta property="og:type" content="website">
<meta property="og:site_name" content="NPC看电影">
<meta property="og:title" content="{e(title)}">
<meta property="og:description" content="{e(description)}">
<meta property="og:image" content="{e(cover_image)}">
<meta property="og:url" content="{e(view.share_url)}">
<meta property="og:audio" content="{e(answer.audio_url)}">
<meta itemprop="name" content="{e(title)}">
<meta itemprop="description" content="{e(description)}">
<meta itemprop="image" content="{e(cover_image)}">
<link rel="icon" href="data:,">
<style>{assets.css}</style>
</head>
<body>
<main class="player" id="player" data-state="paused">
<header class="top"><h1>{e(title)}</h1>
<p>有声漫画 · {len(answer.panel_urls)} 格 · {_clock(answer.duration_ms)}</p></header>
<figure class="stage" id="stage" data-panel="{first.panel}" data-span="0">{panels}
<span class="emotion" id="emotion"{emotion_hidden}>{e(first.emotion or "")}</span>
<figcaption class="caption" id="caption" data-span="0" aria-live="polite"{caption_hidden}>\
{e(first.caption)}</figcaption>
<button class="cover" id="cover" type="button" aria-label="播放"></button>
</figure>
<div class="controls">
<button class="toggle" id="toggle" type="button" aria-label="播放" aria-pressed="false"></button>
<div class="track"><input class="seek" id="seek" type="range" min="0" \
max="{answer.duration_ms}" step="10" value="0" aria-label="进度"><div class="ticks" id="ticks">\
</div></div>
<time class="clock" id="clock">0:00 / {_clock(answer.duration_ms)}</time>
</div>
<audio id="audio" src="{e(answer.audio_url)}" preload="auto"></audio>
<p class="note">NPC看电影 · 角色的内心独白</p>
</main>
<script type="application/json" id="comic-data">{_json_block(data)}</script>
<script>{assets.js}</script>
</body>
</html>
"""
    return page, _policy(assets, answer.panel_urls, answer.audio_url)


def render_missing() -> tuple[str, str]:
    """The page for an unknown or withdrawn share link, and its Content-Security-Policy."""
    assets = _assets()
    page = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>作品不存在</title>
<link rel="icon" href="data:,">
<style>{assets.css}</style>
</head>
<body>
<main class="missing"><h1>这个作品不存在或已被删除</h1>
<p>分享链接可能已失效。</p></main>
</body>
</html>
"""
    return page, _policy(assets, (), None)


def _html(page: str, policy: str, status_code: int = 200) -> Response[str]:
    return Response(
        page,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={**_COMMON_HEADERS, "Content-Security-Policy": policy},
    )


class ShareController(Controller):
    tags = ["share"]

    @get(
        "/s/{token:str}",
        operation_id="sharePage",
        responses={
            **errors.PUBLIC_LIST,
            404: ResponseSpec(
                str,
                description="A page saying the comic does not exist or was deleted.",
                media_type=MediaType.HTML,
                generate_examples=False,
            ),
        },
        media_type=MediaType.HTML,
        summary="The public audio-comic player page",
        description="An HTML5 player for phones: the voice, the panel and caption of the "
        "moment, play/pause and seeking, with share tags (og:*, itemprop) for WeChat. "
        "No login. An unknown or deleted comic answers a 404 page, also HTML.",
    )
    async def page(
        self,
        deps: NamedDependency[Deps],
        token: FromPath[str],
    ) -> Response[str]:
        if _TOKEN.fullmatch(token):
            try:
                view = await open_shared_comic(deps, token)
            except NotFound:
                pass
            else:
                return _html(*render_player(view))
        return _html(*render_missing(), status_code=404)
