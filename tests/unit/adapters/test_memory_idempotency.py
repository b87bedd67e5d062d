"""The in-memory idempotency store against the idempotency contract."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.memory import ManualClock
from adapters.memory.idempotency import MemoryIdempotencyStore
from npc_core.ports import IdempotencyStore
from tests.contracts.idempotency import IdempotencyContract


class TestMemoryIdempotency(IdempotencyContract):
    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock()

    @pytest.fixture
    def idempotency(self, clock: ManualClock) -> IdempotencyStore:
        return MemoryIdempotencyStore(clock)

    @pytest.fixture
    def advance(self, clock: ManualClock) -> Callable[[float], None]:
        def advance(seconds: float) -> None:
            clock.advance(seconds)

        return advance
