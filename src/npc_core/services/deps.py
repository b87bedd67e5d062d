"""What the use cases need: ports and the core's settings, bundled once by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import attrs

from npc_core.model import QuotaPolicy
from npc_core.ports import (
    Cache,
    Clock,
    IdentityProvider,
    IdGenerator,
    ObjectStorage,
    QuotaLedger,
    TaskQueue,
    TokenIssuer,
    UnitOfWorkFactory,
    WorkflowRunner,
)

Probe = Callable[[], Awaitable[None]]


@attrs.frozen
class CoreSettings:
    """The settings the use cases read (the composition root builds them from NPC_* variables)."""

    quota: QuotaPolicy = QuotaPolicy()
    public_base_url: str = "http://127.0.0.1:8000"
    analysis_line_limit: int = 200  # lines of a character sent to the analysis workflow
    task_max_retries: int = 3
    file_url_ttl_seconds: int = 3600


@attrs.frozen
class Deps:
    """Every port a use case may call."""

    uow: UnitOfWorkFactory
    workflows: WorkflowRunner
    storage: ObjectStorage
    cache: Cache
    queue: TaskQueue
    ledger: QuotaLedger
    identity: IdentityProvider
    tokens: TokenIssuer
    clock: Clock
    ids: IdGenerator
    settings: CoreSettings = CoreSettings()
    probes: Mapping[str, Probe] = attrs.field(factory=dict)
