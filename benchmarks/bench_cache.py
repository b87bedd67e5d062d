"""Film search over HTTP with and without the cache, on the embedded SQLite default.

1. Load: a few thousand films (`_search_data.make_movies`, from the TMDB and Douban CSVs
   under ../shared/data) into a fresh SQLite database through `MovieRepository.add`,
   the way npc itself writes them (search index included).
2. `GET /api/movies/search` under wrk, `CONNECTIONS` connections, the keywords of
   `bench_search` in turn, `SECONDS` s after a `WARMUP_SECONDS` s warm-up: first with a
   cache that never holds anything (every search reads the database), then with the
   cache. The warm-up fills the cache, so the measured cached run is all hits: the
   steady state of a popular keyword mix. Before measuring, each keyword's answer with
   the cache is checked to be byte-for-byte the uncached one.

npc is the app `npc serve` builds (request log off, production's collector tuning),
served by uvicorn in this process; wrk runs as its own process, so the two share the
machine's 2 cores. Prints requests/s of each run and the ratio (aim >= 3x); speed never
fails the run.

`measure(cache_factory)` runs step 2 on a cache of the caller's (`bench_tasks` passes
Redis) and returns `(uncached_rps, cached_rps)`. Needs Debian's `wrk`
(`apt-get install -y wrk`). NPC_BENCH_CACHE_FILMS scales the library.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import quote

import attrs
import httpx
import uvicorn

from adapters.memory import MemoryCache, ScriptedWorkflowRunner, SystemClock
from benchmarks._http_server import BENCH_SECRET, server_stack
from benchmarks._report import verdict
from benchmarks._search_data import make_movies
from benchmarks.bench_search import KEYWORDS, Load, wrk
from entrypoints.bootstrap import Container, build
from entrypoints.http.app import create_app
from entrypoints.http.logs import configure_logging
from entrypoints.runtime import tune_gc
from entrypoints.settings import Secret, Settings
from npc_core.ports import Cache
from npc_core.services import cached

T = TypeVar("T")
CacheFactory = Callable[[], Cache]

FILMS: Final = int(os.environ.get("NPC_BENCH_CACHE_FILMS", "3000"))
BATCH: Final = 500
CONNECTIONS: Final = 32
WARMUP_SECONDS: Final = 2
SECONDS: Final = 10
AIM_RATIO: Final = 3.0
PATHS: Final = [f"/api/movies/search?keyword={quote(k)}&page=1&pageSize=20" for k in KEYWORDS]


class NoCache:
    """The uncached baseline: a cache that never holds anything."""

    async def get(self, key: str) -> bytes | None:
        """Miss, always."""

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Forget at once."""

    async def delete(self, *keys: str) -> None:
        """Nothing to delete."""

    async def delete_prefix(self, prefix: str) -> None:
        """Nothing to delete."""

    async def ping(self) -> None:
        """Always answers."""


