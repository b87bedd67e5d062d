"""Contract of the quota ledger: atomic per-user, per-day counters."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from npc_core.ports import QuotaLedger

DAY = date(2025, 3, 1)


class LedgerContract:
    """What every `QuotaLedger` promises; subclasses bind the `ledger` fixture."""

    @pytest.fixture
    def ledger(self) -> QuotaLedger:
        raise NotImplementedError("bind ledger to the adapter under test")

    async def test_reservations_stop_at_the_limit(self, ledger: QuotaLedger) -> None:
        """Reservations succeed until `limit` are taken, then fail without counting."""
        results = [await ledger.try_reserve("u1", DAY, 3) for _ in range(5)]
        assert results == [True, True, True, False, False]
        assert await ledger.used("u1", DAY) == 3

    async def test_concurrent_reservations_never_exceed_the_limit(
        self, ledger: QuotaLedger
    ) -> None:
        """Of 50 concurrent reservations against a limit of 10, exactly 10 succeed."""
        results = await asyncio.gather(*(ledger.try_reserve("u1", DAY, 10) for _ in range(50)))
        assert results.count(True) == 10
        assert await ledger.used("u1", DAY) == 10

    async def test_release_gives_one_back(self, ledger: QuotaLedger) -> None:
        """A released action may be reserved again."""
        for _ in range(2):
            await ledger.try_reserve("u1", DAY, 2)
        await ledger.release("u1", DAY)
        assert await ledger.used("u1", DAY) == 1
        assert await ledger.try_reserve("u1", DAY, 2)
        assert not await ledger.try_reserve("u1", DAY, 2)

    async def test_release_never_goes_below_zero(self, ledger: QuotaLedger) -> None:
        """Releasing more than was reserved leaves the count at zero, not negative."""
        await ledger.release("u1", DAY)
        assert await ledger.used("u1", DAY) == 0
        assert await ledger.try_reserve("u1", DAY, 1)
        assert not await ledger.try_reserve("u1", DAY, 1)

    async def test_counts_are_per_user_and_per_day(self, ledger: QuotaLedger) -> None:
        """One user's use, or yesterday's, does not touch another's quota."""
        assert await ledger.try_reserve("u1", DAY, 1)
        assert await ledger.try_reserve("u2", DAY, 1)
        assert await ledger.try_reserve("u1", date(2025, 3, 2), 1)
        assert await ledger.used("u1", DAY) == 1
        assert await ledger.used("nobody", DAY) == 0

    async def test_a_zero_limit_allows_nothing(self, ledger: QuotaLedger) -> None:
        """With a limit of 0 every reservation fails."""
        assert not await ledger.try_reserve("u1", DAY, 0)
        assert await ledger.used("u1", DAY) == 0
