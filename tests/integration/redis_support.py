"""Redis for integration tests: a flushed database of their own, and throwaway servers.

Fixtures, for a test module that sets
`pytest_plugins = ["tests.integration.redis_support"]`:

- `redis_url`: the Redis on 127.0.0.1:6379, database index `NPC_TEST_REDIS_DB`
  (default 15), flushed once when the session starts. Runs that may overlap on one
  server (two checkouts, CI jobs) must each choose their own index.
- `redis_client`: an async client for it from `adapters.redis.client.connect`, the
  database flushed before each test, closed after it.
- `redis_server`: a `RedisServer` of the test's own, started, killed at the end.

`RedisServer` runs `redis-server` on a free port without persistence, so a test can
kill it (an outage) and start it again on the same port (a restart that lost all
data). `shift_ttls` moves a database's clock on, for TTL tests that cannot sleep.

PYTEST_DONT_REWRITE: test modules import helpers from here before `pytest_plugins`
registers it; it has no asserts to rewrite, and this marker spares pytest's warning.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
import redis
from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from adapters.redis.client import connect

DB = int(os.environ.get("NPC_TEST_REDIS_DB", "15"))
HOST, PORT = "127.0.0.1", 6379
REDIS_SERVER = "/usr/bin/redis-server"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test database's URL; the database is empty when the session starts."""
    url = f"redis://{HOST}:{PORT}/{DB}"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"no Redis answers at {url}: {error}")
    finally:
        client.close()
    return url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the test database, emptied for this test."""
    client = connect(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private `redis-server`, running; killed when the test ends."""
    with running_redis() as server:
        yield server


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """A private `redis-server`, running until the block ends (then killed)."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.kill()


def shift_ttls(url: str, seconds: float) -> None:
    """Do to the database at `url` what `seconds` passing would do to its TTLs.

    A key whose remaining TTL is at most `seconds` is removed; every other key with a
    TTL keeps `seconds` less of it. A key without a TTL stays, as it would in Redis,
    so a test also catches a value stored without one.
    """
    elapsed = round(seconds * 1000)
    with redis.Redis.from_url(url) as client:
        for key in client.scan_iter(count=1000):
            remaining = int(client.pttl(key))
            if remaining < 0:  # -1 no TTL, -2 gone meanwhile
                continue
            if remaining <= elapsed:
                client.unlink(key)
            else:
                client.pexpire(key, remaining - elapsed)


class RedisServer:
    """A `redis-server` subprocess on 127.0.0.1, without persistence."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL of its database 0."""
        return f"redis://{HOST}:{self.port}/0"

    def start(self, timeout: float = 5.0) -> None:
        """Start it (again) on its port and wait until it answers PING."""
        if self._process is not None:
            raise RuntimeError("the server is running already")
        self._process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", HOST),
                *("--save", "", "--appendonly", "no", "--dir", tempfile.gettempdir()),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        # No retries of its own (redis-py backs off for up to seconds): we poll quickly.
        with redis.Redis(
            host=HOST, port=self.port, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
        ) as client:
            while True:
                try:
                    client.ping()
                except redis.exceptions.ConnectionError:
                    if time.monotonic() > deadline:
                        self.kill()
                        raise
                    time.sleep(0.02)
                else:
                    return

    def kill(self) -> None:
        """SIGKILL it (no shutdown, no save) and wait until it is gone."""
        if self._process is None:
            return
        self._process.kill()
        self._process.wait()
        self._process = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])
