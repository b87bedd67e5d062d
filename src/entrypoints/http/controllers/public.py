"""Public, unauthenticated routes: health, readiness and the files of local-disk storage."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, QueryParameter

from entrypoints.http import errors
from entrypoints.http.dependencies import container_of
from entrypoints.http.ranges import file_response
from entrypoints.http.wire.results import HealthResponse, ReadyResponse
from npc_core.errors import NotFound
from npc_core.services import Deps, liveness, readiness


class HealthController(Controller):
    tags = ["health"]

    @get(
        "/health",
        operation_id="health",
        responses=errors.PLAIN,
        summary="The process is up",
        cache_control=None,
    )
    async def health(self) -> HealthResponse:
        await liveness()
        return HealthResponse(status="ok")

    @get(
        "/ready",
        operation_id="ready",
        responses={
            **errors.PLAIN,
            503: ResponseSpec(
                ReadyResponse,
                description="A dependency does not answer; `checks` says which.",
                generate_examples=False,
            ),
        },
        summary="Each configured dependency answers",
        description="200 `ready`; 200 `degraded` when only the cache fails (reads then go to "
        "the database); 503 `degraded` when a dependency the API needs fails.",
    )
    async def ready(self, deps: NamedDependency[Deps]) -> Response[ReadyResponse]:
        report = await readiness(deps)
        body = ReadyResponse(
            status="degraded" if report.degraded else "ready",
            checks={**report.checks, **report.optional},
        )
        # Without its cache the API still serves, only slower: it stays in the balancer.
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
        range_header: Annotated[str | None, HeaderParameter(name="range")] = None,
    ) -> Response[bytes]:
        files = container_of(state).files
        key = key.lstrip("/")
        if files is None or not files.verify(key, expires, signature):
            raise NotFound("file", key)
        data, content_type = await files.open(key)
        return file_response(
            data, content_type, range_header, {"Cache-Control": "private, max-age=3600"}
        )
