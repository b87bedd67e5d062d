"""Cache-through reads of the film library and of character analyses: keys, TTLs, invalidation.

Keys (ids percent-encoded, so no id can make two keys collide; bump a version when what
its keys hold changes shape):

    lib:v1:search:{page}:{size}:{folded keyword}        a search page
    lib:v1:recommended:{page}:{size}                    a home page of films
    lib:v1:character:{character}                        a character with its film
    lib:v1:movie:{movie}:detail                         a film with its characters
    lib:v1:movie:{movie}:dialogues:{page}:{size}:{character, or * for all}
    ai:v1:character-analysis:{movie}:{character}:{sha256 of the workflow input}

A change to films calls `forget_movies`: each film's own entries go, and with them every
search, home and character page, since a changed film can move into or out of any of
them. Analyses are not forgotten: their key hashes everything the workflow was sent
(title, name, description, lines, the user's context, and the user when that input
holds their own text), so a changed film has new keys.

The cache only ever costs speed: a `get`, `set` or `delete` that fails or hangs is
logged (at most one warning per `WARN_EVERY_SECONDS`) and the read goes to the database.
Between a film changing and `forget_movies`, or when the cache cannot be reached to
forget, a reader may see the old film for at most `LIBRARY_TTL_SECONDS`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar
from urllib.parse import quote

from npc_core.model import PageRequest, fold
from npc_core.ports import Cache, CharacterAnalysisInput
from npc_core.services.cache_codec import Codec

T = TypeVar("T")

LIBRARY_TTL_SECONDS = 300
ANALYSIS_TTL_SECONDS = 24 * 3600
# A healthy cache answers in about a millisecond; past this the database is quicker.
CACHE_TIMEOUT_SECONDS = 0.5
# Forgetting this many films or more drops the whole library cache in one sweep instead
# of one sweep per film (what a bulk import does).
BULK_FORGET = 50
WARN_EVERY_SECONDS = 10.0

LIBRARY = "lib:v1:"
SEARCH = f"{LIBRARY}search:"
RECOMMENDED = f"{LIBRARY}recommended:"
CHARACTER = f"{LIBRARY}character:"
MOVIE = f"{LIBRARY}movie:"
ANALYSIS = "ai:v1:character-analysis:"

_log = logging.getLogger(__name__)


def _id(value: str) -> str:
    return quote(value, safe="")


def search_key(keyword: str, page: PageRequest) -> str:
    """A search page: keywords that fold alike find alike, so they share it."""
    return f"{SEARCH}{page.page}:{page.page_size}:{fold(keyword)}"


def recommended_key(page: PageRequest) -> str:
    """A page of the home page's films."""
    return f"{RECOMMENDED}{page.page}:{page.page_size}"


def movie_prefix(movie_id: str) -> str:
    """Where every entry of one film lives."""
    return f"{MOVIE}{_id(movie_id)}:"


def movie_key(movie_id: str) -> str:
    """A film with its characters."""
    return f"{movie_prefix(movie_id)}detail"


def dialogues_key(movie_id: str, character_id: str | None, page: PageRequest) -> str:
    """A page of a film's lines, all of them or one character's."""
    who = "*" if character_id is None else _id(character_id)  # quote() always encodes *
    return f"{movie_prefix(movie_id)}dialogues:{page.page}:{page.page_size}:{who}"


def character_key(character_id: str) -> str:
    """A character with its film."""
    return f"{CHARACTER}{_id(character_id)}"


