"""`npc import` and the shared cache on Redis: changed films are forgotten once committed."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import redis

from adapters.redis.cache import RedisCache
from adapters.redis.client import connect
from adapters.sql.bulk.ids import movie_id
from entrypoints.importing import command
from npc_core.model import PageRequest
from npc_core.services.cached import movie_key, search_key

# A database index of this module's own: other Redis tests flush theirs.
REDIS_URL = "redis://127.0.0.1:6379/13"


async def _put(keys: list[str]) -> None:
    client = connect(REDIS_URL)
    try:
        cache = RedisCache(client)
        for key in keys:
            await cache.set(key, b"cached", 300)
    finally:
        await client.aclose()


async def _present(keys: list[str]) -> list[str]:
    client = connect(REDIS_URL)
    try:
        cache = RedisCache(client)
        return [key for key in keys if await cache.get(key) is not None]
    finally:
        await client.aclose()


def _import(source: Path, data_dir: Path) -> dict[str, Any]:
    out = io.StringIO()
    environ = {"NPC_DATA_DIR": str(data_dir), "NPC_REDIS_URL": REDIS_URL}
    status = command(
        [str(source)],
        fmt=None,
        dry_run=False,
        as_json=True,
        tmdb_id=None,
        environ=environ,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert status == 0, out.getvalue()
    return dict(json.loads(out.getvalue()))


def test_an_import_makes_the_shared_cache_forget_what_changed(tmp_path: Path) -> None:
    """Search pages and the changed film's entries go; other films' and unchanged stay.

    An unchanged re-import leaves the cache alone.
    """
    redis.Redis.from_url(REDIS_URL).flushdb()
    film = {
        "key": "t:1",
        "title": "Fight Club",
        "characters": [{"key": "j", "name": "JACK"}],
        "lines": [{"content": "Hello.", "character": "j"}],
    }
    source = tmp_path / "films.jsonl"
    source.write_text(json.dumps(film) + "\n", encoding="utf-8")
    page, film_entry, other = (
        search_key("fight", PageRequest()),
        movie_key(movie_id("t:1")),
        movie_key("another-film"),
    )
    cached = [page, film_entry, other]
    asyncio.run(_put(cached))
    _import(source, tmp_path / "data")
    assert asyncio.run(_present(cached)) == [other]
    asyncio.run(_put(cached))
    again = _import(source, tmp_path / "data")
    assert again["files"][0]["unchanged"] == 1
    assert asyncio.run(_present(cached)) == cached
