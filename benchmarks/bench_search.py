"""Film search and dialogue paging on MariaDB at 100,000 films and 1,000,000 lines.

1. Load: a fresh `npc_bench_*` database, migrated by the project's Alembic scripts,
   bulk-loaded (see `_search_data`); the load time per table.
2. `MovieRepository.search` (first page of 20) p50/p99 over a fixed keyword mix,
   against a `LIKE '%kw%'` scan of title, original title and overview (same engine).
3. `GET /api/movies/search` under wrk, 32 connections, keywords rotating, as a ratio of
   the same server's `/health`, and its p99.
4. `GET /api/movies/{id}/dialogues?pageSize=50` p99 at 8 connections per page depth of
   a film with 50,000 lines; with the EXPLAIN of the page query.

Needs MariaDB at 127.0.0.1:3306 (root) and Debian's `wrk`. The database is dropped and
the server stopped at the end whatever happens. Speed never fails the run: each aim
prints PASS or FAIL. NPC_BENCH_FILMS / NPC_BENCH_LINES scale the library down.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql import migrate
from adapters.sql.engine import create_engine
from adapters.sql.uow import SqlUnitOfWork
from benchmarks._search_data import Loaded, load
from npc_core.model import PageRequest

ROOT: Final = Path(__file__).resolve().parents[1]
LUA: Final = Path(__file__).with_name("_search_wrk.lua")
SERVER: Final = "127.0.0.1:3306"
FILMS: Final = int(os.environ.get("NPC_BENCH_FILMS", "100000"))
LINES: Final = int(os.environ.get("NPC_BENCH_LINES", "1000000"))
BIG_FILM_LINES: Final = min(50_000, LINES // 2)

KEYWORDS: Final = (
    "搏击",
    "俱乐部",
    "阿甘",
    "爱",
    "人生",
    "fight",
    "club",
    "the",
    "love",
    "war",
    "star",
    "Forrest",
    "FiGhT cLuB",
    "ＦＩＧＨＴ",
    "搏击俱乐部 2",
    "星际",
)
REPEATS: Final = 10
BASELINE_REPEATS: Final = 3
PAGE: Final = PageRequest(page=1, page_size=20)

SEARCH_CONNECTIONS: Final = 32
DIALOGUE_CONNECTIONS: Final = 8
WARMUP_SECONDS: Final = 2
SECONDS: Final = 10
DEPTHS: Final = (1, 10, 100, 500, 1000)

AIM_SPEEDUP: Final = 10.0
AIM_RATIO: Final = 0.1
AIM_SEARCH_P99: Final = 0.050
AIM_DIALOGUE_P99: Final = 0.020


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def percentile(samples: list[float], q: float) -> float:
    """The `q` quantile (0-1) of `samples`, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


# -- 1. the database ---------------------------------------------------------------------


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh `npc_bench_*` database's URL, dropped on exit."""
    name = f"npc_bench_{secrets.token_hex(4)}"
    admin = create_sync_engine(f"mysql+pymysql://root@{SERVER}/?charset=utf8mb4")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            )
        yield f"mysql://root@{SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()
        print(f"\ndropped database {name}")


def load_library(url: str) -> Loaded:
    """Migrate, bulk-load, check the schema is the migrated one; print the figures."""
    started = time.perf_counter()
    migrate.upgrade(url)
    print(f"  migrated to {migrate.current(url)} in {time.perf_counter() - started:.1f} s")
    engine = create_sync_engine(f"{url.replace('mysql://', 'mysql+pymysql://')}?charset=utf8mb4")
    try:
        started = time.perf_counter()
        loaded = load(engine, FILMS, LINES, BIG_FILM_LINES)
        total = time.perf_counter() - started
    finally:
        engine.dispose()
    for step, took in loaded.seconds.items():
        print(f"    {step:<42}{took:7.1f} s")
    print(
        f"  loaded {loaded.movies:,} films ({loaded.overflowing} overflowing overviews), "
        f"{loaded.title_grams:,} title grams, {loaded.overview_grams:,} overview grams, "
        f"{loaded.characters:,} characters, {loaded.lines:,} lines in {total:.1f} s"
    )
    try:
        migrate.check(url)
        print("  alembic check on the loaded database: no drift (indexes and keys restored)")
    except Exception as error:  # noqa: BLE001 - reported, not fatal
        print(f"  ! alembic check on the loaded database: {error}")
    return loaded


# -- 2. repository search vs LIKE ---------------------------------------------------------


LIKE_SQL: Final = text(
    "SELECT id, title, rating FROM movies "
    "WHERE title LIKE :p OR original_title LIKE :p OR overview LIKE :p "
    "ORDER BY rating DESC, title, id LIMIT 20"
)