def analysis_key(
    movie_id: str, character_id: str, data: CharacterAnalysisInput, owner: str | None
) -> str | None:
    """An analysis, by everything the workflow is sent; None if that is not plain JSON.

    `owner` is the user when the input holds their own text (lines they chose, their
    context), else None: an analysis of the library's lines is shared by everyone, while
    one of a user's text stays theirs, so nobody can probe whether another user sent it.
    """
    sent = [
        data.movie_title,
        data.character_name,
        data.character_description,
        list(data.dialogues),
        data.user_context,
        owner,
    ]
    try:
        canonical = json.dumps(sent, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{ANALYSIS}{_id(movie_id)}:{_id(character_id)}:{digest}"


class _Warnings:
    """One warning per interval at most, saying how many failures it held back."""

    def __init__(self, every_seconds: float) -> None:
        self.every_seconds = every_seconds
        self.last = -every_seconds
        self.held_back = 0

    def warn(self, action: str, key: str, error: BaseException) -> None:
        now = time.monotonic()
        if now - self.last < self.every_seconds:
            self.held_back += 1
            _log.debug("cache %s %s failed: %r", action, key, error)
            return
        _log.warning(
            "cache %s %s failed, using the database: %r (%d more failures since the last warning)",
            action,
            key,
            error,
            self.held_back,
        )
        self.last, self.held_back = now, 0


_warnings = _Warnings(WARN_EVERY_SECONDS)


class _Unreachable(Exception):
    """The cache failed or did not answer in time (already logged)."""


async def _fetch(cache: Cache, key: str) -> bytes | None:
    try:
        async with asyncio.timeout(CACHE_TIMEOUT_SECONDS):
            return await cache.get(key)
    except Exception as error:  # any cache failure is a miss, never the reader's error
        _warnings.warn("get", key, error)
        raise _Unreachable from error


def _decode(key: str, data: bytes, codec: Codec[T]) -> T | None:
    try:
        return codec.decode(data)
    except Exception as error:  # noqa: BLE001 - an entry this build cannot read is a miss
        _log.warning("cache entry %s does not decode, reading the database: %r", key, error)
        return None


async def get(cache: Cache, key: str, codec: Codec[T]) -> T | None:
    """The value cached under `key`; None when there is none or the cache fails."""
    try:
        data = await _fetch(cache, key)
    except _Unreachable:
        return None
    return None if data is None else _decode(key, data, codec)


async def put(cache: Cache, key: str, value: T, codec: Codec[T], ttl_seconds: int) -> None:
    """Keep `value` under `key`; a failure is logged and forgotten."""
    try:
        data = codec.encode(value)
        async with asyncio.timeout(CACHE_TIMEOUT_SECONDS):
            await cache.set(key, data, ttl_seconds)
    except Exception as error:  # noqa: BLE001 - a value not kept costs a later read, nothing more
        _warnings.warn("set", key, error)


async def through(
    cache: Cache, key: str, codec: Codec[T], load: Callable[[], Awaitable[T]], ttl_seconds: int
) -> T:
    """The cached value under `key`, else what `load` reads, kept for `ttl_seconds`.

    `load`'s errors (not found, invalid) propagate and are not cached.
    """
    try:
        data = await _fetch(cache, key)
    except _Unreachable:
        return await load()  # no put: a cache that just failed would likely fail again
    if data is not None and (found := _decode(key, data, codec)) is not None:
        return found
    value = await load()
    await put(cache, key, value, codec, ttl_seconds)
    return value


async def forget_movies(cache: Cache, movie_ids: Iterable[str]) -> None:
    """Drop what the cache holds of these films and every page that may list them.

    Call it after the change is committed (an import, an edit), so a read in between
    cannot put the old film back. A cache that cannot be reached is logged, not raised:
    its entries then age out within `LIBRARY_TTL_SECONDS`.
    """
    ids = list(dict.fromkeys(movie_ids))
    if not ids:
        return
    if len(ids) >= BULK_FORGET:
        prefixes = [LIBRARY]
    else:
        prefixes = [SEARCH, RECOMMENDED, CHARACTER, *(movie_prefix(i) for i in ids)]
    for prefix in prefixes:
        try:
            await cache.delete_prefix(prefix)
        except Exception as error:  # noqa: BLE001 - the change is committed; staleness is bounded
            _warnings.warn("delete_prefix", prefix, error)
