"""The composition root: the one place that chooses adapters, from settings."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import attrs
import httpx
from sqlalchemy import make_url, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.demo import load_demo_library
from adapters.dify import DifyWorkflowRunner
from adapters.dify import new_client as new_dify_client
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
from adapters.redis.cache import RedisCache
from adapters.redis.client import connect
from adapters.redis.idempotency import RedisIdempotencyStore
from adapters.redis.ledger import RedisQuotaLedger
from adapters.redis.queue import JobPolicy, SaqTaskQueue
from adapters.sql import SqlQuotaLedger, SqlUnitOfWorkFactory, create_engine
from adapters.sql.engine import is_sqlite, sqlite_file_url
from adapters.storage import LocalDiskStorage
from adapters.tokens import JwtTokenIssuer
from adapters.wechat import WeChatIdentityProvider
from entrypoints.database import prepare as prepare_database
from entrypoints.settings import ConfigurationError, Settings
from npc_core.errors import Conflict
from npc_core.model import PageRequest, QuotaPolicy
from npc_core.ports import (
    Cache,
    Clock,
    IdempotencyStore,
    IdentityProvider,
    ObjectStorage,
    QuotaLedger,
    TaskQueue,
    UnitOfWorkFactory,
    WorkflowRunner,
)
from npc_core.ports.workflows import Workflow
from npc_core.services import CoreSettings, Deps, execute_task, reconcile

Hook = Callable[[], Awaitable[None]]


@attrs.define
class Container:
    """The wired services and what must happen when the process starts and stops."""

    settings: Settings
    deps: Deps
    files: LocalDiskStorage | None
    idempotency: IdempotencyStore
    runner: InProcessTaskQueue | None  # the embedded mode's; None when workers run tasks
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


def database_url(configured: str, data_dir: Path) -> str:
    """`NPC_DATABASE_URL`, or the embedded SQLite file under the data folder."""
    return configured or sqlite_file_url(data_dir / "npc.sqlite3")


@attrs.frozen
class _Data:
    """Where the data lives: the unit of work, the quota ledger and their lifecycle."""

    uow: UnitOfWorkFactory
    ledger: QuotaLedger
    description: str
    on_start: tuple[Hook, ...] = ()
    on_stop: tuple[Hook, ...] = ()
    probes: dict[str, Hook] = attrs.field(factory=dict)


def _sql_data(settings: Settings) -> _Data:
    url = database_url(settings.database_url.value, settings.data_dir)
    try:
        engine = create_engine(url, pool_size=settings.database_pool_size)
    except (ArgumentError, ValueError) as error:
        raise ConfigurationError(f"NPC_DATABASE_URL is not usable: {error}") from None
    if is_sqlite(url):
        embedded = "embedded default: " if not settings.database_url else ""
        description = f"{embedded}SQLite data in {make_url(url).database}"
    else:
        description = f"data in {make_url(url).render_as_string(hide_password=True)}"

    async def start() -> None:
        await asyncio.to_thread(prepare_database, url)

    async def ping() -> None:
        await _ping(engine)

    return _Data(
        SqlUnitOfWorkFactory(engine),
        SqlQuotaLedger(engine),
        description,
        on_start=(start,),
        on_stop=(engine.dispose,),
        probes={"database": ping},
    )


async def _ping(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def _memory_data(store: MemoryStore) -> _Data:
    return _Data(
        MemoryUnitOfWorkFactory(store),
        MemoryQuotaLedger(),
        "in-memory data (lost on restart)",
    )


def _workflows(settings: Settings) -> WorkflowRunner:
    runner = ScriptedWorkflowRunner()
    if not settings.offline_workflows:
        runner.not_configured(*Workflow)
    return runner


def _dify_runner(settings: Settings, on_stop: list[Hook]) -> WorkflowRunner | None:
    """Dify workflow apps when NPC_DIFY_BASE_URL is set, over one shared client.

    A workflow without its NPC_DIFY_KEY_* answers `workflow_not_configured`, except
    in development with offline workflows allowed, where the offline engine answers.
    """
    if not settings.dify_base_url:
        if settings.dify_keys:
            raise ConfigurationError("NPC_DIFY_BASE_URL is required with NPC_DIFY_KEY_* settings")
        return None
    unknown = sorted(set(settings.dify_keys) - {w.value for w in Workflow})
    if unknown:
        names = ", ".join(f"NPC_DIFY_KEY_{name.upper()}" for name in unknown)
        raise ConfigurationError(f"{names}: no such workflow (see DIFY.md Part B)")
    offline = settings.offline_workflows and not settings.production
    keys = {name: key.value for name, key in settings.dify_keys.items()}
    client = new_dify_client()
    try:
        runner = DifyWorkflowRunner(
            client, settings.dify_base_url, keys, fallback=_workflows(settings) if offline else None
        )
    except ValueError as error:
        raise ConfigurationError(f"NPC_DIFY_BASE_URL: {error}") from None
    on_stop.append(client.aclose)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per run is ours (adapters.dify)
    return runner


def _storage(
    settings: Settings, signing_key: bytes, clock: Clock, on_stop: list[Hook]
) -> tuple[ObjectStorage, LocalDiskStorage | None]:
    """Aliyun OSS when NPC_OSS_BUCKET is set, else local disk; the second is what /files serves."""
    if not settings.oss_bucket:
        files = LocalDiskStorage(settings.files_dir, settings.public_base_url, signing_key, clock)
        return files, files
    # oss2 takes a noticeable fraction of a second to import: only configured deployments pay.
    from adapters.storage.oss import OssConfig, OssStorage  # noqa: PLC0415

    config = OssConfig(
        endpoint=settings.oss_endpoint,
        bucket=settings.oss_bucket,
        region=settings.oss_region,
        access_key_id=settings.oss_access_key_id,
        access_key_secret=settings.oss_access_key_secret.value,
        custom_domain=settings.oss_custom_domain,
    )
    try:
        storage = OssStorage(config)
    except ValueError as error:
        raise ConfigurationError(f"NPC_OSS_*: {error}") from None
    on_stop.append(storage.close)
    logging.getLogger("oss2").setLevel(logging.WARNING)  # it logs each 404 of a HEAD at INFO
    return storage, None


@attrs.frozen
class _Shared:
    """What API processes and workers share through Redis."""

    queue: SaqTaskQueue
    cache: Cache
    ledger: QuotaLedger
    idempotency: IdempotencyStore
    description: str
    probes: dict[str, Hook]


def _redis_services(settings: Settings, data: _Data, on_stop: list[Hook]) -> _Shared:
    """The saq task queue, cache, quota counters and idempotency keys on NPC_REDIS_URL."""
    url = settings.redis_url.value
    try:
        redis, blocking = connect(url), connect(url, blocking=True)
    except ValueError as error:
        raise ConfigurationError(f"NPC_REDIS_URL is not usable: {error}") from None
    on_stop.extend([redis.aclose, blocking.aclose])
    queue = SaqTaskQueue(
        blocking,
        JobPolicy(timeout=settings.task_timeout_seconds, heartbeat=settings.task_heartbeat_seconds),
    )
    on_stop.append(queue.close)
    parts = urlsplit(url)
    shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()  # no password
    cache = RedisCache(redis)
    return _Shared(
        queue=queue,
        cache=cache,
        # Redis arbitrates between processes; the database keeps the count through restarts.
        ledger=RedisQuotaLedger(redis, data.ledger),
        idempotency=RedisIdempotencyStore(redis),
        description=f"tasks on saq at {shown} (run `npc worker`)",
        probes={"queue": queue.ping, "cache": cache.ping},
    )


def build(
    settings: Settings,
    *,
    workflows: WorkflowRunner | None = None,
    clock: Clock | None = None,
    identity: IdentityProvider | None = None,
    store: MemoryStore | None = None,
) -> Container:
    """Wire npc from settings; tests may pass their own workflow runner, clock or identity.

    Data lives in the database `NPC_DATABASE_URL` names, by default a SQLite file under
    the data folder; a test may pass a `MemoryStore` to keep it in memory instead.
    """
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
    storage, files = _storage(settings, signing_key, clock, on_stop)
    data = _sql_data(settings) if store is None else _memory_data(store)
    holder: dict[str, Deps] = {}

    async def run(task_id: str) -> object:
        return await execute_task(holder["deps"], task_id)

    shared = _redis_services(settings, data, on_stop) if settings.redis_url else None
    runner: InProcessTaskQueue | None = None
    queue: TaskQueue
    if shared:
        queue = shared.queue
    else:
        queue = runner = InProcessTaskQueue(run, concurrency=settings.task_concurrency)
    deps = Deps(
        uow=data.uow,
        workflows=workflows or _dify_runner(settings, on_stop) or _workflows(settings),
        storage=storage,
        cache=shared.cache if shared else MemoryCache(clock),
        queue=queue,
        ledger=shared.ledger if shared else data.ledger,
        identity=identity,
        tokens=tokens,
        clock=clock,
        ids=UuidGenerator(),
        settings=CoreSettings(
            quota=QuotaPolicy(settings.free_daily_quota, settings.premium_daily_quota),
            public_base_url=settings.public_base_url,
            file_url_ttl_seconds=settings.storage_url_ttl_seconds,
        ),
        probes={**data.probes, **(shared.probes if shared else {}), "storage": storage.ping},
    )
    holder["deps"] = deps

    async def load_library() -> None:
        # Another process starting at the same time may load it first: then ours conflicts.
        with contextlib.suppress(Conflict):
            async with deps.uow() as uow:
                if (await uow.movies.recommended(PageRequest(1, 1))).total:
                    return  # the demo goes only into an empty library
                await load_demo_library(uow)
                await uow.commit()

    async def resume_unfinished() -> None:
        # Tasks left pending or processing by the last run of this process.
        await reconcile(deps, older_than=timedelta(0))

    on_start.extend(data.on_start)
    on_stop.extend(data.on_stop)  # registered before the runner's, so it runs after it
    if settings.demo_library:
        on_start.append(load_library)
    on_start.append(storage.ping)
    if runner is not None:
        on_start.extend([runner.start, resume_unfinished])
        on_stop.append(runner.stop)
    description = ", ".join(
        [
            data.description,
            f"OSS bucket {settings.oss_bucket}"
            if settings.oss_bucket
            else f"local files under {settings.files_dir}",
            shared.description if shared else "in-process tasks",
            f"Dify workflows at {settings.dify_base_url}"
            if settings.dify_base_url
            else "offline workflow engine"
            if settings.offline_workflows
            else "no workflows configured",
            "WeChat login" if settings.wechat_app_id else "development login (any code)",
        ]
    )
    return Container(
        settings,
        deps,
        files,
        shared.idempotency if shared else MemoryIdempotencyStore(clock),
        runner,
        description,
        on_start,
        on_stop,
    )
