"""Ports for files, cache, queue, identity, tokens, time and ids."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

import attrs


@attrs.frozen
class StoredObject:
    key: str
    size: int
    content_type: str


class ObjectStorage(Protocol):
    """Files under keys derived from ids; putting a key again overwrites it."""

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject: ...
    async def get(self, key: str) -> bytes:
        """The file's bytes; `NotFound` when there is none."""

    async def delete(self, key: str) -> None:
        """Remove the file; a missing key is not an error."""

    async def exists(self, key: str) -> bool: ...
    async def url(self, key: str, expires_in: int = 3600) -> str:
        """A URL a client may fetch the file from for `expires_in` seconds."""

    async def ping(self) -> None:
        """Raise when the storage cannot be used."""


class Cache(Protocol):
    """A shared byte cache with TTLs; losing it costs speed, never correctness."""

    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def delete_prefix(self, prefix: str) -> None: ...
    async def ping(self) -> None: ...


class Lane(StrEnum):
    """Queues by membership, so free work never delays premium work."""

    PREMIUM = "premium"
    FREE = "free"


class TaskQueue(Protocol):
    """Carries task ids to workers; enqueueing an id already queued is a no-op."""

    async def enqueue(self, task_id: str, lane: Lane, priority: int = 5) -> None: ...


@attrs.frozen
class Identity:
    """Who the identity provider says the caller is (WeChat openid, unionid when bound)."""

    openid: str
    unionid: str | None = None


class IdentityProvider(Protocol):
    """Turns a one-time login code into an identity (`IdentityRejected` when refused)."""

    async def identify(self, code: str) -> Identity: ...


@attrs.frozen
class IssuedToken:
    token: str
    expires_in: int  # seconds


class TokenIssuer(Protocol):
    """Issues and checks bearer tokens naming a user id."""

    def issue(self, user_id: str) -> IssuedToken: ...
    def verify(self, token: str) -> str:
        """The user id in the token; `TokenInvalid` or `TokenExpired` otherwise."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A fresh UUID string (36 characters)."""

    def new_token(self, nbytes: int = 16) -> str:
        """A URL-safe random token carrying `nbytes` random bytes."""


class IdempotencyStore(Protocol):
    """Remembers responses to requests sent with an `Idempotency-Key`, per user, for a while.

    `claim` lets exactly one request with a key proceed; the others find its saved
    response (`load`) once it is done, or nothing while it is still running.
    """

    async def claim(self, scope: str, key: str, ttl_seconds: int) -> bool:
        """Take the key if nobody has; whether this caller got it."""

    async def save(self, scope: str, key: str, response: bytes, ttl_seconds: int) -> None:
        """Keep the finished response for the claimed key."""

    async def load(self, scope: str, key: str) -> bytes | None:
        """The saved response, or None (unknown key, or its request still running)."""

    async def forget(self, scope: str, key: str) -> None:
        """Release a claim whose request failed, so a retry may run."""
