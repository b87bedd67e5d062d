"""What npc's Dify adapter costs, measured against the Dify-compatible test server, in one run.

(a) Orchestration overhead: POST /api/characters/dialogue-analysis through npc, minus
    a direct blocking run on the test server answering at once (aim: p50 <= 5 ms).
(b) Load: the test server answers after 1 s; wrk holds 1,000 connections of analysis
    requests on one npc process, then the same load straight at the test server
    (aims: zero errors, p99 <= 1.5 s, throughput >= 90 % of the direct run); and, for
    scale, through a bare one-route Litestar app making the same aiohttp call. Printed
    with them: each server's CPU per request, and npc's accept queue (connections wrk
    opened that npc had not accepted yet: waiting there counts in wrk's latency). Each
    measured load starts once the servers are idle again after the one before it.
(c) Streaming pass-through: time to the first chat chunk at the client through npc,
    minus the same measured straight from the test server (aim: p50 <= 10 ms).
(d) The HTTP client under the adapter: CPU per blocking run and runs/s at 50 at once
    against the test server answering at once, for httpx on its default transport,
    httpx on the aiohttp transport, and the aiohttp session npc's blocking runs use.

Every server is a subprocess on a free loopback port, killed at the end; every run
is bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Final

import aiohttp
import attrs
import httpx
from httpx_aiohttp import AiohttpTransport

from benchmarks import _accept_queue as accept_queue
from benchmarks._dify_servers import raise_open_file_limit
from benchmarks._report import cpu_seconds, percentile, settle
from tests.dify_server import DifyControl

ROOT: Final = Path(__file__).resolve().parent.parent
LUA: Final = Path(__file__).with_name("_dify_wrk.lua")
FERRY: Final = "00000000-0000-4000-8000-00000000f001"
LIN_ZHOU: Final = "00000000-0000-4000-8000-00000000c001"
ANALYSIS: Final = {
    "movieId": FERRY,
    "characterId": LIN_ZHOU,
    "dialogue": "要下雨了",
    "userInsight": "他在担心",
}
KEYS: Final = DifyControl().keys
SAMPLES: Final = 1000
WARM_UP: Final = 200
STREAM_SAMPLES: Final = 300
FIRST_CHUNK_SECONDS: Final = 0.05
CONNECTIONS: Final = 1000
LOAD_SECONDS: Final = 15
UPSTREAM_SECONDS: Final = 1.0  # how long the test server takes to answer in (b)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def process(args: list[str], ready_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """A server subprocess, up once `ready_url` answers; terminated (then killed) at the end."""
    proc = subprocess.Popen(  # noqa: S603 - our own modules, by the current interpreter
        [sys.executable, "-m", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{args[0]} exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                httpx.get(ready_url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{args[0]} did not start") from None
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def dify(latency: float) -> tuple[list[str], str, str]:
    port = free_port()
    args = ["tests.dify_server", "--port", str(port), "--latency", str(latency)]
    args += ["--first-chunk", str(FIRST_CHUNK_SECONDS)]
    origin = f"http://127.0.0.1:{port}"
    return args, f"{origin}/v1/workflows/run", f"{origin}/v1"


def npc(dify_base: str, module: str = "benchmarks._dify_servers") -> tuple[list[str], str, str]:
    port = free_port()
    args = [module, "--port", str(port), "--dify-url", dify_base]
    origin = f"http://127.0.0.1:{port}"
    return args, f"{origin}/health", origin


def run_body(workflow: str, mode: str) -> dict[str, Any]:
    """What npc sends for the dialogue analysis or a chat, for the direct baseline."""
    profile = json.dumps({"name": "林舟", "description": "渡轮上的水手", "traits": ["冷静"]})
    inputs = {
        "dialogue_discussion": {
            "character_name": "林舟",
            "character_profile": profile,
            "dialogue": "要下雨了",
            "user_insight": "他在担心",
            "history": "[]",
        },
        "character_chat": {
            "character_name": "林舟",
            "character_profile": profile,
            "history": "[]",
            "message": "你好",
        },
    }[workflow]
    return {"inputs": inputs, "response_mode": mode, "user": "bench-user"}


async def tokens(client: httpx.AsyncClient, origin: str, count: int) -> list[str]:
    out = []
    for i in range(count):
        answer = await client.post(f"{origin}/api/auth/login", json={"code": f"dev-bench-{i}"})
        answer.raise_for_status()
        out.append(str(answer.json()["token"]))
    return out


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def spread(name: str, values: list[float]) -> str:
    p50, p99 = statistics.median(values), percentile(values, 0.99)
    return f"    {name}:  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms"


async def overhead(npc_origin: str, dify_run: str) -> None:
    """(a) Per-request cost of going through npc, sequential, one keep-alive connection each."""
    async with (
        httpx.AsyncClient(timeout=10) as to_npc,
        httpx.AsyncClient(timeout=10) as to_dify,
    ):
        [token] = await tokens(to_npc, npc_origin, 1)
        auth = {"Authorization": f"Bearer {token}"}
        direct = run_body("dialogue_discussion", "blocking")
        dify_auth = {"Authorization": f"Bearer {KEYS['dialogue_discussion']}"}
        url = f"{npc_origin}/api/characters/dialogue-analysis"
        through: list[float] = []
        straight: list[float] = []
        for i in range(WARM_UP + SAMPLES):
            t0 = time.perf_counter()
            r = await to_npc.post(url, json=ANALYSIS, headers=auth)
            t1 = time.perf_counter()
            d = await to_dify.post(dify_run, json=direct, headers=dify_auth)
            t2 = time.perf_counter()
            if r.status_code != 200 or d.status_code != 200:
                raise RuntimeError(f"bad answer: {r.status_code} {d.status_code}")
            if i >= WARM_UP:
                through.append((t1 - t0) * 1000)
                straight.append((t2 - t1) * 1000)
    p50 = statistics.median(through) - statistics.median(straight)
    p99 = percentile(through, 0.99) - percentile(straight, 0.99)
    print(f"(a) orchestration overhead, {SAMPLES} sequential requests each:")
    print(spread("through npc", through))
    print(spread("direct Dify", straight))
    aim = verdict(p50 <= 5)
    print(f"    overhead:     p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  (aim p50 <= 5 ms: {aim})")


async def first_chunk(
    client: httpx.AsyncClient, url: str, body: object, headers: dict[str, str], marker: str
) -> float:
    """Milliseconds to the first line holding `marker`; the stream is read to its end."""
    started = time.perf_counter()
    seen: float | None = None
    async with client.stream("POST", url, json=body, headers=headers) as response:
        if response.status_code != 200:
            raise RuntimeError(f"stream answered {response.status_code}")
        async for line in response.aiter_lines():
            if seen is None and line.startswith("data: ") and marker in line:
                seen = time.perf_counter()
    if seen is None:
        raise RuntimeError("no text chunk came")
    return (seen - started) * 1000


async def streaming(npc_origin: str, dify_run: str) -> None:
    """(c) Time to the first streamed chat chunk, through npc and straight from Dify."""
    async with (
        httpx.AsyncClient(timeout=10) as to_npc,
        httpx.AsyncClient(timeout=10) as to_dify,
    ):
        [token] = await tokens(to_npc, npc_origin, 1)
        auth = {"Authorization": f"Bearer {token}"}
        dify_auth = {"Authorization": f"Bearer {KEYS['character_chat']}"}
        direct = run_body("character_chat", "streaming")
        url = f"{npc_origin}/api/chat/character?stream=1"
        through: list[float] = []
        straight: list[float] = []
        for i in range(50 + STREAM_SAMPLES):
            message = {"sessionId": f"bench-{i}", "message": "你好", "characterId": LIN_ZHOU}
            a = await first_chunk(to_npc, url, message, auth, '"text"')
            b = await first_chunk(to_dify, dify_run, direct, dify_auth, "text_chunk")
            if i >= 50:
                through.append(a)
                straight.append(b)
    p50 = statistics.median(through) - statistics.median(straight)
    upstream = FIRST_CHUNK_SECONDS * 1000
    print(
        f"(c) streaming pass-through, {STREAM_SAMPLES} chats, first text after {upstream:.0f} ms:"
    )
    print(spread("through npc", through))
    print(spread("direct Dify", straight))
    print(f"    added:        p50 {p50:7.2f} ms  (aim <= 10 ms: {verdict(p50 <= 10)})")


CLIENT_CALLS: Final = 3000
CLIENT_CONCURRENCY: Final = 50


async def _calls(call: Callable[[], Awaitable[None]], count: int) -> tuple[float, float]:
    """`count` calls, CLIENT_CONCURRENCY at once: CPU microseconds per call, calls per second."""
    gate = asyncio.Semaphore(CLIENT_CONCURRENCY)

    async def one() -> None:
        async with gate:
            await call()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / count * 1e6, count / wall


async def clients(dify_run: str) -> None:
    """(d) What each client costs per blocking run, best of two rounds each."""
    body = json.dumps(run_body("dialogue_discussion", "blocking"), ensure_ascii=False).encode()
    headers = {
        "Authorization": f"Bearer {KEYS['dialogue_discussion']}",
        "Content-Type": "application/json",
    }
    limits = httpx.Limits(max_connections=CLIENT_CONCURRENCY)
    plain = httpx.AsyncClient(limits=limits)
    over_aiohttp = httpx.AsyncClient(transport=AiohttpTransport(limits=limits))
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENT_CONCURRENCY))

    def through_httpx(client: httpx.AsyncClient) -> Callable[[], Awaitable[None]]:
        async def call() -> None:
            answer = await client.post(dify_run, content=body, headers=headers)
            json.loads(answer.content)

        return call

    async def through_session() -> None:
        async with session.post(dify_run, data=body, headers=headers) as answer:
            json.loads(await answer.read())

    chosen = {
        "httpx (httpcore)   ": through_httpx(plain),
        "httpx on aiohttp   ": through_httpx(over_aiohttp),
        "aiohttp session    ": through_session,
    }
    print(f"(d) HTTP clients, {CLIENT_CALLS} blocking runs, {CLIENT_CONCURRENCY} at once:")
    try:
        for name, call in chosen.items():
            await _calls(call, 300)  # connections and warm code
            rounds = [await _calls(call, CLIENT_CALLS) for _ in range(2)]
            cpu = min(r[0] for r in rounds)
            rate = max(r[1] for r in rounds)
            print(f"    {name} {cpu:6.0f} us CPU per run  {rate:7.0f} runs/s")
    finally:
        await plain.aclose()
        await over_aiohttp.aclose()
        await session.close()
    print("    npc sends blocking runs on the aiohttp session; streams and files on httpx")


def wrk(
    url: str, token_list: list[str], body: object, seconds: int, server: int | None = None
) -> dict[str, float]:
    """One wrk run of JSON POSTs; its figures (times in microseconds), rps and errors added.

    With the `server`'s pid, also `cpu_us`: the CPU it spent per request meanwhile.
    """
    before = cpu_seconds(server) if server else 0.0
    env = {**os.environ, "BENCH_TOKENS": ",".join(token_list), "BENCH_BODY": json.dumps(body)}
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(LUA), url]
    done = subprocess.run(  # noqa: S603 - wrk from PATH against our own loopback servers
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("DIFY_WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    figures: dict[str, float] = json.loads(line.removeprefix("DIFY_WRK "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "timeout", "non_2xx"))
    if server:
        spent = cpu_seconds(server) - before
        figures["cpu_us"] = spent / max(figures["requests"], 1) * 1e6
    return figures


@attrs.frozen
class Server:
    """A server under load: where it answers, and its process."""

    origin: str
    pid: int

    @property
    def port(self) -> int:
        """The loopback port it listens on."""
        return int(self.origin.rsplit(":", 1)[1])


def describe(name: str, f: dict[str, float]) -> str:
    cpu = f"  {f['cpu_us']:5.0f} us CPU/req" if "cpu_us" in f else ""
    return (
        f"    {name}: {f['rps']:8.1f} req/s  p50 {f['p50_us'] / 1000:7.1f} ms  "
        f"p99 {f['p99_us'] / 1000:7.1f} ms  max {f['max_us'] / 1000:7.1f} ms  "
        f"errors {f['errors']:.0f} (of {f['requests']:.0f}){cpu}"
    )


def load(app: Server, dify_run: str, floor: Server, dify_pid: int) -> None:
    """(b) 1,000 connections through one npc process versus straight at the test server.

    The same load through `_bare_passthrough` (one Litestar route, one aiohttp call, no
    npc) is printed for scale: the part of the gap that belongs to the stack itself. Each
    server's CPU per request is printed too: which of them runs out of CPU first.

    Each measured load starts once the runs of the one before can have been answered
    (the upstream's 1 s and a margin) and every server is idle (`settle`): when wrk
    stops, up to 1,000 runs are still waiting on the test server, and a load started at
    once would pay for their answers in its first second (npc, three runs each: p99
    1.93-2.20 s without waiting, 1.53-1.54 s after 2 s).
    """
    npc_origin, floor_origin = app.origin, floor.origin
    with httpx.Client(timeout=10) as client:
        logins = [
            client.post(f"{npc_origin}/api/auth/login", json={"code": f"dev-{i}"})
            for i in range(32)
        ]
    token_list = [str(answer.json()["token"]) for answer in logins]
    npc_url = f"{npc_origin}/api/characters/dialogue-analysis"
    direct = run_body("dialogue_discussion", "blocking")
    waits: list[float] = []

    def quiet() -> None:
        waits.append(settle(app.pid, floor.pid, dify_pid, at_least=UPSTREAM_SECONDS + 0.5))

    wrk(npc_url, token_list, ANALYSIS, 3)  # warm-up: connections, pools, caches
    quiet()
    with accept_queue.sampled(app.port) as waiting:
        through = wrk(npc_url, token_list, ANALYSIS, LOAD_SECONDS, app.pid)
    floor_url = f"{floor_origin}/api/characters/dialogue-analysis"
    wrk(floor_url, ["-"], ANALYSIS, 3)
    quiet()
    bare = wrk(floor_url, ["-"], ANALYSIS, LOAD_SECONDS, floor.pid)
    quiet()
    straight = wrk(dify_run, [KEYS["dialogue_discussion"]], direct, LOAD_SECONDS)
    ratio = through["rps"] / straight["rps"]
    p99 = through["p99_us"] / 1e6
    print(
        f"(b) load: {CONNECTIONS} connections for {LOAD_SECONDS} s, answers after "
        f"{UPSTREAM_SECONDS:g} s; "
        f"each once the servers were idle (waited {', '.join(f'{w:.1f}' for w in waits)} s):"
    )
    print(describe("through npc", through))
    print(describe("bare route ", bare))
    print(describe("direct Dify", straight))
    print(
        f"    npc's accept queue (connections wrk opened, not yet accepted): "
        f"{accept_queue.summary(waiting)}"
    )
    print(
        f"    bare Litestar + aiohttp route (no npc, for scale): ratio "
        f"{bare['rps'] / straight['rps']:.3f}, p99 {bare['p99_us'] / 1e6:.3f} s"
    )
    print(
        f"    throughput ratio {ratio:.3f} (aim >= 0.90: {verdict(ratio >= 0.9)}); "
        f"p99 {p99:.3f} s (aim <= 1.5 s: {verdict(p99 <= 1.5)}); "
        f"errors {through['errors']:.0f} (aim 0: {verdict(through['errors'] == 0)})"
    )


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    """Run (a), (c) and (b) once and print their figures."""
    limit = raise_open_file_limit()
    print(f"open-file limit {limit}, {os.cpu_count()} CPUs, load average {load_average()}")
    with ExitStack() as stack:
        args, ready, base = dify(0.0)
        stack.enter_context(process(args, ready.replace("/workflows/run", "/ping")))
        npc_args, npc_ready, npc_origin = npc(base)
        stack.enter_context(process(npc_args, npc_ready))
        asyncio.run(overhead(npc_origin, ready))
        asyncio.run(streaming(npc_origin, ready))
        asyncio.run(clients(ready))
    if shutil.which("wrk") is None:
        print("(b) skipped: wrk is not installed (apt-get install -y wrk)")
        return
    with ExitStack() as stack:
        args, ready, base = dify(UPSTREAM_SECONDS)
        dify_pid = stack.enter_context(process(args, ready.replace("/workflows/run", "/ping"))).pid
        npc_args, npc_ready, npc_origin = npc(base)
        npc_pid = stack.enter_context(process(npc_args, npc_ready)).pid
        floor_args, floor_ready, floor_origin = npc(base, "benchmarks._bare_passthrough")
        floor_pid = stack.enter_context(process(floor_args, floor_ready)).pid
        load(Server(npc_origin, npc_pid), ready, Server(floor_origin, floor_pid), dify_pid)
    print(f"load average at the end: {load_average()}")
