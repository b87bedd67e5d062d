"""A complete npc core on in-memory adapters, with the demo library loaded."""

from __future__ import annotations

import attrs

from adapters.demo import load_demo_library
from adapters.demo.library import LAST_LIGHTHOUSE, NIGHT_FERRY, characters
from adapters.memory import (
    DevelopmentIdentityProvider,
    ManualClock,
    MemoryCache,
    MemoryObjectStorage,
    MemoryQuotaLedger,
    MemoryStore,
    MemoryTaskQueue,
    MemoryTokenIssuer,
    MemoryUnitOfWorkFactory,
    ScriptedWorkflowRunner,
    SequentialIds,
)
from npc_core.model import Membership, QuotaPolicy, Task, User
from npc_core.services import CoreSettings, Deps, execute_task, login
from npc_core.services.users import Login

FERRY = NIGHT_FERRY
LIGHTHOUSE = LAST_LIGHTHOUSE
LIN_ZHOU, SU_WAN, CAPTAIN, OLD_ZHOU, XIAO_MAN = (c.id for c in characters())


@attrs.define
class World:
    """The ports, the use cases' deps, and shortcuts tests need."""

    store: MemoryStore
    clock: ManualClock
    workflows: ScriptedWorkflowRunner
    storage: MemoryObjectStorage
    queue: MemoryTaskQueue
    ledger: MemoryQuotaLedger
    deps: Deps

    async def user(self, code: str = "alice", membership: Membership = Membership.FREE) -> User:
        """Log a user in by code (the development identity provider) and set the tier."""
        result = await login(self.deps, Login(code))
        if membership is not result.user.membership:
            async with self.deps.uow() as uow:
                await uow.users.update(attrs.evolve(result.user, membership=membership))
                await uow.commit()
        return self.store.users[result.user.id]

    async def drain(self) -> list[Task | None]:
        """Run every queued task, as a worker would, until the queue is empty."""
        done = []
        while (task_id := self.queue.take()) is not None:
            done.append(await execute_task(self.deps, task_id))
        return done


async def make_world(*, free_daily: int = 5, premium_daily: int = 50) -> World:
    """A fresh world with the demo library and a small free quota."""
    store = MemoryStore()
    clock = ManualClock()
    workflows = ScriptedWorkflowRunner()
    storage = MemoryObjectStorage()
    queue = MemoryTaskQueue()
    ledger = MemoryQuotaLedger()
    deps = Deps(
        uow=MemoryUnitOfWorkFactory(store),
        workflows=workflows,
        storage=storage,
        cache=MemoryCache(clock),
        queue=queue,
        ledger=ledger,
        identity=DevelopmentIdentityProvider(),
        tokens=MemoryTokenIssuer(clock),
        clock=clock,
        ids=SequentialIds(),
        settings=CoreSettings(
            quota=QuotaPolicy(free_daily=free_daily, premium_daily=premium_daily),
            public_base_url="https://npc.example",
        ),
    )
    async with deps.uow() as uow:
        await load_demo_library(uow)
        await uow.commit()
    return World(store, clock, workflows, storage, queue, ledger, deps)
