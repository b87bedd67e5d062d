"""One Redis client per process, shared by the cache, the counters and the queue."""

from __future__ import annotations

from redis.asyncio import Redis

# A Redis that does not answer must cost a request milliseconds, not the OS timeout:
# reads then fall back to the database (see `adapters.redis.cache`).
CONNECT_TIMEOUT_SECONDS = 0.5
COMMAND_TIMEOUT_SECONDS = 2.0


def connect(url: str, *, max_connections: int = 200, blocking: bool = False) -> Redis:
    """A client for `url` (redis://host:port/db); nothing is connected until first use.

    A `blocking` client has no read timeout, for commands that wait on purpose (saq's
    BLMOVE and its pub/sub listener); its users bound their other calls themselves.
    """
    return Redis.from_url(
        url,
        max_connections=max_connections,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=None if blocking else COMMAND_TIMEOUT_SECONDS,
        health_check_interval=30,
        retry_on_timeout=False,
    )
