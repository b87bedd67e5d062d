"""Tasks on saq and Redis with real `npc worker` processes, and the Redis cache, in one run.

1. Throughput: `TASKS` monologue generations (the offline workflow engine answers at
   once; each run really goes through `execute_task` and writes its task, monologue
   and usage rows) are submitted through the core use case `start_monologue`, spread
   over `USERS` users, while no worker runs. Then `WORKERS` `npc worker` subprocesses
   start (both lanes, NPC_TASK_CONCURRENCY each) and drain the backlog: completed
   tasks per second = tasks / (last `completed_at` - first `started_at`) from the rows
   (aim >= 200/s). Baseline in the same run: the same tasks, drained by the embedded
   in-process runner (`build(settings)` without NPC_REDIS_URL) in this one process.
2. Latency, under light load on the same, warm workers: `LATENCY_SAMPLES` tasks
   submitted one at a time, `SPACING_SECONDS` apart; enqueue-to-start = the worker's
   `started_at` on the row minus the moment `submit` called the queue (and, for
   reference, minus the row's `created_at`, which adds the insert). Aim p50 <= 50 ms.
3. Cached versus uncached film search over HTTP (`bench_cache.compare`), with the
   Redis cache and with the embedded memory cache (aim >= 3x).

Needs MariaDB at 127.0.0.1:3306 (root, NPC_BENCH_MYSQL to change it; a fresh
`npc_bench_tasks_*` database, migrated, dropped at the end), Redis at 127.0.0.1:6379
(database index 13, flushed before and after: NPC_BENCH_REDIS_URL to change it) and
Debian's `wrk` for step 3. Each runner's CPU per task (and the database server's,
which counts every client of it) is printed with the throughput: on a shared machine
the rates are noisy, the CPU figures much less so. While the
workers drain the backlog the reconciler's lock is held by the bench, so the backlog is
not enqueued a second time (a no-op per id, but a cost the queue itself does not have).
The workers log to files in a temporary folder, shown when one fails. With
NPC_BENCH_PROFILE_DIR set, each worker runs under cProfile and writes `worker-N.prof`
there. Speed never fails the run: each aim prints PASS or FAIL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import attrs
import redis
from sqlalchemy import bindparam, text
from sqlalchemy import create_engine as create_sync_engine

from adapters.redis.cache import RedisCache
from adapters.redis.client import connect
from adapters.sql import migrate, sync_url
from benchmarks import bench_cache
from benchmarks._http_server import BENCH_SECRET
from benchmarks._report import cpu_seconds, percentile, verdict
from entrypoints.bootstrap import Container, build
from entrypoints.settings import Secret, Settings
from entrypoints.worker import RECONCILE_LOCK
from npc_core.model import Frame, Relationship, StoryNode
from npc_core.ports import Cache, Lane, TaskQueue
from npc_core.services import (
    DesignStoryboard,
    Login,
    ReconstructStory,
    StartMonologue,
    design_storyboard,
    login,
    reconstruct_story,
    start_monologue,
)

ROOT: Final = Path(__file__).resolve().parent.parent
MYSQL_SERVER: Final = os.environ.get("NPC_BENCH_MYSQL", "root@127.0.0.1:3306")
REDIS_URL: Final = os.environ.get("NPC_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PROFILE_DIR: Final = os.environ.get("NPC_BENCH_PROFILE_DIR", "")
FERRY: Final = "00000000-0000-4000-8000-00000000f001"
LIN_ZHOU: Final = "00000000-0000-4000-8000-00000000c001"

TASKS: Final = int(os.environ.get("NPC_BENCH_TASKS", "2000"))
USERS: Final = 32  # many users, as in production: usage is charged on the user's row
WORKERS: Final = 2
CONCURRENCY: Final = 8  # NPC_TASK_CONCURRENCY: per lane in a worker, and the embedded runner's
SUBMITTERS: Final = 16  # submits at once while filling the backlog
LATENCY_SAMPLES: Final = 200
SPACING_SECONDS: Final = 0.02
MEMORY_CACHE_SECONDS: Final = 5  # the Redis run is the aim's; this one is for reference
DRAIN_TIMEOUT_SECONDS: Final = 120.0
STOP_TIMEOUT_SECONDS: Final = 15.0

AIM_P50_MS: Final = 50.0
AIM_RATE: Final = 200.0


# -- settings, database, Redis, workers ---------------------------------------------------


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty `npc_bench_tasks_*` database's URL, dropped on exit."""
    name = f"npc_bench_tasks_{secrets.token_hex(4)}"
    admin = create_sync_engine(f"mysql+pymysql://{MYSQL_SERVER}/?charset=utf8mb4")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            )
        yield f"mysql://{MYSQL_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()
        print(f"dropped database {name}")


