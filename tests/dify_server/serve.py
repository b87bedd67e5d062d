"""Serving the test server: in a thread for tests, as a process for benchmarks.

`python -m tests.dify_server --port N [--latency S]` serves the canned outputs until
terminated; `serving(control)` runs it on a free loopback port in a thread.
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

from tests.dify_server.app import DifyApp
from tests.dify_server.control import WORKFLOWS, DifyControl


def free_socket() -> socket.socket:
    """A listening-ready socket bound to a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serving(
    app: Any, *, name: str = "dify-test-server", lifespan: Literal["on", "off"] = "off"
) -> Iterator[str]:
    """Serve the ASGI `app` on loopback in a thread; yields its base URL (`http://host:port`)."""
    sock = free_socket()
    config = uvicorn.Config(
        app,
        lifespan=lifespan,
        log_level="critical",
        access_log=False,
        timeout_graceful_shutdown=1,
        backlog=4096,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    host, port = sock.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def dify_server(control: DifyControl | None = None) -> Iterator[tuple[str, DifyControl]]:
    """The Dify-compatible server in a thread: its `/v1` base URL and its control."""
    control = control or DifyControl()
    with serving(DifyApp(control)) as origin:
        yield f"{origin}/v1", control


def main(argv: list[str] | None = None) -> None:
    """Serve the canned outputs on `--port` with `--latency` until terminated."""
    parser = argparse.ArgumentParser(prog="python -m tests.dify_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument(
        "--first-chunk", type=float, default=0.0, help="streaming: seconds before the first text"
    )
    args = parser.parse_args(argv)
    control = DifyControl(pings=False)
    for workflow in WORKFLOWS:
        control.script(workflow, latency=args.latency)
    control.script("character_chat", first_delay=args.first_chunk)
    uvicorn.run(
        DifyApp(control),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        http="httptools" if importlib.util.find_spec("httptools") else "h11",
        lifespan="off",
        log_level="warning",
        access_log=False,
        backlog=4096,
        timeout_graceful_shutdown=2,
    )
