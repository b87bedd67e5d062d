"""`npc serve` for `bench_search`, with the film library cache switched off.

Run as `python -m benchmarks._search_server --port N` with the environment `npc serve`
reads (NPC_DATABASE_URL, ...). It builds and serves npc exactly as `npc serve` does,
request log included, except that its cache does not answer: the cache-through reads of
the film library (`npc_core.services.cached`) then go to the database, as they do when
the cache is unreachable (and keep nothing). A benchmark of 16 keywords would otherwise
measure the cache after the first request of each, not the search.
"""

from __future__ import annotations

import argparse
import sys

import attrs

from entrypoints.bootstrap import build
from entrypoints.http.app import create_app
from entrypoints.http.logs import configure_logging
from entrypoints.runtime import serve
from entrypoints.settings import Settings


class CacheOff(Exception):
    """What the switched-off cache answers."""


class NoCache:
    """A `Cache` that does not answer: every read goes to the database, nothing is kept."""

    async def get(self, key: str) -> bytes | None:
        """Fail, as an unreachable cache does (logged once a minute by `cached`)."""
        raise CacheOff(key)

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Forget `value` at once."""
        del key, value, ttl_seconds

    async def delete(self, *keys: str) -> None:
        """Nothing to delete."""
        del keys

    async def delete_prefix(self, prefix: str) -> None:
        """Nothing to delete."""
        del prefix

    async def ping(self) -> None:
        """Always reachable."""


def main(argv: list[str] | None = None) -> int:
    """Serve npc, uncached, on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._search_server")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(json_lines=settings.production)
    container = build(settings)
    container = attrs.evolve(container, deps=attrs.evolve(container.deps, cache=NoCache()))
    app = create_app(container)
    serve(app, "127.0.0.1", args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