async def _timed_search(engine: AsyncEngine, keyword: str) -> tuple[float, int, str]:
    started = time.perf_counter()
    async with SqlUnitOfWork(engine) as uow:
        found = await uow.movies.search(keyword, PAGE)
    took = time.perf_counter() - started
    return took, found.total, found.items[0].title if found.items else "-"


async def _timed_like(engine: AsyncEngine, keyword: str) -> tuple[float, int]:
    pattern = "%" + keyword.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    started = time.perf_counter()
    async with engine.connect() as connection:
        rows = (await connection.execute(LIKE_SQL, {"p": pattern})).all()
    return time.perf_counter() - started, len(rows)


async def _compare(url: str) -> None:
    engine = create_engine(url)
    try:
        npc: list[float] = []
        like: list[float] = []
        print(f"  {'keyword':<14}{'npc p50':>10}{'total':>8}  {'LIKE p50':>10}{'rows':>6}  top hit")
        for keyword in KEYWORDS:
            await _timed_search(engine, keyword)  # warm
            await _timed_like(engine, keyword)
            runs = [await _timed_search(engine, keyword) for _ in range(REPEATS)]
            likes = [await _timed_like(engine, keyword) for _ in range(BASELINE_REPEATS)]
            npc += [r[0] for r in runs]
            like += [r[0] for r in likes]
            print(
                f"  {keyword:<14}{statistics.median(r[0] for r in runs) * 1000:8.1f}ms"
                f"{runs[0][1]:8}  {statistics.median(r[0] for r in likes) * 1000:8.1f}ms"
                f"{likes[0][1]:6}  {runs[0][2][:40]}"
            )
    finally:
        await engine.dispose()
    n50, n99 = percentile(npc, 0.5), percentile(npc, 0.99)
    l50, l99 = percentile(like, 0.5), percentile(like, 0.99)
    print(f"  npc search: p50 {n50 * 1000:.1f} ms, p99 {n99 * 1000:.1f} ms ({len(npc)} queries)")
    print(f"  LIKE scan:  p50 {l50 * 1000:.1f} ms, p99 {l99 * 1000:.1f} ms ({len(like)} queries)")
    speedup = l50 / n50
    ok = verdict(speedup >= AIM_SPEEDUP)
    print(f"  npc >= {AIM_SPEEDUP:.0f}x faster at p50   {ok}  ({speedup:.1f}x)")


# -- 3 and 4. HTTP --------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """One wrk run."""

    requests: int
    seconds: float
    errors: int
    p50: float
    p99: float
    worst: float

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    def line(self) -> str:
        """The figures on one line."""
        return (
            f"{self.rate:8.0f} req/s  p50 {self.p50 * 1000:6.1f} ms  p99 {self.p99 * 1000:6.1f} ms"
            f"  max {self.worst * 1000:6.1f} ms  errors {self.errors}"
        )


