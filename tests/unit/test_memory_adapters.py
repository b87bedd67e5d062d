"""The port contracts, run against the in-memory adapters."""

from __future__ import annotations

import pytest

from adapters.memory import (
    ManualClock,
    MemoryCache,
    MemoryObjectStorage,
    MemoryQuotaLedger,
    MemoryTaskQueue,
    MemoryUnitOfWorkFactory,
)
from npc_core.ports import Lane
from tests.contracts.cache import Advance, CacheContract
from tests.contracts.ledger import LedgerContract
from tests.contracts.queue import QueueContract, Take
from tests.contracts.repositories import RepositoryContract
from tests.contracts.storage import StorageContract


class TestMemoryRepositories(RepositoryContract):
    @pytest.fixture
    def uow_factory(self) -> MemoryUnitOfWorkFactory:
        return MemoryUnitOfWorkFactory()


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> MemoryObjectStorage:
        return MemoryObjectStorage()


class TestMemoryCache(CacheContract):
    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock()

    @pytest.fixture
    def cache(self, clock: ManualClock) -> MemoryCache:
        return MemoryCache(clock)

    @pytest.fixture
    def advance(self, clock: ManualClock) -> Advance:
        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        return advance


class TestMemoryQueue(QueueContract):
    @pytest.fixture
    def queue(self) -> MemoryTaskQueue:
        return MemoryTaskQueue()

    @pytest.fixture
    def take(self, queue: MemoryTaskQueue) -> Take:
        async def take(lane: Lane) -> str | None:
            return queue.take(lane)

        return take


class TestMemoryLedger(LedgerContract):
    @pytest.fixture
    def ledger(self) -> MemoryQuotaLedger:
        return MemoryQuotaLedger()
