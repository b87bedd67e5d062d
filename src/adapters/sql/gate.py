"""A first-come, first-served line in front of a fixed connection pool.

SQLAlchemy's asyncio pool hands a returned connection to whichever coroutine asks
next: its queue wakes the longest waiter, but a coroutine that runs before that waiter
takes the connection, and the waiter goes back to the end of the line. With more units
of work at once than connections, some wait turn after turn. `asyncio.Semaphore` serves
waiters in arrival order, so units of work line up here and the pool itself never has a
waiter.

Measured with `bench_search`'s HTTP search (32 connections, one process, pool of 10):
through the pool's queue with 10 overflow connections (170-250 of them opened and
closed in 12 s as the load moved), p50 33 ms and p99 130 ms; through this line on a
fixed pool, p50 36 ms and p99 47 ms.
"""

from __future__ import annotations

import asyncio
from typing import Final
from weakref import WeakKeyDictionary

from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

# As long as the pool itself would wait for a connection (`create_engine`'s pool_timeout).
WAIT_SECONDS: Final = 30.0

# Per engine: its connections, and its line in each event loop that used it.
_lines: WeakKeyDictionary[
    AsyncEngine, tuple[int, dict[asyncio.AbstractEventLoop, asyncio.Semaphore]]
] = WeakKeyDictionary()


def line_up(engine: AsyncEngine, connections: int) -> None:
    """Make units of work on `engine` wait in line for one of its `connections`."""
    _lines[engine] = (connections, {})


async def enter(engine: AsyncEngine) -> asyncio.Semaphore | None:
    """Wait for a turn on `engine`; what `leave` takes back (None when it has no line).

    A semaphore belongs to one event loop, so each loop using the engine has its own.
    """
    found = _lines.get(engine)
    if found is None:
        return None
    size, loops = found
    loop = asyncio.get_running_loop()
    line = loops.get(loop)
    if line is None:
        line = loops[loop] = asyncio.Semaphore(size)
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            await line.acquire()
    except TimeoutError:
        raise PoolTimeout(
            f"no database connection free within {WAIT_SECONDS:g} s ({size} in the pool)"
        ) from None
    return line


def leave(line: asyncio.Semaphore | None) -> None:
    """Give the turn taken by `enter` to the next in line."""
    if line is not None:
        line.release()