def memory_cache() -> Cache:
    """The embedded default's cache: a dict in this process."""
    return MemoryCache(SystemClock())


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when installed, as uvicorn (and so `npc serve`) does."""
    if importlib.util.find_spec("uvloop"):
        import uvloop  # noqa: PLC0415 - optional

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coroutine)
    return asyncio.run(coroutine)


def _container(data_dir: Path) -> Container:
    settings = Settings(data_dir=data_dir, jwt_secret=Secret(BENCH_SECRET), demo_library=False)
    return build(settings, workflows=ScriptedWorkflowRunner())


async def _load(data_dir: Path, count: int) -> float:
    """Migrate the embedded database and add `count` films; the seconds it took."""
    started = time.perf_counter()
    container = _container(data_dir)
    await container.start()
    try:
        movies = make_movies(count)
        for start in range(0, len(movies), BATCH):
            async with container.deps.uow() as uow:
                for movie in movies[start : start + BATCH]:
                    await uow.movies.add(movie)
                await uow.commit()
    finally:
        await container.stop()
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _wrk(base: str, seconds: int) -> Load:
    # wrk blocks; in a thread the event loop keeps serving it.
    return await asyncio.to_thread(wrk, base, PATHS, CONNECTIONS, seconds)


async def _serve(data_dir: Path, factory: CacheFactory, seconds: int) -> tuple[Load, list[bytes]]:
    """Serve npc on `factory`'s cache, load it with wrk; the figures and each keyword's body.

    The bodies are each keyword's second answer: with a cache, the one it kept.
    """
    cache = factory()
    await cache.delete_prefix(cached.LIBRARY)  # a shared cache may hold an earlier run's pages
    container = _container(data_dir)
    container = attrs.evolve(container, deps=attrs.evolve(container.deps, cache=cache))
    app = create_app(container)
    app.on_startup.append(tune_gc)  # what `npc serve` does
    port = _free_port()
    _, http = server_stack()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=http, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(60):
            while not server.started:
                if serving.done():
                    serving.result()  # raises what stopped it
                await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            # Twice each: with the cache, the second answer is the cached one.
            bodies = [
                [(await client.get(p)).raise_for_status().content for _ in range(2)][1]
                for p in PATHS
            ]
        await _wrk(base, WARMUP_SECONDS)
        return await _wrk(base, seconds), bodies
    finally:
        server.should_exit = True
        await serving


def compare(
    factory: CacheFactory = memory_cache, *, films: int = FILMS, seconds: int = SECONDS
) -> tuple[Load, Load]:
    """Load the films, then run the search mix uncached and cached; both runs' figures.

    Logging is set to production's JSON lines at WARNING: no line per request.
    """
    if shutil.which("wrk") is None:
        raise RuntimeError("bench_cache needs wrk: apt-get install -y wrk")
    configure_logging(json_lines=True, level=logging.WARNING)  # no log line per request
    with tempfile.TemporaryDirectory(prefix="npc-bench-cache-") as scratch:
        data_dir = Path(scratch)
        took = _run(_load(data_dir, films))
        print(f"  loaded {films:,} films into {data_dir / 'npc.sqlite3'} in {took:.1f} s")
        uncached, plain = _run(_serve(data_dir, NoCache, seconds))
        with_cache, answered = _run(_serve(data_dir, factory, seconds))
    if answered != plain:
        raise AssertionError("a cached search answered other bytes than the uncached one")
    hits = sum(b'"total":0' not in body for body in plain)
    print(f"  {len(PATHS)} keywords ({hits} with results): cached answers == uncached answers")
    return uncached, with_cache


def measure(
    factory: CacheFactory = memory_cache, *, films: int = FILMS, seconds: int = SECONDS
) -> tuple[float, float]:
    """Requests/s of the search mix without a cache and with `factory`'s (for bench_tasks)."""
    uncached, with_cache = compare(factory, films=films, seconds=seconds)
    return uncached.rate, with_cache.rate


def report(uncached: Load, with_cache: Load, label: str = "memory cache") -> None:
    """Print both runs and the ratio against the aim."""
    print(f"  {'uncached (no cache)':<28}{uncached.line()}")
    print(f"  {label:<28}{with_cache.line()}")
    ratio = with_cache.rate / uncached.rate
    ok = ratio >= AIM_RATIO and uncached.errors == with_cache.errors == 0
    print(f"  cached/uncached >= {AIM_RATIO:.0f}x, no errors   {verdict(ok)}  ({ratio:.1f}x)")


def main() -> None:
    """Print the cached and uncached search throughput and their ratio."""
    if shutil.which("wrk") is None:
        print("wrk not found (apt-get update && apt-get install -y wrk): skipped")
        return
    print(
        f"\nGET /api/movies/search over HTTP, SQLite, {FILMS:,} films, {CONNECTIONS} "
        f"connections, {len(KEYWORDS)} keywords in turn, {SECONDS} s after {WARMUP_SECONDS} s"
    )
    report(*compare())
