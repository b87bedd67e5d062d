"""How every benchmark reports: nearest-rank percentiles and PASS/FAIL against an aim."""

from __future__ import annotations

import math
import os
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
