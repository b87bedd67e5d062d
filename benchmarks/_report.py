"""How every benchmark reports: nearest-rank percentiles and PASS/FAIL against an aim."""

from __future__ import annotations

import math


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def percentile(samples: list[float], q: float) -> float:
    """The `q` quantile (0-1) of `samples` by nearest rank.

    That is the smallest sample with at least a fraction `q` of the samples at or below it.
    """
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]
