"""The Litestar application: routes, errors, docs, middleware and lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

from entrypoints.bootstrap import Container
from entrypoints.http.controllers.account import AuthController, ProfileController, WorksController
from entrypoints.http.controllers.cocreation import (
    CharacterCreationController,
    ChatController,
    StoryboardCreationController,
    StoryboardsController,
    StoryController,
)
from entrypoints.http.controllers.dify import DifyController
from entrypoints.http.controllers.generation import (
    AudioController,
    ComicController,
    MonologueController,
    ResultsController,
)
from entrypoints.http.controllers.library import CharactersController, MoviesController
from entrypoints.http.controllers.public import FilesController, HealthController
from entrypoints.http.controllers.share import ShareController
from entrypoints.http.dependencies import provide_deps
from entrypoints.http.errors import HANDLERS
from entrypoints.http.idempotency import idempotency
from entrypoints.http.logs import logger
from entrypoints.http.requests import RequestContext

MAX_BODY_BYTES = 1024 * 1024
DOCS_ASSETS = "/schema/assets"


def create_app(container: Container) -> Litestar:
    """The HTTP app over an already wired container (tests pass their own)."""

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await container.start()
        logger("npc").info(
            "npc started", mode=container.description, env=container.settings.env.value
        )
        try:
            yield
        finally:
            await container.stop()

    settings = container.settings
    return Litestar(
        route_handlers=[
            AuthController,
            ProfileController,
            WorksController,
            MoviesController,
            CharactersController,
            CharacterCreationController,
            DifyController,
            ChatController,
            StoryController,
            StoryboardCreationController,
            StoryboardsController,
            MonologueController,
            AudioController,
            ComicController,
            ResultsController,
            HealthController,
            FilesController,
            ShareController,
            create_static_files_router(
                DOCS_ASSETS, directories=[swagger_ui_path], include_in_schema=False
            ),
        ],
        dependencies={"deps": Provide(provide_deps, use_cache=True)},
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        middleware=[RequestContext, idempotency(container)],
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="npc",
            version=version("npc"),
            description="Backend of NPC看电影. Errors: `{success: false, error: {code, message, "
            "details, requestId}}`. Auth: `Authorization: Bearer <token>` from `/api/auth/login`.",
            path="/schema",
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="The `token` from `POST /api/auth/login`.",
                    )
                }
            ),
            render_plugins=[
                SwaggerRenderPlugin(
                    path="/",
                    js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                    css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                    standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
                    favicon="<link rel='icon' href='data:,'>",  # the default is on a CDN
                )
            ],
        ),
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins))
        if settings.cors_origins
        else None,
        state=State({"container": container}),
        lifespan=[lifespan],
        logging_config=None,  # structlog owns logging (entrypoints.http.logs)
    )