def npc_settings(data_dir: Path, database_url: str, redis_url: str = "") -> Settings:
    """What the bench process runs on: the API's settings (no worker without `redis_url`)."""
    return Settings(
        data_dir=data_dir,
        jwt_secret=Secret(BENCH_SECRET),
        database_url=Secret(database_url),
        redis_url=Secret(redis_url),
        offline_workflows=True,
        free_daily_quota=1_000_000,
        demo_library=True,
        task_concurrency=CONCURRENCY,
    )


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment of `npc worker`: ours without any NPC_* of the caller, plus the bench's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPC_")}
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env |= {
        "NPC_DATA_DIR": str(settings.data_dir),
        "NPC_JWT_SECRET": settings.jwt_secret.value,
        "NPC_DATABASE_URL": settings.database_url.value,
        "NPC_REDIS_URL": settings.redis_url.value,
        "NPC_OFFLINE_WORKFLOWS": "true",
        "NPC_DEMO_LIBRARY": "false",
        "NPC_QUOTA_FREE_DAILY": str(settings.free_daily_quota),
        "NPC_TASK_CONCURRENCY": str(settings.task_concurrency),
    }
    return env


@contextmanager
def redis_database(url: str) -> Iterator[redis.Redis]:
    """A blocking client on the bench's Redis database index, flushed before and after."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()
        print(f"flushed {url}")


def _worker_command(index: int) -> list[str]:
    run = "import sys; from entrypoints.cli import main; sys.exit(main())"
    if PROFILE_DIR:
        # cProfile runs a file: a one-line script doing what the `npc` script does.
        script = Path(PROFILE_DIR) / "npc_worker.py"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(run.replace("; ", "\n") + "\n", "utf-8")
        out = Path(PROFILE_DIR) / f"worker-{index}.prof"
        return [sys.executable, "-m", "cProfile", "-o", str(out), str(script), "worker"]
    return [sys.executable, "-c", run, "worker"]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: the worker lets running jobs finish, then exits
    try:
        proc.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@attrs.define
class Workers:
    """The `npc worker` subprocesses and their log files."""

    procs: list[subprocess.Popen[bytes]]
    logs: list[Path]

    def check(self) -> None:
        """Raise, with the end of its log, if a worker has exited."""
        for proc, log in zip(self.procs, self.logs, strict=True):
            if proc.poll() is not None:
                tail = log.read_text("utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"npc worker exited with {proc.returncode}:\n{tail}")


@contextmanager
def workers(settings: Settings, log_dir: Path, count: int) -> Iterator[Workers]:
    """`count` `npc worker` processes on `settings`; SIGTERM (then SIGKILL) at the end."""
    env = worker_env(settings)
    procs: list[subprocess.Popen[bytes]] = []
    logs = [log_dir / f"worker-{i}.log" for i in range(count)]
    try:
        for i, log in enumerate(logs):
            with log.open("wb") as out:
                procs.append(
                    subprocess.Popen(  # noqa: S603 - our own entry point, by this interpreter
                        _worker_command(i),
                        cwd=ROOT,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        yield Workers(procs, logs)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            _stop(proc)


# -- the work -------------------------------------------------------------------------------


@attrs.define
class TimedQueue:
    """The container's queue, noting when each id was handed to it (wall clock, s)."""

    inner: TaskQueue
    enqueued: dict[str, float] = attrs.field(factory=dict)

    async def enqueue(self, task_id: str, lane: Lane, priority: int = 5) -> None:
        """Note the time, then enqueue."""
        self.enqueued.setdefault(task_id, time.time())
        await self.inner.enqueue(task_id, lane, priority)


