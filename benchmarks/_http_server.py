"""A server for `bench_http`: npc on in-memory adapters, or a bare Litestar baseline.

Run as `python -m benchmarks._http_server {npc,bare} --port N [...]`; it serves one
uvicorn process on 127.0.0.1 until SIGTERM/SIGINT, as `npc serve` does.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import logging
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Final

import uvicorn
from litestar import Litestar, get, post

from entrypoints.runtime import tune_gc as production_gc

WANTED_FILES: Final = 65536
BENCH_SECRET: Final = "bench-secret-bench-secret-bench-secret-0123"  # noqa: S105 - loopback only
BENCH_QUOTA: Final = 1_000_000


def raise_open_file_limit(wanted: int = WANTED_FILES) -> int:
    """Raise the soft limit on open files towards `wanted` (up to the hard limit); the new soft."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class GcClock:
    """Times the garbage collector; SIGUSR1 writes one `GC_JSON` line of the totals so far.

    Per generation (young, middle, full): `count`, `cpu` seconds (process time),
    `paused` seconds (wall time the event loop stood still), and `longest`, the
    longest pause since the previous line. Lines go to stderr, which the benchmark
    sends to the log file it reads back.
    """

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.cpu = [0.0, 0.0, 0.0]
        self.paused = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._started = (0.0, 0.0)

    def install(self) -> None:
        """Start timing collections and answering SIGUSR1."""
        gc.callbacks.append(self._callback)
        signal.signal(signal.SIGUSR1, self._report)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = (time.perf_counter(), time.process_time())
            return
        generation = info["generation"]
        wall = time.perf_counter() - self._started[0]
        self.count[generation] += 1
        self.cpu[generation] += time.process_time() - self._started[1]
        self.paused[generation] += wall
        self.longest[generation] = max(self.longest[generation], wall)

    def _report(self, _signum: int, _frame: FrameType | None) -> None:
        totals = {
            "count": self.count,
            "cpu": self.cpu,
            "paused": self.paused,
            "longest": self.longest,
        }
        sys.stderr.write(f"GC_JSON {json.dumps(totals)}\n")
        sys.stderr.flush()
        self.longest = [0.0, 0.0, 0.0]


def tune_gc(threshold: tuple[int, int, int]) -> None:
    """What-if: freeze the start-up heap out of collections and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*threshold)


def server_stack() -> tuple[str, str]:
    """The event loop and HTTP parser uvicorn uses here: uvloop/httptools when installed."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return loop, http


def bare_app() -> Litestar:
    """The baseline: the dialogue route that only sleeps a second, and a health route."""

    @post("/api/characters/dialogue-analysis", status_code=200)
    async def sleep_then_answer() -> dict[str, object]:
        await asyncio.sleep(1)
        return {"success": True}

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[sleep_then_answer, health], logging_config=None)


def npc_app(data_dir: Path, latency: float, *, log_requests: bool, in_memory: bool) -> Litestar:
    """The npc app as `npc serve` builds it, with scripted workflows and unbounded quotas.

    `in_memory` keeps the data in a `MemoryStore`; otherwise it is the embedded default,
    a SQLite file under `data_dir`, created and migrated at start.
    """
    from adapters.memory import MemoryStore, ScriptedWorkflowRunner  # noqa: PLC0415
    from entrypoints.bootstrap import build  # noqa: PLC0415
    from entrypoints.http.app import create_app  # noqa: PLC0415
    from entrypoints.http.logs import configure_logging  # noqa: PLC0415
    from entrypoints.settings import Secret, Settings  # noqa: PLC0415

    # JSON lines as in production; WARNING drops the one INFO line per request.
    configure_logging(json_lines=True, level=logging.INFO if log_requests else logging.WARNING)
    settings = Settings(
        data_dir=data_dir,
        jwt_secret=Secret(BENCH_SECRET),
        free_daily_quota=BENCH_QUOTA,
        premium_daily_quota=BENCH_QUOTA,
    )
    workflows = ScriptedWorkflowRunner(latency=latency)
    store = MemoryStore() if in_memory else None
    return create_app(build(settings, workflows=workflows, store=store))


def main(argv: list[str] | None = None) -> int:
    """Serve the chosen app until terminated."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._http_server")
    parser.add_argument("kind", choices=["npc", "bare"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=1.0, help="workflow latency (npc)")
    parser.add_argument("--data-dir", type=Path, default=None, help="npc data folder")
    parser.add_argument("--no-request-log", action="store_true", help="npc: no per-request log")
    parser.add_argument(
        "--data", choices=["memory", "sqlite"], default="memory", help="npc: where data lives"
    )
    parser.add_argument(
        "--gc-tuned",
        metavar="YOUNG,MIDDLE,FULL",
        help="what-if: gc.freeze() after start-up and gc.set_threshold(YOUNG, MIDDLE, FULL)",
    )
    args = parser.parse_args(argv)
    raise_open_file_limit()
    GcClock().install()
    loop, http = server_stack()
    with tempfile.TemporaryDirectory(prefix="npc-bench-") as scratch:
        if args.kind == "bare":
            app = bare_app()
        else:
            data_dir = args.data_dir or Path(scratch)
            app = npc_app(
                data_dir,
                args.latency,
                log_requests=not args.no_request_log,
                in_memory=args.data == "memory",
            )
        if args.gc_tuned:
            young, middle, full = (int(n) for n in args.gc_tuned.split(","))
            # After the lifespan managers (the container's start-up), before serving.
            app.on_startup.append(lambda: tune_gc((young, middle, full)))
        elif args.kind == "npc":
            app.on_startup.append(production_gc)  # what `npc serve` does
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=args.port,
            loop=loop,
            http=http,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
