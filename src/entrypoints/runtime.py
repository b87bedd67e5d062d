"""How npc serves: process tuning and the ASGI server, for `npc serve` and the benchmarks."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from litestar import Litestar

# Requests that wait a second on a workflow outlive young collections, so the default
# thresholds run a full collection about once a second under load, each scanning the
# whole start-up heap: measured at 37% of the server's CPU with stalls of up to 0.9 s.
# Freezing the start-up heap and collecting the oldest generation less often cut that
# to 10% with pauses of about 11 ms (benchmarks/bench_http.py).
# The youngest generation's threshold, Python's 700, is crossed by what 32 requests in
# flight hold at once, so each request paid for a collection of the others' objects:
# under bench_search's HTTP search (gc.callbacks, 13 s of load, two runs each) 384-443
# young collections took 316-332 ms, about 2.5% of the time; at 7,000, 6 took 13-16 ms,
# the longest 5 ms. Objects that die young are freed by reference counts either way.
GC_THRESHOLDS: Final = (7000, 10, 1000)
# A burst of a thousand new connections must not find the listen queue full.
BACKLOG: Final = 4096


def tune_gc() -> None:
    """Move everything alive now out of the collector's sight and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(app: Litestar, host: str, port: int, *, graceful_seconds: int = 15) -> None:
    """Serve `app` until SIGINT/SIGTERM, tuned as every npc API process is."""
    import uvicorn  # noqa: PLC0415 - only serving needs the server

    # After the container has started, before serving: the start-up heap is final.
    app.on_startup.append(tune_gc)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        backlog=BACKLOG,
        timeout_graceful_shutdown=graceful_seconds,
    )
