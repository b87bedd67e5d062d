"""Login, bearer tokens (each 401 code on every protected route) and the profile."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.unit.http.harness import (
    SECRET,
    Api,
    analysis_body,
    api,
    expect_error,
    fields,
    foreign_token,
    missing_id,
)
from tests.unit.http.routes import PROTECTED, PUBLIC

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_login_returns_a_token_and_the_user_info(a: Api) -> None:
    """Login answers `token`, `userInfo` (+ `expiresIn`); the same code is the same user."""
    first = await a.client.post("/api/auth/login", json={"code": "dev-alice"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert isinstance(body["token"], str)
    assert body["token"].count(".") == 2
    assert body["expiresIn"] == a.container.settings.jwt_ttl_seconds
    info = body["userInfo"]
    assert {"id", "nickname", "avatarUrl", "membershipType", "usageCount", "createdAt"} <= set(info)
    assert info["membershipType"] == "free"
    again = (await a.client.post("/api/auth/login", json={"code": "dev-alice"})).json()
    other = (await a.client.post("/api/auth/login", json={"code": "dev-bob"})).json()
    assert again["userInfo"]["id"] == info["id"]
    assert other["userInfo"]["id"] != info["id"]


async def test_login_needs_no_token_and_ignores_a_bad_one(a: Api) -> None:
    """Login is public: a garbage Authorization header does not stop it."""
    answer = await a.client.post(
        "/api/auth/login", json={"code": "dev-alice"}, headers={"Authorization": "Bearer x"}
    )
    assert answer.status_code == 200, answer.text


async def test_login_rejects_a_bad_body_naming_the_field(a: Api) -> None:
    """A malformed or ill-typed login body is a 400 validation_error naming the field."""
    cases = [
        (b'{"code": ', "body"),
        (b"not json", "body"),
        (b'{"code": 5}', "code"),
        (b'{"code": null}', "code"),
        (b'{"code": ""}', "code"),
        (json.dumps({"code": "x" * 129}).encode(), "code"),
    ]
    users = len(a.store.users)
    for content, field in cases:
        answer = await a.client.post(
            "/api/auth/login", content=content, headers={"content-type": "application/json"}
        )
        expect_error(answer, 400, "validation_error")
        assert fields(answer) == [field], content
    assert len(a.store.users) == users


async def test_login_without_code_names_the_missing_field(a: Api) -> None:
    """`{}` to login is a 400 whose details name `code`, the missing field."""
    answer = await a.client.post("/api/auth/login", json={})
    expect_error(answer, 400, "validation_error")
    assert fields(answer) == ["code"]


def _body_for(method: str) -> dict[str, object] | None:
    return {} if method in {"POST", "PUT", "PATCH"} else None


def _headers(path: str, auth: dict[str, str] | None = None) -> dict[str, str]:
    """Headers a client sends: the override header on the storyboard POST route."""
    extra = {"X-HTTP-Method-Override": "PATCH"} if path.startswith("/api/storyboards/") else {}
    return {**(auth or {}), **extra}


async def test_every_protected_route_says_token_missing_without_a_header(a: Api) -> None:
    """Every route but login, library reads, share pages, health and docs is 401 token_missing."""
    for method, path in PROTECTED:
        answer = await a.client.request(
            method, path, json=_body_for(method), headers=_headers(path)
        )
        assert answer.status_code == 401, (method, path, answer.text)
        expect_error(answer, 401, "token_missing")


async def test_every_protected_route_says_token_invalid_for_garbage(a: Api) -> None:
    """A token that is not ours is 401 token_invalid on every protected route."""
    for method, path in PROTECTED:
        answer = await a.client.request(
            method,
            path,
            json=_body_for(method),
            headers=_headers(path, {"Authorization": "Bearer not-a-token"}),
        )
        assert answer.status_code == 401, (method, path, answer.text)
        expect_error(answer, 401, "token_invalid")


async def test_every_protected_route_says_token_expired_after_the_ttl(tmp_path: Path) -> None:
    """Once the clock passes the JWT ttl, every protected route answers 401 token_expired."""
    async with api(tmp_path, jwt_ttl_seconds=60) as a:
        auth = await a.login()
        a.clock.advance(61)
        for method, path in PROTECTED:
            answer = await a.client.request(
                method, path, json=_body_for(method), headers=_headers(path, auth)
            )
            assert answer.status_code == 401, (method, path, answer.text)
            expect_error(answer, 401, "token_expired")


async def test_a_token_works_until_its_ttl_and_a_new_login_renews_it(tmp_path: Path) -> None:
    """A token is accepted just before the ttl, refused after it, and a fresh login works again."""
    async with api(tmp_path, jwt_ttl_seconds=60) as a:
        auth = await a.login()
        a.clock.advance(59)
        assert (await a.client.get("/api/user/profile", headers=auth)).status_code == 200
        a.clock.advance(2)
        expect_error(await a.client.get("/api/user/profile", headers=auth), 401, "token_expired")
        renewed = await a.login()
        assert (await a.client.get("/api/user/profile", headers=renewed)).status_code == 200


async def test_token_invalid_for_each_kind_of_bad_token(a: Api) -> None:
    """Wrong scheme, empty, garbage, forged, tampered, `alg: none`, unknown user: token_invalid."""
    alice = await a.caller()
    good = alice.headers["Authorization"].removeprefix("Bearer ")
    header, claims, signature = good.split(".")
    payload = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    tampered = _b64({**payload, "sub": missing_id()})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{claims}."
    cases = {
        "basic scheme": "Basic dXNlcjpwYXNz",
        "token scheme": f"Token {good}",
        "no scheme": good,
        "empty bearer": "Bearer ",
        "garbage": "Bearer abc.def.ghi",
        "other secret": f"Bearer {foreign_token(alice.id, a.clock)}",
        "tampered claims": f"Bearer {header}.{tampered}.{signature}",
        "alg none": f"Bearer {unsigned}",
        "unknown user": f"Bearer {foreign_token(missing_id(), a.clock, SECRET)}",
    }
    for name, value in cases.items():
        answer = await a.client.get("/api/user/profile", headers={"Authorization": value})
        assert answer.status_code == 401, (name, answer.text)
        expect_error(answer, 401, "token_invalid")


async def test_the_bearer_scheme_is_case_insensitive(a: Api) -> None:
    """`bearer <token>` is accepted like `Bearer <token>` (RFC 7235 schemes ignore case)."""
    token = (await a.fresh_login())["Authorization"].removeprefix("Bearer ")
    answer = await a.client.get("/api/user/profile", headers={"Authorization": f"bearer {token}"})
    assert answer.status_code == 200, answer.text


async def test_public_routes_need_no_token(a: Api) -> None:
    """Library reads, health, readiness and the schema answer 200 without Authorization."""
    for method, path in PUBLIC:
        answer = await a.client.request(method, path)
        assert answer.status_code == 200, (method, path, answer.text)


async def test_profile_shows_membership_usage_and_quota(tmp_path: Path) -> None:
    """The profile carries userInfo and today's usage: used, limit (the free quota), remaining."""
    async with api(tmp_path, free_daily_quota=5) as a:
        auth = await a.login()
        body = await a.ok("GET", "/api/user/profile", auth)
        assert body["success"] is True
        assert body["userInfo"]["membershipType"] == "free"
        usage = body["usageToday"]
        assert (usage["used"], usage["limit"], usage["remaining"]) == (0, 5, 5)
        assert usage["date"] == "2025-01-01"
        assert usage["resetsAt"].startswith("2025-01-01T16:00:00")
        await a.ok("POST", "/api/dify/character-analysis", auth, json=analysis_body())
        usage = (await a.ok("GET", "/api/user/profile", auth))["usageToday"]
        assert (usage["used"], usage["remaining"]) == (1, 4)
