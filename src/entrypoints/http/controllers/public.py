"""Public, unauthenticated routes: health, readiness, stored files, the share page."""

from __future__ import annotations

import html
from typing import Annotated

from litestar import Controller, MediaType, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from entrypoints.http.dependencies import container_of
from entrypoints.http.wire.results import HealthResponse, ReadyResponse
from npc_core.errors import NotFound
from npc_core.services import Deps, liveness, open_shared_comic, readiness


class HealthController(Controller):
    tags = ["health"]

    @get("/health", operation_id="health", summary="The process is up", cache_control=None)
    async def health(self) -> HealthResponse:
        await liveness()
        return HealthResponse(status="ok")

    @get("/ready", operation_id="ready", summary="Each configured dependency answers")
    async def ready(self, deps: NamedDependency[Deps]) -> Response[ReadyResponse]:
        report = await readiness(deps)
        body = ReadyResponse(status="ready" if report.ready else "degraded", checks=report.checks)
        return Response(body, status_code=200 if report.ready else 503)


class FilesController(Controller):
    """Files of the local-disk storage, behind signed, expiring URLs."""

    tags = ["files"]
    include_in_schema = False

    @get("/files/{key:path}", operation_id="getFile")
    async def file(
        self,
        state: State,
        key: FromPath[str],
        expires: Annotated[str, QueryParameter(max_length=20)],
        signature: Annotated[str, QueryParameter(max_length=128)],
    ) -> Response[bytes]:
        files = container_of(state).files
        key = key.lstrip("/")
        if files is None or not files.verify(key, expires, signature):
            raise NotFound("file", key)
        data, content_type = await files.open(key)
        return Response(
            data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"}
        )


_NOT_FOUND_PAGE = """<!doctype html><html lang="zh"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>作品不存在</title>
<body style="font-family:sans-serif;text-align:center;padding:3em">
这个作品不存在或已被删除。</body></html>"""


class ShareController(Controller):
    tags = ["share"]

    @get(
        "/s/{token:str}",
        operation_id="sharePage",
        media_type=MediaType.HTML,
        summary="The public audio-comic player page",
    )
    async def page(self, deps: NamedDependency[Deps], token: FromPath[str]) -> Response[str]:
        try:
            view = await open_shared_comic(deps, token)
        except NotFound:
            return Response(_NOT_FOUND_PAGE, status_code=404, media_type=MediaType.HTML)
        panels = "".join(
            f'<img src="{html.escape(u)}" alt="第{i + 1}格" loading="lazy">'
            for i, u in enumerate(view.panel_urls)
        )
        page = (
            '<!doctype html><html lang="zh"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            "<title>有声漫画</title><body>"
            f'<audio controls src="{html.escape(view.audio_url)}"></audio>{panels}</body></html>'
        )
        return Response(page, media_type=MediaType.HTML)
