"""HS256 JSON Web Tokens (RFC 7519 over RFC 7515), written with the standard library only.

A token is `base64url(header) "." base64url(claims) "." base64url(signature)`, each part
without padding, where the header is `{"alg":"HS256","typ":"JWT"}`, the claims are
`{"sub":<user id>,"iat":<issued>,"exp":<expires>,"iss":<issuer>}` (times in whole seconds
since the epoch) and the signature is HMAC-SHA256 of the first two parts joined by a dot.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Final

from npc_core.errors import TokenExpired, TokenInvalid
from npc_core.ports import Clock, IssuedToken

MIN_SECRET_BYTES: Final = 32
"""HMAC-SHA256 keys shorter than the hash (32 bytes) weaken it (RFC 7518 section 3.2)."""

MAX_TOKEN_LENGTH: Final = 8192
VERIFIED_CACHE_SIZE: Final = 10_000  # verified tokens remembered; cleared when full
"""Longer strings are refused before any decoding: ours are a few hundred characters."""

ALGORITHM: Final = "HS256"
_HEADER: Final = {"alg": ALGORITHM, "typ": "JWT"}
_SEGMENT: Final = re.compile(r"[A-Za-z0-9_-]+")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(segment: str) -> bytes:
    """The bytes of a canonical unpadded base64url segment; `TokenInvalid` otherwise."""
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        raise TokenInvalid("the token is not base64url")
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenInvalid("the token is not base64url") from exc
    # Unused trailing bits make several spellings decode alike ("AB" and "AA"); only
    # the canonical one is accepted, so every character of a token matters.
    if _b64encode(data) != segment:
        raise TokenInvalid("the token is not canonical base64url")
    return data


def _json_segment(segment: str, what: str) -> dict[str, object]:
    try:
        value: object = json.loads(_b64decode(segment))
    except (ValueError, RecursionError) as exc:
        raise TokenInvalid(f"the token {what} is not JSON") from exc
    if not isinstance(value, dict):
        raise TokenInvalid(f"the token {what} is not a JSON object")
    return value


def _check_header(header: dict[str, object]) -> None:
    # Only the one algorithm we issue: never "none", never one the token picks.
    if header.get("alg") != ALGORITHM:
        raise TokenInvalid("the token algorithm is not HS256")
    if header.get("typ", "JWT") != "JWT":
        raise TokenInvalid("the token type is not JWT")


def _encode_json(value: dict[str, object]) -> str:
    # Compact, ASCII-only JSON: the bytes are fixed for given claims, so tokens are reproducible.
    return _b64encode(json.dumps(value, separators=(",", ":")).encode("ascii"))


class JwtTokenIssuer:
    """Issues and verifies HS256 JWTs naming a user id; any process with the secret can verify.

    `secret` must be at least `MIN_SECRET_BYTES` bytes (UTF-8) unless `allow_short_secret`
    is set, which is for development settings only; an empty secret is always refused.
    Tokens expire `ttl_seconds` after issue, measured by `clock`.
    """

    def __init__(
        self,
        secret: str,
        clock: Clock,
        ttl_seconds: int = 7 * 24 * 3600,
        issuer: str = "npc",
        *,
        allow_short_secret: bool = False,
    ) -> None:
        key = secret.encode("utf-8")
        if not key:
            raise ValueError("the token secret must not be empty")
        if len(key) < MIN_SECRET_BYTES and not allow_short_secret:
            raise ValueError(
                f"the token secret must be at least {MIN_SECRET_BYTES} bytes "
                f"(got {len(key)}); generate one with `python -c "
                f"'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if not issuer:
            raise ValueError("the issuer must not be empty")
        self._key = key
        self._clock = clock
        self._ttl = ttl_seconds
        self._issuer = issuer
        # Tokens already verified, with their subject and expiry: a client sends the same
        # token with every request, and checking it again was ~6% of a request's CPU.
        self._verified: dict[str, tuple[str, int]] = {}

    @classmethod
    def for_development(
        cls, secret: str, clock: Clock, ttl_seconds: int = 7 * 24 * 3600, issuer: str = "npc"
    ) -> JwtTokenIssuer:
        """An issuer that accepts a short (but non-empty) secret: never for production."""
        return cls(secret, clock, ttl_seconds, issuer, allow_short_secret=True)

    def __repr__(self) -> str:
        return f"JwtTokenIssuer(issuer={self._issuer!r}, ttl_seconds={self._ttl})"

    def _sign(self, signing_input: bytes) -> bytes:
        return hmac.new(self._key, signing_input, hashlib.sha256).digest()

    def issue(self, user_id: str) -> IssuedToken:
        """A token naming `user_id`, valid for the configured lifetime from now."""
        if not user_id:
            raise ValueError("a token must name a user")
        issued_at = int(self._clock.now().timestamp())
        claims: dict[str, object] = {
            "sub": user_id,
            "iat": issued_at,
            "exp": issued_at + self._ttl,
            "iss": self._issuer,
        }
        signing_input = f"{_encode_json(dict(_HEADER))}.{_encode_json(claims)}"
        signature = _b64encode(self._sign(signing_input.encode("ascii")))
        return IssuedToken(f"{signing_input}.{signature}", self._ttl)

    def verify(self, token: str) -> str:
        """The user id the token names; `TokenInvalid` or `TokenExpired` otherwise."""
        known = self._verified.get(token)
        if known is not None:
            subject, expires = known
            if self._clock.now().timestamp() >= expires:
                raise TokenExpired("the token has expired")
            return subject
        subject = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (subject, self._expiry(token))
        return subject

    def _expiry(self, token: str) -> int:
        expires = _json_segment(token.split(".")[1], "claims")["exp"]
        assert isinstance(expires, int)  # noqa: S101 - _verify checked it
        return expires

    def _verify(self, token: str) -> str:
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenInvalid("the token is too long")
        parts = token.split(".")
        if len(parts) != 3:  # noqa: PLR2004 - header, claims, signature
            raise TokenInvalid("the token does not have three parts")
        if not all(_SEGMENT.fullmatch(part) for part in parts):
            raise TokenInvalid("the token is not three base64url parts")
        header_part, claims_part, signature_part = parts

        _check_header(_json_segment(header_part, "header"))
        signature = _b64decode(signature_part)
        expected = self._sign(f"{header_part}.{claims_part}".encode("ascii"))
        if not hmac.compare_digest(signature, expected):
            raise TokenInvalid("the token signature does not match")
        return self._subject(_json_segment(claims_part, "claims"))

    def _subject(self, claims: dict[str, object]) -> str:
        """The user id in signed claims, once issuer and expiry are checked."""
        if claims.get("iss") != self._issuer:
            raise TokenInvalid("the token was not issued here")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise TokenInvalid("the token names no user")
        expires = claims.get("exp")
        if isinstance(expires, bool) or not isinstance(expires, int):
            raise TokenInvalid("the token has no expiry")
        if self._clock.now().timestamp() >= expires:
            raise TokenExpired("the token has expired")
        return subject