@attrs.frozen
class Board:
    """A user's storyboard, on which monologues are generated."""

    user_id: str
    board_id: str


async def make_boards(container: Container, prefix: str, count: int) -> list[Board]:
    """`count` users, each with a story and a storyboard on the demo ferry (offline AI)."""
    deps = container.deps
    boards = []
    for i in range(count):
        user = (await login(deps, Login(f"{prefix}-{i}"))).user
        story = await reconstruct_story(
            deps,
            ReconstructStory(
                user_id=user.id,
                movie_id=FERRY,
                nodes=(StoryNode("n1", 1, "登船"), StoryNode("n2", 2, "起雾")),
                relationships=(Relationship("n1", "n2", "因果"),),
                monologue="我是林舟。",
                character_id=LIN_ZHOU,
            ),
        )
        designed = await design_storyboard(
            deps,
            DesignStoryboard(
                user_id=user.id,
                story_id=story.story.id,
                user_frames=(Frame(1, scene_description="甲板"), Frame(2, dialogue="要下雨了")),
            ),
        )
        boards.append(Board(user.id, designed.storyboard.id))
    return boards


async def submit_many(container: Container, boards: Sequence[Board], count: int) -> list[str]:
    """Submit `count` monologue tasks round the boards, `SUBMITTERS` at once; their ids."""
    gate = asyncio.Semaphore(SUBMITTERS)

    async def one(board: Board) -> str:
        async with gate:
            command = StartMonologue(board.user_id, board.board_id, LIN_ZHOU)
            return (await start_monologue(container.deps, command)).id

    return list(await asyncio.gather(*(one(boards[i % len(boards)]) for i in range(count))))


@attrs.frozen
class Drained:
    """What the rows of a batch of tasks say once they ended."""

    completed: int
    failed: int
    monologues: int
    seconds: float  # first started_at to last completed_at

    @property
    def rate(self) -> float:
        """Completed tasks per second."""
        return self.completed / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """The figures on one line."""
        return (
            f"{self.rate:7.0f} tasks/s  ({self.completed:,} completed in {self.seconds:.2f} s, "
            f"{self.failed} failed, {self.monologues:,} monologue rows)"
        )


