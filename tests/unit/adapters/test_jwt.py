"""The HS256 JWT token issuer: encoding pinned by known answers, and every way to forge it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import ManualClock
from adapters.tokens import MIN_SECRET_BYTES, JwtTokenIssuer
from adapters.tokens.jwt import MAX_TOKEN_LENGTH
from npc_core.errors import TokenExpired, TokenInvalid
from npc_core.ports import TokenIssuer

SECRET = "test-secret-that-is-at-least-32-bytes-long"
START = datetime(2025, 1, 1, tzinfo=UTC)  # 1735689600 seconds since the epoch
TTL = 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_made_token(
    header: str | Mapping[str, object],
    claims: str | Mapping[str, object],
    secret: str = SECRET,
) -> str:
    """A token built here, independently of the adapter, signed with HMAC-SHA256."""
    header_text = header if isinstance(header, str) else json.dumps(header)
    claims_text = claims if isinstance(claims, str) else json.dumps(claims)
    signing_input = f"{b64url(header_text.encode())}.{b64url(claims_text.encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def claims_for(sub: object = "user-1", **extra: object) -> dict[str, object]:
    claims: dict[str, object] = {"sub": sub, "iat": 1735689600, "exp": 1735693200, "iss": "npc"}
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


HS256 = {"alg": "HS256", "typ": "JWT"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def issuer(clock: ManualClock) -> JwtTokenIssuer:
    return JwtTokenIssuer(SECRET, clock, ttl_seconds=TTL)


def test_the_issuer_is_a_token_issuer(clock: ManualClock) -> None:
    """JwtTokenIssuer satisfies the TokenIssuer port (checked by mypy through the assignment)."""
    port: TokenIssuer = JwtTokenIssuer(SECRET, clock)
    assert port.verify(port.issue("u").token) == "u"


def test_round_trip(issuer: JwtTokenIssuer) -> None:
    """A token the issuer made names the same user and reports the configured lifetime."""
    issued = issuer.issue("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert issued.expires_in == TTL
    assert issuer.verify(issued.token) == "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_another_issuer_with_the_same_secret_verifies(clock: ManualClock) -> None:
    """Tokens are self-contained: a second process with the same secret accepts them."""
    token = JwtTokenIssuer(SECRET, clock).issue("user-1").token
    assert JwtTokenIssuer(SECRET, clock).verify(token) == "user-1"


def test_the_issued_token_is_exactly_the_rfc_7519_encoding(issuer: JwtTokenIssuer) -> None:
    """Known answer: issue() gives exactly the hand-computed RFC 7519 token.

    Compact JSON header and claims in a fixed key order, base64url without padding,
    signed with HMAC-SHA256 over `header.claims`.
    """
    header = '{"alg":"HS256","typ":"JWT"}'
    claims = '{"sub":"user-1","iat":1735689600,"exp":1735693200,"iss":"npc"}'
    assert issuer.issue("user-1").token == hand_made_token(header, claims)


def test_a_hand_made_token_verifies(issuer: JwtTokenIssuer) -> None:
    """Known answer the other way: a token signed by hand with hmac is accepted.

    Its JSON has whitespace and another key order, so verification follows the standard,
    not our exact bytes.
    """
    token = hand_made_token(
        '{"typ": "JWT", "alg": "HS256"}',
        '{"iss": "npc", "exp": 1735693200, "sub": "hand-made", "iat": 1735689600}',
    )
    assert issuer.verify(token) == "hand-made"


def test_the_signature_matches_rfc_7515_appendix_a1(clock: ManualClock) -> None:
    """Known answer from RFC 7515 A.1: HMAC-SHA256 and base64url give the published signature."""
    issuer = JwtTokenIssuer(SECRET, clock)
    issuer._key = base64.urlsafe_b64decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow=="
    )
    signing_input = (
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
        "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    )
    assert b64url(issuer._sign(signing_input.encode())) == (
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    )


def test_a_token_expires_at_exp_by_the_injected_clock(
    issuer: JwtTokenIssuer, clock: ManualClock
) -> None:
    """Valid up to one second before `exp`; `TokenExpired` at `exp` exactly and after."""
    token = issuer.issue("user-1").token
    clock.advance(TTL - 1)
    assert issuer.verify(token) == "user-1"
    clock.advance(1)
    with pytest.raises(TokenExpired):
        issuer.verify(token)
    clock.advance(10**6)
    with pytest.raises(TokenExpired):
        issuer.verify(token)


def test_a_forged_expired_token_is_invalid_not_expired(issuer: JwtTokenIssuer) -> None:
    """The signature is checked before the expiry: a forged old token says invalid."""
    token = hand_made_token(HS256, claims_for(exp=1), secret="x" * 40)
    with pytest.raises(TokenInvalid):
        issuer.verify(token)


def test_a_tampered_payload_is_invalid(issuer: JwtTokenIssuer) -> None:
    """Swapping in claims naming another user, keeping the signature, is refused."""
    header, _, signature = issuer.issue("user-1").token.split(".")
    forged_claims = b64url(json.dumps(claims_for("admin")).encode())
    with pytest.raises(TokenInvalid):
        issuer.verify(f"{header}.{forged_claims}.{signature}")


def test_a_tampered_signature_is_invalid(issuer: JwtTokenIssuer) -> None:
    """A signature that differs in one byte, or is cut short, is refused."""
    header, claims, signature = issuer.issue("user-1").token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "="))
    raw[0] ^= 1
    for bad in (b64url(bytes(raw)), signature[:-4], b64url(b"")):
        with pytest.raises(TokenInvalid):
            issuer.verify(f"{header}.{claims}.{bad}")


def test_a_non_canonical_signature_spelling_is_invalid(issuer: JwtTokenIssuer) -> None:
    """A signature spelled differently but decoding to the same bytes is refused.

    The last base64url character has unused bits; only the canonical spelling is accepted,
    so every character of a token counts.
    """
    token = issuer.issue("user-1").token
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # A 32-byte signature is 43 characters; the last one carries 4 bits and 2 unused ones.
    twin = alphabet[alphabet.index(last) ^ 1]
    assert base64.urlsafe_b64decode(token.rsplit(".", 1)[1][:-1] + twin + "=") == (
        base64.urlsafe_b64decode(token.rsplit(".", 1)[1] + "=")
    )
    with pytest.raises(TokenInvalid):
        issuer.verify(token[:-1] + twin)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none", "typ": "JWT"},
        {"alg": "None"},
        {"alg": "HS512", "typ": "JWT"},
        {"alg": "RS256", "typ": "JWT"},
        {"typ": "JWT"},
        {"alg": "HS256", "typ": "JWE"},
    ],
)
def test_other_algorithms_are_invalid_even_when_signed(
    issuer: JwtTokenIssuer, header: dict[str, object]
) -> None:
    """Only HS256 is accepted, whatever the token claims, even with a correct HMAC."""
    with pytest.raises(TokenInvalid):
        issuer.verify(hand_made_token(header, claims_for()))


def test_an_unsigned_alg_none_token_is_invalid(issuer: JwtTokenIssuer) -> None:
    """The classic `alg: none` forgery with an empty signature is refused."""
    header = b64url(b'{"alg":"none","typ":"JWT"}')
    claims = b64url(json.dumps(claims_for()).encode())
    with pytest.raises(TokenInvalid):
        issuer.verify(f"{header}.{claims}.")


def test_a_token_from_another_secret_is_invalid(clock: ManualClock) -> None:
    """A token signed with a different secret is refused."""
    token = JwtTokenIssuer("another-secret-that-is-also-32-bytes!!", clock).issue("u").token
    with pytest.raises(TokenInvalid):
        JwtTokenIssuer(SECRET, clock).verify(token)


def test_a_token_from_another_issuer_is_invalid(clock: ManualClock) -> None:
    """Same secret, different `iss`: the token was not issued by this service."""
    token = JwtTokenIssuer(SECRET, clock, issuer="other").issue("u").token
    with pytest.raises(TokenInvalid):
        JwtTokenIssuer(SECRET, clock).verify(token)


@pytest.mark.parametrize(
    "claims",
    [
        claims_for(sub=None),
        claims_for(sub=""),
        claims_for(sub=42),
        claims_for(exp=None),
        claims_for(exp="1735693200"),
        claims_for(exp=1735693200.5),
        claims_for(exp=True),
        claims_for(iss=None),
        "[]",
        '"user-1"',
        "not json",
    ],
)
def test_signed_but_malformed_claims_are_invalid(issuer: JwtTokenIssuer, claims: object) -> None:
    """A correctly signed token is still refused without proper claims.

    The claims must be an object with a non-empty string `sub`, an integer `exp` and our `iss`.
    """
    assert isinstance(claims, str | dict)
    with pytest.raises(TokenInvalid):
        issuer.verify(hand_made_token(HS256, claims))


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.###.$$$",
        "eyJhbGciOiJIUzI1NiJ9.e30.A",
        f"{b64url(b'not json')}.{b64url(b'{}')}.AAAA",
        f"{b64url(b'[]')}.{b64url(b'{}')}.AAAA",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9=.e30.AAAA",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\n.e30.AAAA",
        "é.é.é",
        "a" * (MAX_TOKEN_LENGTH + 1),
    ],
)
def test_malformed_tokens_are_invalid(issuer: JwtTokenIssuer, token: str) -> None:
    """Malformed strings raise `TokenInvalid`, never another error.

    Wrong part count, bad base64url (padding, stray characters), non-JSON or non-object
    headers and over-long strings.
    """
    with pytest.raises(TokenInvalid):
        issuer.verify(token)


def test_a_non_ascii_character_in_the_claims_is_invalid(issuer: JwtTokenIssuer) -> None:
    """A non-ASCII character in the claims part is `TokenInvalid`.

    Regression found by the single-character property: it raised UnicodeEncodeError.
    """
    header, claims, signature = issuer.issue("user-1").token.split(".")
    with pytest.raises(TokenInvalid):
        issuer.verify(f"{header}.\x80{claims[1:]}.{signature}")


def test_a_trailing_newline_is_invalid(issuer: JwtTokenIssuer) -> None:
    """A valid token with a newline appended is refused (no lenient `$` matching)."""
    with pytest.raises(TokenInvalid):
        issuer.verify(issuer.issue("user-1").token + "\n")


def test_short_secrets_are_refused_unless_allowed(clock: ManualClock) -> None:
    """Secrets under 32 bytes raise ValueError; development may opt in; empty never works."""
    short = "s" * (MIN_SECRET_BYTES - 1)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        JwtTokenIssuer(short, clock)
    assert JwtTokenIssuer("s" * MIN_SECRET_BYTES, clock).issue("u").token
    dev = JwtTokenIssuer(short, clock, allow_short_secret=True)
    assert dev.verify(dev.issue("u").token) == "u"
    also_dev = JwtTokenIssuer.for_development("dev", clock)
    assert also_dev.verify(also_dev.issue("u").token) == "u"
    with pytest.raises(ValueError, match="empty"):
        JwtTokenIssuer("", clock, allow_short_secret=True)


def test_the_secret_length_counts_utf8_bytes(clock: ManualClock) -> None:
    """Eleven three-byte characters are 33 bytes, enough even though they are 11 characters."""
    assert JwtTokenIssuer("密" * 11, clock).issue("u").token


def test_bad_settings_are_refused(clock: ManualClock) -> None:
    """A non-positive lifetime or an empty issuer is a configuration error."""
    with pytest.raises(ValueError, match="ttl"):
        JwtTokenIssuer(SECRET, clock, ttl_seconds=0)
    with pytest.raises(ValueError, match="issuer"):
        JwtTokenIssuer(SECRET, clock, issuer="")


def test_an_empty_user_id_is_not_issued(issuer: JwtTokenIssuer) -> None:
    """A token must name a user: issuing for an empty id is a programming error."""
    with pytest.raises(ValueError, match="user"):
        issuer.issue("")


def test_the_secret_is_not_in_the_repr(issuer: JwtTokenIssuer) -> None:
    """Logging the issuer object does not reveal the secret."""
    assert SECRET not in repr(issuer)


@given(sub=st.text(min_size=1))
def test_any_user_id_round_trips(sub: str) -> None:
    """Property: every non-empty string, whatever its characters, comes back unchanged."""
    issuer = JwtTokenIssuer(SECRET, ManualClock(START))
    assert issuer.verify(issuer.issue(sub).token) == sub


@given(sub=st.text(min_size=1, max_size=40), data=st.data())
def test_any_single_character_change_is_invalid(sub: str, data: st.DataObject) -> None:
    """Property: replacing any one character of a token makes it `TokenInvalid`.

    Whatever the position and the replacement, so a token can never verify to another user.
    """
    issuer = JwtTokenIssuer(SECRET, ManualClock(START))
    token = issuer.issue(sub).token
    index = data.draw(st.integers(0, len(token) - 1), label="index")
    replacement = data.draw(
        st.one_of(
            st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="),
            st.characters(),
        ).filter(lambda c: c != token[index]),
        label="replacement",
    )
    with pytest.raises(TokenInvalid):
        issuer.verify(token[:index] + replacement + token[index + 1 :])
