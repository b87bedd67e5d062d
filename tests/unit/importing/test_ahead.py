"""`ahead`: work done in a thread a few items in advance, handed over in order."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import pytest

from adapters.sql.bulk.ahead import ahead


def test_results_come_in_order_whatever_each_costs() -> None:
    """Slow and fast items alike come back in the order of the input."""

    def work(n: int) -> int:
        time.sleep(0.001 * (n % 3))
        return n * n

    assert list(ahead(range(20), work, depth=3)) == [n * n for n in range(20)]


def test_work_runs_in_another_thread_while_the_consumer_waits() -> None:
    """The next item is being worked on before the consumer asks for it."""
    started = threading.Event()

    def work(n: int) -> int:
        if n == 1:
            started.set()
        return n

    results = ahead(range(3), work)
    assert next(results) == 0
    assert started.wait(timeout=5)
    assert list(results) == [1, 2]


def test_an_error_of_the_items_or_the_work_comes_where_its_item_would() -> None:
    """Results before the failure are handed over first, then the error is raised."""

    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("disk gone")

    results = ahead(items(), lambda n: n)
    assert next(results) == 1
    assert next(results) == 2
    with pytest.raises(OSError, match="disk gone"):
        next(results)
    with pytest.raises(ZeroDivisionError):
        list(ahead([1, 0], lambda n: 1 // n))


def test_closing_early_stops_the_thread_and_restores_the_switch_interval() -> None:
    """A consumer that stops leaves no thread behind and the interpreter as it was."""
    before = sys.getswitchinterval()
    results = ahead(iter(range(10**9)), lambda n: n, depth=2)
    assert next(results) == 0
    assert sys.getswitchinterval() < before
    results.close()
    assert sys.getswitchinterval() == before
    assert not [t for t in threading.enumerate() if t.name == "npc-import-ahead"]
