"""Process tuning for a long-running server."""

from __future__ import annotations

import gc
from typing import Final

# Requests that wait a second on a workflow outlive young collections, so the default
# thresholds run a full collection about once a second under load, each scanning the
# whole start-up heap: measured at 37% of the server's CPU with stalls of up to 0.9 s.
# Freezing the start-up heap and collecting the oldest generation less often cut that
# to 10% with pauses of about 11 ms (benchmarks/bench_http.py).
GC_THRESHOLDS: Final = (700, 10, 1000)


def tune_gc() -> None:
    """Move everything alive now out of the collector's sight and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
