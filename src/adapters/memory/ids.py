"""Id and token generators: random for production, sequential for reproducible tests."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid


class UuidGenerator:
    """Random UUID4 ids and `secrets` tokens."""

    def new_id(self) -> str:
        """Return a fresh random UUID string."""
        return str(uuid.uuid4())

    def new_token(self, nbytes: int = 16) -> str:
        """Return a URL-safe token of `nbytes` random bytes."""
        return secrets.token_urlsafe(nbytes)


class SequentialIds:
    """Deterministic ids (`UUID(int=n)`) and tokens, so a test run repeats exactly.

    Tokens are derived from `seed` and their own counter, so drawing a token never
    shifts the ids that follow; they have the length and alphabet of real ones.
    """

    def __init__(self, start: int = 1, seed: str = "npc") -> None:
        self._next_id = start
        self._next_token = 0
        self._seed = seed

    def new_id(self) -> str:
        """Return the next id in sequence."""
        value = str(uuid.UUID(int=self._next_id))
        self._next_id += 1
        return value

    def new_token(self, nbytes: int = 16) -> str:
        """Return the next token: `nbytes` pseudo-random bytes, URL-safe base64 without padding."""
        material = hashlib.shake_256(f"{self._seed}:{self._next_token}".encode()).digest(nbytes)
        self._next_token += 1
        return base64.urlsafe_b64encode(material).rstrip(b"=").decode("ascii")
