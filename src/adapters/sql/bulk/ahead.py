"""Work done a few items ahead in a thread, so that Python and the database overlap.

While the writer waits for the database to store a film, the interpreter is free:
reading the next film and building its rows (half of an import's time) can run then.
`ahead` does that work in one thread, a bounded number of items in advance, and hands
the results over in order, exceptions included.

The switch interval: a thread waiting on the database's answer needs the interpreter
lock back as soon as the answer arrives, but a busy thread keeps it for the whole
interval (5 ms by default). With several statements per film that would cost more
than the overlap gains, so it is shortened while `ahead` runs (and restored after).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Generator, Iterable
from typing import Final, Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

SWITCH_INTERVAL: Final = 0.000_1  # seconds
_POLL: Final = 0.1  # how often a blocked producer checks whether it is still wanted


class _Raised:
    """An exception of the producer, to be raised in the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _End:
    """The items ran out."""


class _Box(Generic[U]):
    def __init__(self, value: U) -> None:
        self.value = value


class _Producer(Generic[T, U]):
    """The thread's side: works through the items, hands results over in order."""

    def __init__(self, items: Iterable[T], work: Callable[[T], U], depth: int) -> None:
        self.results: queue.Queue[_Box[U] | _Raised | _End] = queue.Queue(maxsize=depth)
        self.stop = threading.Event()
        self._items = items
        self._work = work

    def _hand_over(self, result: _Box[U] | _Raised | _End) -> bool:
        """Queue `result`; False once the consumer has gone."""
        while not self.stop.is_set():
            try:
                self.results.put(result, timeout=_POLL)
            except queue.Full:
                continue
            return True
        return False

    def run(self) -> None:
        try:
            for item in self._items:
                if not self._hand_over(_Box(self._work(item))):
                    return
        except BaseException as error:  # noqa: BLE001 - every error goes to the consumer
            self._hand_over(_Raised(error))
            return
        self._hand_over(_End())


def ahead(items: Iterable[T], work: Callable[[T], U], depth: int = 2) -> Generator[U, None, None]:
    """`work(item)` for every item, in order, computed up to `depth` items in advance.

    Iterating `items` happens in the thread too (a lazy reader reads there). An
    exception of either is raised here, where its item would have come; closing this
    iterator early stops the thread.
    """
    producer = _Producer(items, work, depth)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, SWITCH_INTERVAL))
    thread = threading.Thread(target=producer.run, name="npc-import-ahead", daemon=True)
    thread.start()
    try:
        while True:
            result = producer.results.get()
            if isinstance(result, _End):
                return
            if isinstance(result, _Raised):
                raise result.error
            yield result.value
    finally:
        producer.stop.set()
        thread.join()
        sys.setswitchinterval(previous)
