"""npc as separate processes: `npc serve` and `npc worker` subprocesses with their own env.

What runs in production runs here: each process builds itself from NPC_* variables,
API processes share MariaDB and Redis with the workers, and a test may SIGKILL any of
them. Their output goes to a log file under the test's folder, read on failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.dify_server import DifyControl
from tests.integration.dify_support import SECRET

CLI = ("-c", "from entrypoints.cli import main; raise SystemExit(main())")


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def npc_env(
    data_dir: Path,
    database_url: str,
    redis_url: str,
    dify: tuple[str, DifyControl],
    **extra: str,
) -> dict[str, str]:
    """The environment of an npc process: this one's, minus any NPC_*, plus the deployment's."""
    base_url, control = dify
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPC_")}
    env.update(
        {
            "NPC_DATA_DIR": str(data_dir),
            "NPC_JWT_SECRET": SECRET,
            "NPC_DATABASE_URL": database_url,
            "NPC_REDIS_URL": redis_url,
            "NPC_DIFY_BASE_URL": base_url,
            "NPC_OFFLINE_WORKFLOWS": "false",
            **{f"NPC_DIFY_KEY_{name.upper()}": key for name, key in control.keys.items()},
            **extra,
        }
    )
    return env


def start(args: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`npc ARGS...` as a subprocess with `env`, its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, *CLI, *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL if it has not ended within 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_until_serving(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until `npc serve` at `base` answers /health; fails if it exits or takes over 30 s."""
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"npc serve did not come up:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def wait_until_working(process: subprocess.Popen[bytes], log: Path, since: int = 0) -> None:
    """Until `npc worker` has logged (after byte `since` of `log`) that it started."""
    deadline = time.monotonic() + 30
    while "npc worker started" not in log.read_text(errors="replace")[since:]:
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"npc worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


@contextmanager
def serving(env: Mapping[str, str], log: Path) -> Iterator[str]:
    """`npc serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    process = start(["serve", "--port", str(port)], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, log)
        yield base
    finally:
        stop(process)


@contextmanager
def working(env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`npc worker` until the block ends (or the test kills it); yields the process."""
    since = log.stat().st_size if log.exists() else 0
    process = start(["worker", "--concurrency", "4"], env, log)
    try:
        wait_until_working(process, log, since)
        yield process
    finally:
        stop(process)


def login(base: str, code: str = "dev-alice") -> dict[str, str]:
    """Log in through the API; the Authorization header."""
    answer = httpx.post(f"{base}/api/auth/login", json={"code": code}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