def wrk(base: str, paths: list[str], connections: int, seconds: int) -> Load:
    """Run wrk on `paths` in turn (2 threads, `--latency`)."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    args += ["-s", str(LUA), base + paths[0]]
    script = "ulimit -n 65536 2>/dev/null || true; exec " + shlex.join(args)
    env = {**os.environ, "BENCH_PATHS": "|".join(paths)}
    done = subprocess.run(  # noqa: S603
        ["bash", "-c", script],  # noqa: S607 - wrk and bash from PATH by design
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    found = [ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    r = json.loads(found[-1].removeprefix("WRK_JSON "))
    return Load(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        errors=r["connect"] + r["read"] + r["write"] + r["timeout"] + r["non_2xx"],
        p50=r["p50_us"] / 1e6,
        p99=r["p99_us"] / 1e6,
        worst=r["max_us"] / 1e6,
    )


def measured(base: str, paths: list[str], connections: int) -> Load:
    """A warm-up run, then the measured one."""
    wrk(base, paths, connections, WARMUP_SECONDS)
    return wrk(base, paths, connections, SECONDS)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def npc_server(url: str, scratch: Path) -> Iterator[str]:
    """`npc serve` on the bench database, logs to a file; its base URL; always stopped."""
    port = _free_port()
    log = scratch / "npc.log"
    env = {
        **os.environ,
        "NPC_DATABASE_URL": url.replace("mysql://", "mysql+aiomysql://"),
        "NPC_DEMO_LIBRARY": "false",
        "NPC_DATA_DIR": str(scratch / "data"),
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from entrypoints.cli import main; sys.exit(main())",
    ]
    command += ["serve", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=2.0) as client:
            while True:
                if process.poll() is not None:
                    tail = log.read_text("utf-8", "replace")[-2000:]
                    raise RuntimeError(f"npc exited with {process.returncode}:\n{tail}")
                try:
                    if client.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("npc did not answer /health within 60 s")
                time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        print(f"  npc server (pid {process.pid}) stopped; its log: {log.stat().st_size} bytes")


def http_search(base: str) -> None:
    """Figure 3."""
    paths = [f"/api/movies/search?keyword={quote(k)}&page=1&pageSize=20" for k in KEYWORDS]
    with httpx.Client(base_url=base, timeout=30) as client:
        answer = client.get(paths[0])
        print(f"  check: {paths[0]} -> {answer.status_code}, total {answer.json().get('total')}")
    health = measured(base, ["/health"], SEARCH_CONNECTIONS)
    search = measured(base, paths, SEARCH_CONNECTIONS)
    print(f"  {'/health':<30}{health.line()}")
    print(f"  {'/api/movies/search (mix)':<30}{search.line()}")
    ratio = search.rate / health.rate
    print(f"  search/health >= {AIM_RATIO}        {verdict(ratio >= AIM_RATIO)}  ({ratio:.3f})")
    ok = search.p99 <= AIM_SEARCH_P99 and search.errors == 0
    print(
        f"  p99 <= {AIM_SEARCH_P99 * 1000:.0f} ms, no errors   {verdict(ok)}  "
        f"({search.p99 * 1000:.1f} ms, {search.errors} errors)"
    )


def http_dialogues(base: str, film: str, lines: int) -> None:
    """Figure 4."""
    pages = [d for d in DEPTHS if (d - 1) * 50 < lines]
    worst = 0.0
    for depth in pages:
        path = f"/api/movies/{film}/dialogues?pageSize=50&page={depth}"
        with httpx.Client(base_url=base, timeout=30) as client:
            body = client.get(path).json()
        got = len(body.get("dialogues", []))
        load_ = measured(base, [path], DIALOGUE_CONNECTIONS)
        worst = max(worst, load_.p99)
        label = f"page {depth} ({got} lines, offset {(depth - 1) * 50})"
        print(f"  {label:<34}{load_.line()}")
    print(
        f"  p99 <= {AIM_DIALOGUE_P99 * 1000:.0f} ms at every depth   "
        f"{verdict(worst <= AIM_DIALOGUE_P99)}  (worst {worst * 1000:.1f} ms)"
    )


def explain_dialogues(url: str, film: str) -> None:
    """The page queries of `SqlDialogueRepository.for_movie` at the deepest page, explained."""
    engine = create_sync_engine(f"{url.replace('mysql://', 'mysql+pymysql://')}?charset=utf8mb4")
    offset = (DEPTHS[-1] - 1) * 50
    queries = {
        "count": "SELECT count(*) FROM character_dialogues WHERE movie_id = %s",
        "page": "SELECT * FROM character_dialogues WHERE movie_id = %s "  # noqa: S608 - an int
        f"ORDER BY line_order, id LIMIT 50 OFFSET {offset}",
    }
    try:
        with engine.connect() as connection:
            for label, sql in queries.items():
                print(f"  {label}: {sql.replace('%s', repr(film))}")
                for row in connection.exec_driver_sql("EXPLAIN " + sql, (film,)).mappings():
                    shown = {k: row[k] for k in ("type", "key", "rows", "Extra")}
                    print(f"    EXPLAIN {shown}")
                started = time.perf_counter()
                for _ in range(20):
                    connection.exec_driver_sql(sql, (film,)).all()
                print(f"    {(time.perf_counter() - started) / 20 * 1000:.1f} ms per run")
    finally:
        engine.dispose()


def main() -> None:
    """Print every figure with PASS/FAIL against its aim."""
    started = time.monotonic()
    have_wrk = shutil.which("wrk") is not None
    with bench_database() as url, tempfile.TemporaryDirectory(prefix="npc-bench-search-") as tmp:
        print(f"\n[1] load {FILMS:,} films and {LINES:,} lines into {url.rsplit('/', 1)[1]}")
        loaded = load_library(url)
        print(
            f"\n[2] MovieRepository.search (page 1 of 20) vs LIKE scan, "
            f"{REPEATS}/{BASELINE_REPEATS} runs per keyword"
        )
        asyncio.run(_compare(url))
        print(
            f"\n[4'] the page queries at page {DEPTHS[-1]} "
            f"of the {loaded.big_film_lines:,}-line film"
        )
        explain_dialogues(url, loaded.big_film)
        if not have_wrk:
            print("wrk not found (apt-get install -y wrk): figures 3 and 4 skipped")
            return
        with npc_server(url, Path(tmp)) as base:
            print(
                f"\n[3] GET /api/movies/search, {SEARCH_CONNECTIONS} connections, "
                f"{len(KEYWORDS)} keywords in turn, {SECONDS} s after {WARMUP_SECONDS} s warm-up"
            )
            http_search(base)
            print(
                f"\n[4] GET /api/movies/{{id}}/dialogues?pageSize=50, {DIALOGUE_CONNECTIONS} "
                f"connections, film with {loaded.big_film_lines:,} lines"
            )
            http_dialogues(base, loaded.big_film, loaded.big_film_lines)
    print(f"total runtime {time.monotonic() - started:.0f} s")
