"""How many connections wait to be accepted by a local server, sampled during a load.

A load generator's connections are established by the kernel before the server accepts
them; a request sent on one that waits in the listen socket's accept queue counts in the
generator's latency though the server has not seen it. Linux shows the queue's length as
the `rx_queue` of the listening socket in /proc/net/tcp (elsewhere: nothing to sample).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Final

_LISTEN: Final = "0A"
INTERVAL: Final = 0.1


def waiting(port: int) -> int:
    """Connections in the accept queue of the socket listening on `port` (IPv4), or 0."""
    try:
        lines = Path("/proc/net/tcp").read_text("ascii").splitlines()[1:]
    except OSError:
        return 0
    local = f":{port:04X}"
    for line in lines:
        fields = line.split()
        if fields[1].endswith(local) and fields[3] == _LISTEN:
            return int(fields[4].partition(":")[2], 16)
    return 0


@contextmanager
def sampled(port: int) -> Iterator[list[tuple[float, int]]]:
    """(monotonic time, the accept queue's length) about every `INTERVAL` s while the block runs."""
    samples: list[tuple[float, int]] = [(time.monotonic(), waiting(port))]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(INTERVAL):
            samples.append((time.monotonic(), waiting(port)))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()


def summary(samples: list[tuple[float, int]]) -> str:
    """Peak and how long the queue was not empty (from each sample to the next)."""
    if len(samples) < 2:
        return "not sampled"
    busy = sum(later[0] - earlier[0] for earlier, later in pairwise(samples) if earlier[1])
    whole = samples[-1][0] - samples[0][0]
    peak = max(n for _, n in samples)
    return f"peak {peak}, not empty for {busy:.1f} s of {whole:.1f} s"
