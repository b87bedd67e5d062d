"""Opaque bearer tokens remembered in memory."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from npc_core.errors import TokenExpired, TokenInvalid
from npc_core.ports import Clock, IssuedToken


class MemoryTokenIssuer:
    """Random tokens mapped to (user id, expiry); valid only in the process that issued them."""

    def __init__(self, clock: Clock, ttl_seconds: int = 7200) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._clock = clock
        self._ttl = ttl_seconds
        self._tokens: dict[str, tuple[str, datetime]] = {}

    def issue(self, user_id: str) -> IssuedToken:
        """Return a new token naming `user_id`, valid for the configured lifetime."""
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (user_id, self._clock.now() + timedelta(seconds=self._ttl))
        return IssuedToken(token, self._ttl)

    def verify(self, token: str) -> str:
        """Return the user id of the token; `TokenInvalid` or `TokenExpired` otherwise."""
        entry = self._tokens.get(token)
        if entry is None:
            raise TokenInvalid("the token is not one we issued")
        user_id, expires_at = entry
        if self._clock.now() >= expires_at:
            raise TokenExpired("the token has expired")
        return user_id
