"""npc over HTTP under `wrk` against a bare Litestar baseline, in one run, on loopback.

1. `POST /api/characters/dialogue-analysis` with the workflow answering after 1 s,
   1,000 connections to one uvicorn process: errors, p99 and requests/s, against a
   bare Litestar route that only sleeps 1 s (same server, same load).
2. `GET /api/movies/{id}` requests/s as a ratio of the same server's `/health`.
3. The idle npc server's resident memory after start-up, before any load.

npc runs on in-memory data with JSON request logs on (production's format). Each run
also shows CPU per request, the garbage collector's cost (the server reports it on
SIGUSR1) and how much CPU other processes took, which skews figures on 2 cores. When
a target of figure 1 is missed, the same load runs with the request log off and with
the collector tuned, as diagnostics; the embedded SQLite default is shown for reference.
Speed never fails the run: each target prints PASS or FAIL.

Needs Debian's `wrk` (`apt-get update && apt-get install -y wrk`); without it the load
figures are skipped. Servers run as subprocesses (`benchmarks._http_server`) on free
127.0.0.1 ports, their logs in a temporary file, and are always stopped.
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Final

import httpx

from benchmarks._http_server import raise_open_file_limit, server_stack
from benchmarks._report import cpu_seconds, verdict

ROOT: Final = Path(__file__).resolve().parents[1]
LUA: Final = Path(__file__).with_name("wrk_report.lua")
INSTALL_WRK: Final = "apt-get update && apt-get install -y wrk"

FERRY: Final = "00000000-0000-4000-8000-00000000f001"
LIN_ZHOU: Final = "00000000-0000-4000-8000-00000000c001"
DIALOGUE_PATH: Final = "/api/characters/dialogue-analysis"
DIALOGUE_BODY: Final = json.dumps(
    {
        "movieId": FERRY,
        "characterId": LIN_ZHOU,
        "dialogue": "我只相信我亲眼看见的东西。",
        "userInsight": "他很孤独",
    },
    ensure_ascii=False,
)
USERS: Final = 8

WORKFLOW_LATENCY: Final = 1.0
SLOW_CONNECTIONS: Final = 1000
SLOW_SECONDS: Final = 20
SLOW_WARMUP_SECONDS: Final = 3
FAST_CONNECTIONS: Final = 64
FAST_SECONDS: Final = 10
FAST_WARMUP_SECONDS: Final = 2
WRK_THREADS: Final = 2
WRK_TIMEOUT: Final = "10s"

TARGET_P99: Final = 1.5
TARGET_SLOW_RATIO: Final = 0.5
TARGET_FAST_RATIO: Final = 0.5
TARGET_IDLE_MB: Final = 150.0
NOISY_CORES: Final = 0.25  # other processes' CPU above which a run's figures are flagged
GC_WHAT_IF: Final = "700,10,1000"  # gc.set_threshold for the what-if run, after gc.freeze()


@dataclass(frozen=True)
class Load:
    """What one wrk run measured, with CPU use over the same time (in cores).

    `machine_cpu` is every process's, so `machine_cpu - server_cpu - wrk_cpu` is what
    unrelated processes took: on a 2-core machine their load skews the figures.
    """

    requests: int
    seconds: float
    socket_errors: int
    socket_detail: str
    non_2xx: int
    p50: float
    p90: float
    p99: float
    worst: float
    server_cpu: float
    wrk_cpu: float
    machine_cpu: float

    @property
    def rate(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds

    @property
    def errors(self) -> int:
        """Socket errors (connect, read, write, timeout) plus answers outside 2xx."""
        return self.socket_errors + self.non_2xx

    @property
    def others_cpu(self) -> float:
        """Cores used by processes other than the server and wrk."""
        return max(0.0, self.machine_cpu - self.server_cpu - self.wrk_cpu)

    def line(self) -> str:
        """The figures, on two lines."""
        per_request = self.server_cpu * self.seconds / max(self.requests, 1) * 1000
        return (
            f"{self.rate:7.1f} req/s  p50 {self.p50:.3f}s  p90 {self.p90:.3f}s  "
            f"p99 {self.p99:.3f}s  max {self.worst:.3f}s  errors {self.errors} "
            f"(socket {self.socket_errors}{': ' if self.socket_detail else ''}"
            f"{self.socket_detail}; non-2xx {self.non_2xx})\n"
            f"{'':36}CPU: server {self.server_cpu:.2f} cores ({per_request:.2f} ms/request), "
            f"wrk {self.wrk_cpu:.2f}, other processes {self.others_cpu:.2f}"
        )


@dataclass(frozen=True)
class GcTotals:
    """The server's garbage-collector totals per generation (young, middle, full)."""

    count: tuple[int, ...]
    cpu: tuple[float, ...]
    paused: tuple[float, ...]
    longest: tuple[float, ...]

    def since(self, earlier: GcTotals) -> GcTotals:
        """The collections between `earlier` and this (longest: as reported with this)."""
        return GcTotals(
            tuple(a - b for a, b in zip(self.count, earlier.count, strict=True)),
            tuple(a - b for a, b in zip(self.cpu, earlier.cpu, strict=True)),
            tuple(a - b for a, b in zip(self.paused, earlier.paused, strict=True)),
            self.longest,
        )

    def line(self, load: Load) -> str:
        """The collections, their share of the server's CPU time and the pauses."""
        share = sum(self.cpu) / max(load.server_cpu * load.seconds, 1e-9)
        parts = ", ".join(
            f"{name} {n} (longest {w * 1000:.0f} ms)"
            for name, n, w in zip(
                ("young", "middle", "full"), self.count, self.longest, strict=True
            )
        )
        return (
            f"GC: {sum(self.cpu):.2f} s CPU = {share:.0%} of the server's; event loop stopped "
            f"{sum(self.paused):.2f} s of {load.seconds:.0f} s; {parts}"
        )


