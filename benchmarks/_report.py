"""How every benchmark reports: nearest-rank percentiles and PASS/FAIL against an aim."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def percentile(samples: list[float], q: float) -> float:
    """The `q` quantile (0-1) of `samples` by nearest rank.

    That is the smallest sample with at least a fraction `q` of the samples at or below it.
    """
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text("ascii").rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(
    *pids: int, at_least: float = 0.0, window: float = 0.5, busy: float = 0.05, most: float = 15.0
) -> float:
    """Wait `at_least` seconds, then until every process in `pids` is idle; the seconds it took.

    Idle: under `busy` of one CPU over a `window`. A load generator's last requests are
    still being served when it stops, and a load started before they end pays for them.
    A request waiting on a slow upstream costs no CPU meanwhile: `at_least` covers that
    wait. Gives up after `most` seconds.
    """
    started = time.monotonic()
    time.sleep(at_least)
    before = [cpu_seconds(pid) for pid in pids]
    while time.monotonic() - started < most:
        time.sleep(window)
        now = [cpu_seconds(pid) for pid in pids]
        if all(end - start < busy * window for start, end in zip(before, now, strict=True)):
            break
        before = now
    return time.monotonic() - started
