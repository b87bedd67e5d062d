"""Contract of every idempotency store: one claim wins, responses replay, keys expire."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from npc_core.ports import IdempotencyStore


class IdempotencyContract:
    """Needs fixtures `idempotency` (an empty store) and `advance` (moves time on, seconds)."""

    @pytest.fixture
    def idempotency(self) -> IdempotencyStore:
        raise NotImplementedError

    @pytest.fixture
    def advance(self) -> Callable[[float], None]:
        raise NotImplementedError

    async def test_only_one_concurrent_claim_wins(self, idempotency: IdempotencyStore) -> None:
        """Of many simultaneous claims of one key exactly one succeeds."""
        results = await asyncio.gather(*(idempotency.claim("u1", "k", 60) for _ in range(20)))
        assert sum(results) == 1

    async def test_saved_response_replays_and_scopes_are_separate(
        self, idempotency: IdempotencyStore
    ) -> None:
        """A saved response loads for its scope and key only; a running claim loads nothing."""
        assert await idempotency.claim("u1", "k", 60)
        assert await idempotency.load("u1", "k") is None
        await idempotency.save("u1", "k", b'{"ok":1}', 60)
        assert await idempotency.load("u1", "k") == b'{"ok":1}'
        assert await idempotency.load("u2", "k") is None
        assert await idempotency.claim("u2", "k", 60)
        assert not await idempotency.claim("u1", "k", 60)

    async def test_forgetting_lets_a_retry_claim(self, idempotency: IdempotencyStore) -> None:
        """After `forget`, the same key can be claimed again."""
        assert await idempotency.claim("u1", "k", 60)
        await idempotency.forget("u1", "k")
        assert await idempotency.claim("u1", "k", 60)

    async def test_keys_expire(
        self, idempotency: IdempotencyStore, advance: Callable[[float], None]
    ) -> None:
        """Past its TTL a saved response is gone and the key is free."""
        assert await idempotency.claim("u1", "k", 60)
        await idempotency.save("u1", "k", b"r", 60)
        advance(61)
        assert await idempotency.load("u1", "k") is None
        assert await idempotency.claim("u1", "k", 60)