@dataclass(frozen=True)
class Server:
    """A running server subprocess."""

    pid: int
    base: str
    log: Path
    label: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text("utf-8", "replace")[-2000:]
                raise RuntimeError(f"server exited with {process.returncode}:\n{tail}")
            try:
                if client.get(f"{base}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"server at {base} did not answer /health within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def serve(
    kind: str,
    scratch: Path,
    *,
    log_requests: bool = True,
    data: str = "memory",
    gc_tuned: str | None = None,
) -> Iterator[Server]:
    """A server subprocess on a free loopback port, healthy, stopped on exit whatever happens.

    `data` is where npc keeps its data: `memory`, or `sqlite` (the embedded default).
    """
    port = _free_port()
    label = f"{kind}-{data}-{'log' if log_requests else 'nolog'}-{port}"
    log = scratch / f"{label}.log"
    data_dir = scratch / label
    command = [sys.executable, "-m", "benchmarks._http_server", kind, "--port", str(port)]
    command += ["--latency", str(WORKFLOW_LATENCY), "--data-dir", str(data_dir), "--data", data]
    if not log_requests:
        command.append("--no-request-log")
    if gc_tuned:
        command += ["--gc-tuned", gc_tuned]
    path = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, process, log)
        yield Server(process.pid, base, log, label)
    finally:
        _stop(process)