class Rows:
    """Reads task rows with a blocking engine of its own."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_sync_engine(sync_url(database_url))

    def close(self) -> None:
        """Release the connections."""
        self._engine.dispose()

    def ended(self, user_ids: Sequence[str]) -> int:
        """How many tasks of these users are completed or failed."""
        query = text(
            "SELECT COUNT(*) FROM async_tasks WHERE user_id IN :users "
            "AND status IN ('completed', 'failed')"
        ).bindparams(bindparam("users", expanding=True))
        with self._engine.connect() as connection:
            return int(connection.execute(query, {"users": list(user_ids)}).scalar_one())

    def drained(self, user_ids: Sequence[str]) -> Drained:
        """The batch's figures from its rows."""
        tasks = text(
            "SELECT status, COUNT(*), MIN(started_at), MAX(completed_at) FROM async_tasks "
            "WHERE user_id IN :users GROUP BY status"
        ).bindparams(bindparam("users", expanding=True))
        monologues = text("SELECT COUNT(*) FROM monologues WHERE user_id IN :users").bindparams(
            bindparam("users", expanding=True)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(tasks, {"users": list(user_ids)}).all()
            written = connection.execute(monologues, {"users": list(user_ids)}).scalar_one()
        by_status = {str(r[0]): r for r in rows}
        done = by_status.get("completed")
        seconds = (done[3] - done[2]).total_seconds() if done is not None else 0.0
        return Drained(
            completed=int(done[1]) if done is not None else 0,
            failed=int(by_status["failed"][1]) if "failed" in by_status else 0,
            monologues=int(written),
            seconds=seconds,
        )

    def starts(self, ids: Sequence[str]) -> dict[str, tuple[float, float]]:
        """Each task's (created_at, started_at) as UNIX times."""
        query = text(
            "SELECT id, created_at, started_at FROM async_tasks WHERE id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        with self._engine.connect() as connection:
            rows = connection.execute(query, {"ids": list(ids)}).all()
        return {str(r[0]): (_unix(r[1]), _unix(r[2])) for r in rows if r[1] is not None and r[2]}


def _unix(stored: datetime) -> float:
    return stored.replace(tzinfo=UTC).timestamp()  # stored as naive UTC


def database_pid() -> int | None:
    """The local MariaDB server's process id, when it runs on this machine."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text("ascii").strip() in {"mariadbd", "mysqld"}:
                return int(comm.parent.name)
    return None


@attrs.frozen
class Meter:
    """CPU seconds so far of what runs the tasks, and of the database server."""

    runner: Callable[[], float]
    database: int | None = attrs.field(factory=database_pid)

    def sample(self) -> tuple[float, float]:
        """(runner, database) CPU seconds now."""
        return self.runner(), cpu_seconds(self.database) if self.database else 0.0

    def line(self, before: tuple[float, float], tasks: int) -> str:
        """CPU per task since `before`, `tasks` having ended since."""
        after = self.sample()
        runner, database = (
            (a - b) * 1000 / max(tasks, 1) for a, b in zip(after, before, strict=True)
        )
        db = f", mariadbd {database:.1f} ms (all its clients)" if self.database else ""
        return f"CPU per task: task runner {runner:.1f} ms{db}"


def wait_until_ended(
    rows: Rows,
    user_ids: Sequence[str],
    count: int,
    pool: Workers | None = None,
    meter: Meter | None = None,
) -> str:
    """Poll the rows until `count` tasks of these users ended (or the timeout).

    With a `meter`, CPU is counted from the first task that ended (the workers are up
    by then) to the last; returns its line.
    """
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    first: tuple[int, tuple[float, float]] | None = None
    while (ended := rows.ended(user_ids)) < count:
        if meter is not None and first is None and ended > 0:
            first = ended, meter.sample()
        if pool is not None:
            pool.check()
        if time.monotonic() > deadline:
            print(f"  timed out after {DRAIN_TIMEOUT_SECONDS:.0f} s: figures are partial")
            break
        time.sleep(0.1)
    if meter is None or first is None:
        return ""
    return meter.line(first[1], ended - first[0])


def spread(label: str, samples_ms: list[float]) -> tuple[float, float]:
    """Print p50/p99 of `samples_ms` under `label`; the two figures."""
    p50, p99 = statistics.median(samples_ms), percentile(samples_ms, 0.99)
    print(f"  {label:<38}p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {max(samples_ms):7.1f} ms")
    return p50, p99


# -- the phases -----------------------------------------------------------------------------


@attrs.frozen
class Setup:
    """The boards each phase submits on."""

    saq: list[Board]
    latency: list[Board]
    embedded: list[Board]


async def prepare(settings: Settings) -> Setup:
    """Load the demo library and make every phase's users and storyboards."""
    container = build(settings)
    await container.start()
    try:
        return Setup(
            saq=await make_boards(container, "dev-bench-saq", USERS),
            latency=await make_boards(container, "dev-bench-latency", 1),
            embedded=await make_boards(container, "dev-bench-embedded", USERS),
        )
    finally:
        await container.stop()


async def fill_backlog(settings: Settings, boards: Sequence[Board]) -> None:
    """Submit `TASKS` tasks through the API's use case onto saq, no worker running."""
    container = build(settings)
    await container.start()
    try:
        started = time.perf_counter()
        await submit_many(container, boards, TASKS)
        took = time.perf_counter() - started
    finally:
        await container.stop()
    print(f"  submitted {TASKS:,} tasks onto saq in {took:.1f} s ({TASKS / took:,.0f}/s)")


async def submit_spaced(settings: Settings, board: Board) -> dict[str, float]:
    """Submit `LATENCY_SAMPLES` tasks one at a time; when each was handed to the queue."""
    container = build(settings)
    timed = TimedQueue(container.deps.queue)
    container = attrs.evolve(container, deps=attrs.evolve(container.deps, queue=timed))
    await container.start()
    try:
        for _ in range(LATENCY_SAMPLES):
            command = StartMonologue(board.user_id, board.board_id, LIN_ZHOU)
            await start_monologue(container.deps, command)
            await asyncio.sleep(SPACING_SECONDS)
    finally:
        await container.stop()
    return timed.enqueued


async def run_embedded(settings: Settings, boards: Sequence[Board]) -> None:
    """Submit `TASKS` tasks with the in-process runner stopped, then let it drain them.

    The container is not started (its start would also reconcile every pending row):
    only the runner is.
    """
    container = build(settings)
    runner = container.runner
    if runner is None:
        raise RuntimeError("the embedded container has no in-process runner")
    try:
        started = time.perf_counter()
        await submit_many(container, boards, TASKS)
        took = time.perf_counter() - started
        print(f"  submitted {TASKS:,} tasks to the in-process runner in {took:.1f} s")
        meter = Meter(time.process_time)
        before = meter.sample()
        started = time.perf_counter()
        await runner.start()
        await runner.join()
        took = time.perf_counter() - started
        print(f"  drained in {took:.1f} s by the in-process runner; {meter.line(before, TASKS)}")
    finally:
        await container.stop()


def saq_phases(
    settings: Settings, setup: Setup, rows: Rows, lock: redis.Redis, log_dir: Path
) -> tuple[Drained, list[float], list[float]]:
    """Throughput then latency on `WORKERS` worker processes; the figures."""
    asyncio.run(fill_backlog(settings, setup.saq))
    lock.set(RECONCILE_LOCK, b"bench", ex=3600)
    saq_users = [b.user_id for b in setup.saq]
    latency_users = [b.user_id for b in setup.latency]
    with workers(settings, log_dir, WORKERS) as pool:
        spawned = time.perf_counter()
        meter = Meter(lambda: sum(cpu_seconds(p.pid) for p in pool.procs))
        cpu = wait_until_ended(rows, saq_users, TASKS, pool, meter)
        wall = time.perf_counter() - spawned
        drained = rows.drained(saq_users)
        print(f"  drained in {wall:.1f} s after spawning the workers (start-up included); {cpu}")
        enqueued = asyncio.run(submit_spaced(settings, setup.latency[0]))
        wait_until_ended(rows, latency_users, len(enqueued), pool)
    starts = rows.starts(list(enqueued))
    from_enqueue = [(starts[i][1] - t) * 1000 for i, t in enqueued.items() if i in starts]
    from_row = [(s - c) * 1000 for c, s in starts.values()]
    return drained, from_enqueue, from_row


def tasks_figures(database_url: str, data_dir: Path, lock: redis.Redis) -> None:
    """Steps 1 and 2: print throughput (saq and embedded) and latency with verdicts."""
    saq_settings = npc_settings(data_dir, database_url, REDIS_URL)
    embedded_settings = npc_settings(data_dir, database_url)
    started = time.perf_counter()
    migrate.upgrade(database_url)
    setup = asyncio.run(prepare(saq_settings))
    print(f"  migrated, demo library and {2 * USERS + 1} users' storyboards in ", end="")
    print(f"{time.perf_counter() - started:.1f} s")
    rows = Rows(database_url)
    log_dir = data_dir / "logs"
    log_dir.mkdir()
    try:
        drained, from_enqueue, from_row = saq_phases(saq_settings, setup, rows, lock, log_dir)
        asyncio.run(run_embedded(embedded_settings, setup.embedded))
        embedded = rows.drained([b.user_id for b in setup.embedded])
    finally:
        rows.close()
    print(f"\ncompleted monologue tasks/s, {TASKS:,} tasks from a backlog, MariaDB:")
    print(f"  {WORKERS} x npc worker (saq)       {drained.line()}")
    print(f"  embedded runner, 1 process {embedded.line()}")
    ratio = drained.rate / embedded.rate if embedded.rate else 0.0
    ok = drained.rate >= AIM_RATE and drained.failed == 0 and drained.completed == TASKS
    print(f"  saq/embedded {ratio:.2f}x")
    print(
        f"tasks: throughput {drained.rate:.0f} tasks/s with {WORKERS} workers "
        f"(aim >= {AIM_RATE:.0f}/s) {verdict(ok)}"
    )
    print(
        f"\nenqueue->start, {len(from_enqueue)} tasks one at a time "
        f"{SPACING_SECONDS * 1000:.0f} ms apart, {WORKERS} idle workers:"
    )
    p50, p99 = spread("submit's enqueue call -> started_at", from_enqueue)
    spread("row created_at -> started_at", from_row)
    print(
        f"tasks: enqueue->start p50 {p50:.1f} ms p99 {p99:.1f} ms "
        f"(aim p50 <= {AIM_P50_MS:.0f} ms) {verdict(p50 <= AIM_P50_MS)}"
    )


def redis_cache() -> Cache:
    """The Redis cache on the bench's database index (made in the serving event loop)."""
    return RedisCache(connect(REDIS_URL))


def cache_figures() -> None:
    """Step 3: cached versus uncached search over HTTP, Redis then memory cache."""
    if shutil.which("wrk") is None:
        print("wrk not found (apt-get update && apt-get install -y wrk): search skipped")
        return
    seconds = bench_cache.SECONDS
    print(
        f"\nGET /api/movies/search over HTTP, SQLite, {bench_cache.FILMS:,} films, "
        f"{bench_cache.CONNECTIONS} connections, {seconds} s after {bench_cache.WARMUP_SECONDS} s:"
    )
    uncached, cached = bench_cache.compare(redis_cache)
    bench_cache.report(uncached, cached, "Redis cache")
    ratio = cached.rate / uncached.rate
    print(
        f"cache: Redis cached/uncached search {ratio:.1f}x "
        f"(aim >= {bench_cache.AIM_RATIO:.0f}x) {verdict(ratio >= bench_cache.AIM_RATIO)}"
    )
    seconds = MEMORY_CACHE_SECONDS
    print(f"  the same with the memory cache (the embedded default), {seconds} s runs:")
    uncached, cached = bench_cache.compare(bench_cache.memory_cache, seconds=seconds)
    bench_cache.report(uncached, cached, "memory cache")
    ratio = cached.rate / uncached.rate
    print(f"cache: memory cached/uncached search {ratio:.1f}x (for reference)")


def main() -> None:
    """Print task throughput, enqueue-to-start latency and the cache ratio, with verdicts."""
    started = time.monotonic()
    print(
        f"\n{TASKS:,} monologue tasks over {USERS} users, offline workflow engine, "
        f"{WORKERS} npc worker processes x concurrency {CONCURRENCY} per lane"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  machine: {os.cpu_count()} cores, load average {load} before the run")
    with redis_database(REDIS_URL) as lock:  # flushed after the cache's run too
        with (
            fresh_database() as database_url,
            tempfile.TemporaryDirectory(prefix="npc-bench-tasks-") as scratch,
        ):
            tasks_figures(database_url, Path(scratch), lock)
        cache_figures()
    print(f"\nbench_tasks took {time.monotonic() - started:.0f} s")
