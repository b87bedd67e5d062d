"""The composition root: the one place that chooses adapters, from settings."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

import attrs
import httpx

from adapters.demo import load_demo_library
from adapters.memory import (
    DevelopmentIdentityProvider,
    InProcessTaskQueue,
    MemoryCache,
    MemoryQuotaLedger,
    MemoryStore,
    MemoryUnitOfWorkFactory,
    ScriptedWorkflowRunner,
    SystemClock,
    UuidGenerator,
)
from adapters.memory.idempotency import MemoryIdempotencyStore
from adapters.storage import LocalDiskStorage
from adapters.tokens import JwtTokenIssuer
from adapters.wechat import WeChatIdentityProvider
from entrypoints.settings import ConfigurationError, Settings
from npc_core.model import QuotaPolicy, TaskStatus
from npc_core.ports import Clock, IdempotencyStore, IdentityProvider, Lane, WorkflowRunner
from npc_core.ports.workflows import Workflow
from npc_core.services import CoreSettings, Deps, execute_task

Hook = Callable[[], Awaitable[None]]


@attrs.define
class Container:
    """The wired services and what must happen when the process starts and stops."""

    settings: Settings
    deps: Deps
    files: LocalDiskStorage | None
    idempotency: IdempotencyStore
    runner: InProcessTaskQueue
    description: str
    on_start: list[Hook] = attrs.field(factory=list)
    on_stop: list[Hook] = attrs.field(factory=list)

    async def start(self) -> None:
        """Run the start-up hooks in order."""
        for hook in self.on_start:
            await hook()

    async def stop(self) -> None:
        """Run the shutdown hooks, last registered first."""
        for hook in reversed(self.on_stop):
            await hook()


def _refuse_unbuilt(settings: Settings) -> None:
    unbuilt = {
        "NPC_DATABASE_URL": bool(settings.database_url),
        "NPC_REDIS_URL": bool(settings.redis_url),
        "NPC_DIFY_BASE_URL": bool(settings.dify_base_url or settings.dify_keys),
    }
    for name, is_set in unbuilt.items():
        if is_set:
            raise ConfigurationError(
                f"{name} is set, but this build of npc has no adapter for it yet; "
                "unset it to run the embedded default"
            )


def _dev_secret(data_dir: Path) -> str:
    """A development JWT secret kept under the data folder, so tokens survive restarts."""
    path = data_dir / "dev-jwt-secret"
    if path.exists():
        return path.read_text("ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret, "ascii")
    path.chmod(0o600)
    return secret


def _workflows(settings: Settings) -> WorkflowRunner:
    runner = ScriptedWorkflowRunner()
    if not settings.offline_workflows:
        runner.not_configured(*Workflow)
    return runner


def build(
    settings: Settings,
    *,
    workflows: WorkflowRunner | None = None,
    clock: Clock | None = None,
    identity: IdentityProvider | None = None,
) -> Container:
    """Wire npc from settings; tests may pass their own workflow runner, clock or identity."""
    _refuse_unbuilt(settings)
    clock = clock or SystemClock()
    on_start: list[Hook] = []
    on_stop: list[Hook] = []
    secret = settings.jwt_secret.value or _dev_secret(settings.data_dir)
    tokens = JwtTokenIssuer(
        secret, clock, settings.jwt_ttl_seconds, allow_short_secret=not settings.production
    )
    if identity is None and settings.wechat_app_id:
        client = httpx.AsyncClient(timeout=10.0)
        on_stop.append(client.aclose)
        # httpx logs request URLs, and WeChat takes the app secret in the query string.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        identity = WeChatIdentityProvider(
            client,
            settings.wechat_app_id,
            settings.wechat_app_secret.value,
            settings.wechat_base_url,
        )
    identity = identity or DevelopmentIdentityProvider()
    signing_key = hmac.new(secret.encode(), b"npc-file-urls", hashlib.sha256).digest()
    files = LocalDiskStorage(
        settings.data_dir / "files", settings.public_base_url, signing_key, clock
    )
    store = MemoryStore()
    holder: dict[str, Deps] = {}

    async def run(task_id: str) -> object:
        return await execute_task(holder["deps"], task_id)

    runner = InProcessTaskQueue(run, concurrency=settings.task_concurrency)
    deps = Deps(
        uow=MemoryUnitOfWorkFactory(store),
        workflows=workflows or _workflows(settings),
        storage=files,
        cache=MemoryCache(clock),
        queue=runner,
        ledger=MemoryQuotaLedger(),
        identity=identity,
        tokens=tokens,
        clock=clock,
        ids=UuidGenerator(),
        settings=CoreSettings(
            quota=QuotaPolicy(settings.free_daily_quota, settings.premium_daily_quota),
            public_base_url=settings.public_base_url,
        ),
        probes={"storage": files.ping},
    )
    holder["deps"] = deps

    async def load_library() -> None:
        async with deps.uow() as uow:
            if await uow.movies.get("00000000-0000-4000-8000-00000000f001") is None:
                await load_demo_library(uow)
                await uow.commit()

    async def resume_pending() -> None:
        async with deps.uow() as uow:
            pending = await uow.tasks.with_status(TaskStatus.PENDING, 10_000)
        for task in pending:
            await runner.enqueue(
                task.id, Lane(str(task.payload.get("lane", "free"))), task.priority
            )

    if settings.demo_library:
        on_start.append(load_library)
    on_start.extend([files.ping, runner.start, resume_pending])
    on_stop.append(runner.stop)
    description = (
        "embedded default: in-memory data (lost on restart), local files under "
        f"{settings.data_dir / 'files'}, in-process tasks, "
        + ("offline workflow engine" if settings.offline_workflows else "no workflows configured")
        + (", WeChat login" if settings.wechat_app_id else ", development login (any code)")
    )
    return Container(
        settings, deps, files, MemoryIdempotencyStore(clock), runner, description, on_start, on_stop
    )