def gc_totals(server: Server) -> GcTotals | None:
    """Ask the server (SIGUSR1) for its garbage-collector totals; None if it does not say."""
    offset = server.log.stat().st_size
    os.kill(server.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        with server.log.open("rb") as f:
            f.seek(offset)
            lines = f.read().decode("utf-8", "replace").splitlines()
        found = [ln for ln in lines if ln.startswith("GC_JSON ")]
        if found:
            r = json.loads(found[-1].removeprefix("GC_JSON "))
            return GcTotals(
                tuple(r["count"]), tuple(r["cpu"]), tuple(r["paused"]), tuple(r["longest"])
            )
        time.sleep(0.05)
    return None


def rss_mb(pid: int) -> float:
    """The process's resident set size (VmRSS) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text("ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _machine_busy_seconds() -> float:
    """CPU seconds every core spent busy since boot (not idle, not waiting for I/O)."""
    fields = [int(f) for f in Path("/proc/stat").read_text("ascii").split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def login(base: str, users: int) -> list[str]:
    """Log `users` development users in; their bearer tokens."""
    tokens = []
    with httpx.Client(base_url=base, timeout=10.0) as client:
        for n in range(users):
            answer = client.post("/api/auth/login", json={"code": f"bench-{n}"})
            answer.raise_for_status()
            tokens.append(str(answer.json()["token"]))
    return tokens


def wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    pid: int,
    tokens: list[str] | None = None,
) -> Load:
    """Run wrk (open-file limit raised, `--latency`, the reporting Lua script) against `url`."""
    args = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s"]
    args += ["--timeout", WRK_TIMEOUT, "--latency", "-s", str(LUA), url]
    script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ' + shlex.join(args)
    env = {k: v for k, v in os.environ.items() if k not in {"BENCH_TOKENS", "BENCH_BODY"}}
    if tokens:
        env |= {"BENCH_TOKENS": ",".join(tokens), "BENCH_BODY": DIALOGUE_BODY}
    cpu, machine, children = cpu_seconds(pid), _machine_busy_seconds(), _children_cpu_seconds()
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603
        ["bash", "-c", script],  # noqa: S607 - wrk and bash from PATH by design
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    elapsed = time.monotonic() - started
    server_cpu = (cpu_seconds(pid) - cpu) / elapsed
    wrk_cpu = (_children_cpu_seconds() - children) / elapsed
    machine_cpu = (_machine_busy_seconds() - machine) / elapsed
    found = [ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    r = json.loads(found[-1].removeprefix("WRK_JSON "))
    return Load(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        socket_errors=r["connect"] + r["read"] + r["write"] + r["timeout"],
        socket_detail=", ".join(
            f"{kind} {r[kind]}" for kind in ("connect", "read", "write", "timeout") if r[kind]
        ),
        # Without the POST script wrk only counts status >= 400.
        non_2xx=r["non_2xx"] if r["non_2xx"] >= 0 else r["status"],
        p50=r["p50_us"] / 1e6,
        p90=r["p90_us"] / 1e6,
        p99=r["p99_us"] / 1e6,
        worst=r["max_us"] / 1e6,
        server_cpu=server_cpu,
        wrk_cpu=wrk_cpu,
        machine_cpu=machine_cpu,
    )


def _log_lines(server: Server) -> int:
    with server.log.open("rb") as f:
        return sum(1 for line in f if line.startswith(b"{"))


def _check_dialogue(server: Server, token: str) -> str | None:
    """None when one dialogue-analysis request succeeds; otherwise what went wrong."""
    with httpx.Client(base_url=server.base, timeout=10.0) as client:
        answer = client.post(
            DIALOGUE_PATH,
            content=DIALOGUE_BODY.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
    if answer.status_code // 100 == 2:
        return None
    return f"{answer.status_code} {answer.text[:300]}"


def _slow_load(server: Server, tokens: list[str]) -> tuple[Load, GcTotals | None]:
    """Warm up, then measure the dialogue POST with 1,000 connections; GC during the run."""
    url = server.base + DIALOGUE_PATH
    pid, connections = server.pid, SLOW_CONNECTIONS
    wrk(url, connections=connections, seconds=SLOW_WARMUP_SECONDS, pid=pid, tokens=tokens)
    time.sleep(WORKFLOW_LATENCY + 0.5)  # let the warm-up's last requests finish
    before = gc_totals(server)
    measured = wrk(url, connections=connections, seconds=SLOW_SECONDS, pid=pid, tokens=tokens)
    after = gc_totals(server)
    return measured, (after.since(before) if after and before else None)


def _fast_load(server: Server, path: str) -> Load:
    url = server.base + path
    wrk(url, connections=FAST_CONNECTIONS, seconds=FAST_WARMUP_SECONDS, pid=server.pid)
    return wrk(url, connections=FAST_CONNECTIONS, seconds=FAST_SECONDS, pid=server.pid)


def _show(label: str, load: Load, gc: GcTotals | None = None) -> None:
    print(f"  {label:<34}{load.line()}")
    if gc is not None:
        print(f"{'':36}{gc.line(load)}")
    if load.others_cpu > NOISY_CORES:
        print(
            f"{'':36}! other processes took {load.others_cpu:.2f} of {os.cpu_count()} cores "
            "during this run: the figures are skewed"
        )


def _slow_verdicts(npc: Load, bare: Load) -> bool:
    ratio = npc.rate / bare.rate
    ok = (npc.errors == 0, npc.p99 <= TARGET_P99, ratio >= TARGET_SLOW_RATIO)
    print(f"  errors == 0          {verdict(ok[0])}  ({npc.errors})")
    print(f"  p99 <= {TARGET_P99} s        {verdict(ok[1])}  ({npc.p99:.3f} s)")
    print(f"  npc/bare >= {TARGET_SLOW_RATIO}      {verdict(ok[2])}  ({ratio:.3f})")
    return all(ok)


def _header(nofile: int) -> None:
    loop, http = server_stack()
    found = shutil.which("wrk")
    wrk_version = "missing"
    if found:
        usage = subprocess.run([found, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
        wrk_version = (usage.stdout or usage.stderr).splitlines()[0].split(" Copyright")[0]
    print(
        f"uvicorn {version('uvicorn')} (loop={loop}, http={http}), one process; "
        f"litestar {version('litestar')}; {wrk_version}; {os.cpu_count()} CPUs; "
        f"open files soft limit {nofile}"
    )
    print("server logs go to a temporary file; npc logs one JSON line per request unless noted")


def _memory(server: Server, bare_idle: float | None) -> None:
    time.sleep(1.0)
    idle = rss_mb(server.pid)
    print(f"\n[3] idle npc server RSS (VmRSS) after start-up, before load: {idle:.1f} MB")
    if bare_idle is not None:
        print(f"    (the bare Litestar baseline idles at {bare_idle:.1f} MB)")
    print(f"  idle RSS <= {TARGET_IDLE_MB:.0f} MB     {verdict(idle <= TARGET_IDLE_MB)}")


def _movie_vs_health(server: Server) -> None:
    print(
        f"\n[2] GET /api/movies/{{id}} vs GET /health on the same npc server (request log ON), "
        f"{FAST_CONNECTIONS} connections, {WRK_THREADS} wrk threads, {FAST_SECONDS} s each "
        f"after {FAST_WARMUP_SECONDS} s warm-ups"
    )
    health = _fast_load(server, "/health")
    movie = _fast_load(server, f"/api/movies/{FERRY}")
    _show("/health", health)
    _show("/api/movies/{id}", movie)
    ratio = movie.rate / health.rate
    ok = verdict(ratio >= TARGET_FAST_RATIO)
    print(f"  movie/health >= {TARGET_FAST_RATIO}  {ok}  ({ratio:.3f})")


def _dialogue(server: Server, bare: Load, label: str) -> bool | None:
    """Figure 1 on `server`: whether every target was met (None: one request failed)."""
    tokens = login(server.base, USERS)
    problem = _check_dialogue(server, tokens[0])
    if problem is not None:
        print(f"  {label}: one dialogue-analysis request failed: {problem}; skipped")
        return None
    lines_before = _log_lines(server)
    npc, gc = _slow_load(server, tokens)
    logged = _log_lines(server) - lines_before
    _show(label, npc, gc)
    print(f"{'':36}{logged} log lines written; RSS after the load {rss_mb(server.pid):.1f} MB")
    return _slow_verdicts(npc, bare)


def main() -> None:
    """Print the three figures with PASS/FAIL against their targets."""
    nofile = raise_open_file_limit()
    _header(nofile)
    have_wrk = shutil.which("wrk") is not None
    if not have_wrk:
        print(f"wrk not found: install it with `{INSTALL_WRK}`; skipping figures 1 and 2")
    with tempfile.TemporaryDirectory(prefix="npc-bench-http-") as scratch_name:
        scratch = Path(scratch_name)
        bare: tuple[Load, GcTotals | None] | None = None
        bare_idle: float | None = None
        if have_wrk:
            with serve("bare", scratch) as server:
                bare_idle = rss_mb(server.pid)
                bare = _slow_load(server, tokens=["unused"])
        with serve("npc", scratch) as server:
            _memory(server, bare_idle)
            if bare is None:
                return
            _movie_vs_health(server)
            print(
                f"\n[1] POST {DIALOGUE_PATH}, workflow latency {WORKFLOW_LATENCY:.1f} s, "
                f"{SLOW_CONNECTIONS} connections, {WRK_THREADS} wrk threads, {SLOW_SECONDS} s "
                f"after a {SLOW_WARMUP_SECONDS} s warm-up, {USERS} users' tokens in turn"
            )
            _show("bare Litestar, sleep(1) route", *bare)
            met = _dialogue(server, bare[0], "npc in memory, request log ON")
        if met is False:
            print("\n  a target was missed; diagnostics (not the figure):")
            with serve("npc", scratch, log_requests=False) as server:
                _dialogue(server, bare[0], "npc in memory, request log OFF")
            print(f"  what-if: gc.freeze() after start-up, gc.set_threshold({GC_WHAT_IF}):")
            with serve("npc", scratch, gc_tuned=GC_WHAT_IF) as server:
                _dialogue(server, bare[0], "npc in memory, log ON, GC tuned")
        print("\n  for reference, the embedded default of `npc serve` (a SQLite file), log ON:")
        with serve("npc", scratch, data="sqlite") as server:
            _dialogue(server, bare[0], "npc on SQLite, request log ON")
