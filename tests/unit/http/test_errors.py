"""The error envelope for every error class: router errors, 400/413/429/5xx, request ids."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import NoReturn, cast

import attrs
import pytest
import structlog
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from entrypoints.http.errors import HANDLERS
from npc_core.errors import (
    DatabaseUnavailable,
    IdentityUnavailable,
    NpcError,
    StorageUnavailable,
    UpstreamBadOutput,
    UpstreamError,
    UpstreamFailed,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from npc_core.ports import CharacterChatInput, ChatChunk, UnitOfWork, Workflow
from tests.unit.http.harness import (
    FERRY,
    JSON,
    LIN_ZHOU,
    Api,
    analysis_body,
    api,
    board_body,
    chat_body,
    discussion_body,
    expect_error,
    fields,
    monologue_body,
    story_body,
    unique,
)
from tests.unit.http.routes import PROTECTED

pytestmark = pytest.mark.asyncio(loop_scope="module")

MIB = 1024 * 1024

# --- router errors ---------------------------------------------------------------------------


async def test_an_unknown_route_is_404_in_the_envelope(a: Api) -> None:
    """A path no route serves answers 404 with code not_found in the JSON envelope."""
    for path in ["/api/nope", "/api/movies/x/y/z", "/nothing"]:
        answer = await a.client.get(path)
        expect_error(answer, 404, "not_found", request_id_header=False)


async def test_a_wrong_method_is_405_in_the_envelope(a: Api) -> None:
    """A known path with a method it does not serve answers 405 method_not_allowed with Allow."""
    auth = await a.fresh_login()
    for method, path in [
        ("DELETE", "/api/movies/search"),
        ("GET", "/api/auth/login"),
        ("PUT", "/api/chat/character"),
        ("POST", "/api/works"),
    ]:
        answer = await a.client.request(method, path, headers=auth)
        expect_error(answer, 405, "method_not_allowed", request_id_header=False)
        assert answer.headers.get("allow"), (method, path, dict(answer.headers))


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/nope"), ("DELETE", "/api/works")])
async def test_router_errors_carry_the_request_id_header(a: Api, method: str, path: str) -> None:
    """Router 404/405 answers carry `x-request-id` equal to `error.requestId`."""
    answer = await a.client.request(method, path)
    error = expect_error(answer, answer.status_code, answer.json()["error"]["code"])
    assert error["requestId"] == answer.headers["x-request-id"]


# --- request ids -----------------------------------------------------------------------------


async def test_a_sane_client_request_id_is_kept_in_header_and_body(a: Api) -> None:
    """A sane client `X-Request-ID` (8-64 safe characters) is echoed in header and error body."""
    answer = await a.client.get("/api/user/profile", headers={"X-Request-ID": "wx-req-12345"})
    error = expect_error(answer, 401, "token_missing")
    assert error["requestId"] == "wx-req-12345"


async def test_an_unsafe_client_request_id_is_replaced(a: Api) -> None:
    """An unsafe `X-Request-ID` (spaces, too short) is replaced; header and body still agree."""
    for given in ["bad id with spaces", "short"]:
        answer = await a.client.get("/api/user/profile", headers={"X-Request-ID": given})
        error = expect_error(answer, 401, "token_missing")
        assert error["requestId"] != given


async def test_every_response_gets_a_distinct_request_id(a: Api) -> None:
    """Successful answers carry an `x-request-id` too, a new one per request."""
    ids = {(await a.client.get("/health")).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


# --- 400: malformed, mistyped, internal names ------------------------------------------------


async def test_unusable_bodies_are_400_never_500(a: Api) -> None:
    """Empty, truncated, non-object or non-JSON bodies are 400 validation_error with a detail."""
    auth = await a.fresh_login()
    for content in [b"", b"{", b"[1, 2]", b'"text"', b"null", b"{'code': 'x'}", b"\x00"]:
        answer = await a.client.post(
            "/api/chat/character",
            content=content,
            headers={**auth, "content-type": "application/json"},
        )
        expect_error(answer, 400, "validation_error")
        assert len(fields(answer)) >= 1, content


async def test_a_deeply_nested_body_is_400(a: Api) -> None:
    """A body nested 10 000 levels deep is refused as 400 validation_error, not a 500."""
    answer = await a.client.post(
        "/api/auth/login",
        content=b"[" * 10_000 + b"]" * 10_000,
        headers={"content-type": "application/json"},
    )
    expect_error(answer, 400, "validation_error")


async def test_a_body_that_is_not_utf8_is_400(a: Api) -> None:
    """Bytes that are not UTF-8 inside a JSON string are 400 validation_error, not a 500."""
    answer = await a.client.post(
        "/api/auth/login",
        content=b'{"code": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    expect_error(answer, 400, "validation_error")


async def test_every_bad_field_is_named(a: Api) -> None:
    """A body with two bad fields names both in `error.details` (API.md: each bad field)."""
    auth = await a.fresh_login()
    answer = await a.client.post(
        "/api/chat/character",
        headers=auth,
        json={"sessionId": "a b", "message": "x" * 2001, "characterId": LIN_ZHOU},
    )
    expect_error(answer, 400, "validation_error")
    assert sorted(fields(answer)) == ["message", "sessionId"]


@pytest.mark.parametrize(
    ("path", "headers", "body", "field"),
    [
        ("/api/chat/character", {}, {"sessionId": "s", "characterId": LIN_ZHOU}, "message"),
        (
            "/api/monologue/generate",
            {},
            {"characterId": LIN_ZHOU, "frameContext": []},
            "storyboardId",
        ),
        ("/api/chat/character", {}, None, "body"),
        (
            "/api/storyboards/x",
            {"X-HTTP-Method-Override": "PATCH-PATCH-PATCH"},
            {"version": 1},
            "X-HTTP-Method-Override",
        ),
    ],
    ids=["missing-message", "missing-storyboardId", "no-body", "override-too-long"],
)
async def test_validation_never_names_internal_parameters(
    a: Api,
    path: str,
    headers: dict[str, str],
    body: dict[str, object] | None,
    field: str,
) -> None:
    """Details name the missing field, `body` or the header, never Litestar's parameter names."""
    auth = await a.fresh_login()
    answer = await a.client.post(path, headers={**auth, **headers}, json=body)
    expect_error(answer, 400, "validation_error")
    assert fields(answer) == [field]


async def test_missing_fields_are_400(a: Api) -> None:
    """A body missing a required field, or no body at all, is 400 validation_error (never 500)."""
    auth = await a.fresh_login()
    for body in [{"sessionId": "s", "characterId": LIN_ZHOU}, None]:
        answer = await a.client.post("/api/chat/character", headers=auth, json=body)
        expect_error(answer, 400, "validation_error")


# --- 413 -------------------------------------------------------------------------------------


async def test_a_body_over_one_mib_is_413(a: Api) -> None:
    """A body over 1 MiB is 413 payload_too_large, whatever the route (public or protected)."""
    auth = await a.fresh_login()
    content = b'{"code": "' + b"x" * MIB + b'"}'
    for path in ["/api/auth/login", "/api/chat/character", "/api/storyboards/x"]:
        answer = await a.client.post(
            path,
            content=content,
            headers={
                **auth,
                "content-type": "application/json",
                "X-HTTP-Method-Override": "PATCH",
            },
        )
        expect_error(answer, 413, "payload_too_large")


async def test_a_chunked_body_over_one_mib_is_413(a: Api) -> None:
    """A body over 1 MiB sent without Content-Length (chunked) is 413 payload_too_large too."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 65536

    async with a.raw() as raw:
        answer = await raw.post(
            "/api/auth/login", content=chunks(), headers={"content-type": "application/json"}
        )
        expect_error(answer, 413, "payload_too_large")


async def test_a_large_body_under_the_limit_names_the_over_long_field(a: Api) -> None:
    """A 900 KB message (under 1 MiB) is 400 naming `message`, not 413 or 500."""
    auth = await a.fresh_login()
    answer = await a.client.post(
        "/api/chat/character", headers=auth, json=chat_body(message="x" * 900_000)
    )
    expect_error(answer, 400, "validation_error")
    assert fields(answer) == ["message"]


# --- 429 -------------------------------------------------------------------------------------

AI_ROUTES = [
    ("/api/dify/character-analysis", analysis_body()),
    (
        "/api/characters/dialogue-analysis",
        {"movieId": FERRY, "characterId": LIN_ZHOU, "dialogue": "雨"},
    ),
    ("/api/chat/character", chat_body()),
    ("/api/dify/dialogue-discussion", discussion_body()),
    ("/api/story/collaborative-reconstruct", story_body()),
]


async def test_the_quota_runs_out_with_429_and_retry_after(tmp_path: Path) -> None:
    """Past the daily quota every AI route is 429 quota_exceeded with a positive Retry-After."""
    async with api(tmp_path, free_daily_quota=1) as a:
        auth = await a.login()
        await a.ok("POST", "/api/dify/character-analysis", auth, json=analysis_body())
        for path, body in AI_ROUTES:
            answer = await a.client.post(path, headers=auth, json=body)
            error = expect_error(answer, 429, "quota_exceeded")
            assert int(answer.headers["retry-after"]) >= 1, path
            assert error["details"][0]["field"] == "quota"


async def test_task_backed_routes_also_stop_at_the_quota(tmp_path: Path) -> None:
    """A task-backed route past the quota is 429 quota_exceeded and queues no task."""
    async with api(tmp_path, free_daily_quota=2) as a:
        auth = await a.login()
        board = await a.storyboard(auth)  # story + storyboard: both actions
        tasks = len(a.store.tasks)
        for path in ["/api/monologue/generate", "/api/dify/monologue-generate"]:
            answer = await a.client.post(path, headers=auth, json=monologue_body(board["id"]))
            expect_error(answer, 429, "quota_exceeded")
            assert int(answer.headers["retry-after"]) >= 1
        assert len(a.store.tasks) == tasks


async def test_the_quota_comes_back_the_next_day(tmp_path: Path) -> None:
    """After the reset time the same user may act again."""
    async with api(tmp_path, free_daily_quota=1) as a:
        auth = await a.login()
        await a.ok("POST", "/api/dify/character-analysis", auth, json=analysis_body())
        refused = await a.client.post(
            "/api/dify/character-analysis", headers=auth, json=analysis_body()
        )
        expect_error(refused, 429, "quota_exceeded")
        a.clock.advance(24 * 3600)
        await a.ok("POST", "/api/dify/character-analysis", auth, json=analysis_body())


async def test_retry_after_counts_the_seconds_until_the_reset(tmp_path: Path) -> None:
    """Retry-After is the number of seconds from the app's now to the quota reset."""
    async with api(tmp_path, free_daily_quota=1) as a:
        auth = await a.login()
        await a.ok("POST", "/api/dify/character-analysis", auth, json=analysis_body())
        answer = await a.client.post(
            "/api/dify/character-analysis", headers=auth, json=analysis_body()
        )
        expect_error(answer, 429, "quota_exceeded")
        profile = await a.ok("GET", "/api/user/profile", auth)
        resets = datetime.fromisoformat(profile["usageToday"]["resetsAt"])
        expected = (resets - a.clock.now()).total_seconds()
        assert abs(int(answer.headers["retry-after"]) - expected) <= 1


# --- 5xx from the workflows ------------------------------------------------------------------

UPSTREAM = [
    (UpstreamFailed("w", "boom"), 502, "upstream_failed"),
    (UpstreamBadOutput("w", "traits"), 502, "upstream_bad_output"),
    (UpstreamUnavailable("w", "down"), 503, "upstream_unavailable"),
    (UpstreamTimeout("w", "slow"), 504, "upstream_timeout"),
]


def sync_routes(story_id: str) -> list[tuple[Workflow, str, JSON]]:
    """Every synchronous AI route with a valid body (fresh session ids), and its workflow."""
    return [
        (Workflow.CHARACTER_ANALYSIS, "/api/dify/character-analysis", analysis_body()),
        (
            Workflow.DIALOGUE_DISCUSSION,
            "/api/dify/dialogue-discussion",
            discussion_body(unique("talk")),
        ),
        (
            Workflow.DIALOGUE_DISCUSSION,
            "/api/characters/dialogue-analysis",
            {"movieId": FERRY, "characterId": LIN_ZHOU, "dialogue": "雨"},
        ),
        (
            Workflow.CHARACTER_ANALYSIS,
            "/api/characters/collaborative-traits",
            {"characterId": LIN_ZHOU, "userTraits": ["冷静"]},
        ),
        (Workflow.CHARACTER_CHAT, "/api/chat/character", chat_body(unique("chat"))),
        (Workflow.STORY_RECONSTRUCT, "/api/story/collaborative-reconstruct", story_body()),
        (
            Workflow.STORY_RECONSTRUCT,
            "/api/dify/story-reconstruct",
            {"movieId": FERRY, "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}]},
        ),
        (Workflow.STORYBOARD_DESIGN, "/api/storyboard/collaborative-create", board_body(story_id)),
        (Workflow.STORYBOARD_DESIGN, "/api/dify/storyboard-create", board_body(story_id)),
    ]


@pytest.mark.parametrize(("error", "status", "code"), UPSTREAM, ids=[c for _, _, c in UPSTREAM])
async def test_workflow_failures_map_to_502_503_504(
    a: Api, error: UpstreamError, status: int, code: str
) -> None:
    """Failed/bad output -> 502, unavailable -> 503, timeout -> 504 on every synchronous AI route.

    The failed action is given back to the quota.
    """
    user = await a.fresh()
    auth = user.headers
    story_id = await a.story(auth)
    used = await a.usage_today(auth)
    for workflow, path, body in sync_routes(story_id):
        a.workflows.fail(workflow, error)
        answer = await a.client.post(path, headers=auth, json=body)
        expect_error(answer, status, code)
        assert answer.json()["error"]["details"], path
    assert await a.usage_today(auth) == used
    assert a.rows("stories", user.id) == 1
    assert a.rows("storyboards", user.id) == 0


async def test_an_unconfigured_workflow_is_503_naming_its_setting(a: Api) -> None:
    """Without its Dify key a route is 503 workflow_not_configured naming NPC_DIFY_KEY_*."""
    auth = await a.fresh_login()
    story_id = await a.story(auth)
    a.workflows.not_configured(*Workflow)
    for workflow, path, body in sync_routes(story_id):
        answer = await a.client.post(path, headers=auth, json=body)
        error = expect_error(answer, 503, "workflow_not_configured")
        reasons = " ".join(d["reason"] for d in error["details"])
        assert f"NPC_DIFY_KEY_{workflow.value.upper()}" in reasons, (path, reasons)


async def test_an_unexpected_failure_is_500_without_internals(a: Api) -> None:
    """A bug (any non-domain exception) is 500 internal_error carrying only the request id."""
    auth = await a.fresh_login()
    a.workflows.fail(Workflow.CHARACTER_ANALYSIS, RuntimeError("secret internals"))
    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as logs:
        answer = await a.client.post(
            "/api/dify/character-analysis", headers=auth, json=analysis_body()
        )
    error = expect_error(answer, 500, "internal_error")
    assert error["details"] == []
    assert "secret" not in answer.text
    assert "RuntimeError" not in answer.text
    logged = [e for e in logs if e.get("log_level") == "error"]
    assert logged, logs
    assert any(e.get("request_id") == error["requestId"] for e in logged), logged


# --- streamed chat errors --------------------------------------------------------------------


async def test_a_stream_that_fails_midway_ends_with_an_error_event(
    a: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the first chunk, a failure arrives as `event: error` with its code; nothing is kept."""

    async def breaks_after_one_chunk(
        _user: str, _data: CharacterChatInput
    ) -> AsyncIterator[ChatChunk]:
        yield ChatChunk("我是")
        raise UpstreamTimeout("character_chat", "slow")

    auth = await a.fresh_login()
    session = unique("chat")
    monkeypatch.setattr(a.workflows, "stream_chat", breaks_after_one_chunk)
    answer = await a.client.post(
        "/api/chat/character", params={"stream": 1}, headers=auth, json=chat_body(session)
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    blocks = answer.text.strip().split("\n\n")
    assert blocks[0].startswith("event: chunk")
    assert blocks[-1].startswith("event: error")
    payload = json.loads(blocks[-1].split("data: ", 1)[1])
    assert payload == {"success": False, "code": "upstream_timeout"}
    assert await a.usage_today(auth) == 0
    expect_error(
        await a.client.get(f"/api/chat/sessions/{session}", headers=auth), 404, "not_found"
    )


@pytest.mark.parametrize("case", ["foreign-session", "quota", "not-configured", "timeout"])
async def test_a_stream_that_cannot_start_answers_a_json_error(tmp_path: Path, case: str) -> None:
    """Errors before the first chunk (404, 429, 503) answer the JSON envelope with their status."""
    async with api(tmp_path, free_daily_quota=1) as a:
        alice = await a.login()
        bob = await a.login("dev-bob")
        await a.ok("POST", "/api/chat/character", alice, json=chat_body())
        expected = {
            "foreign-session": (bob, "s1", 404, "not_found"),
            "quota": (alice, "s1", 429, "quota_exceeded"),
            "not-configured": (bob, "s2", 503, "workflow_not_configured"),
            "timeout": (bob, "s3", 504, "upstream_timeout"),
        }
        auth, session, status, code = expected[case]
        if case == "not-configured":
            a.workflows.not_configured(Workflow.CHARACTER_CHAT)
        if case == "timeout":
            a.workflows.fail(Workflow.CHARACTER_CHAT, UpstreamTimeout("character_chat", "slow"))
        answer = await a.client.post(
            "/api/chat/character",
            params={"stream": 1},
            headers=auth,
            json=chat_body(session_id=session),
        )
        expect_error(answer, status, code)


async def test_every_json_route_refuses_an_empty_object(a: Api) -> None:
    """`{}` to any route taking a JSON body is 400 validation_error, never 404/500."""
    auth = await a.fresh_login()
    board = await a.storyboard(auth)
    routes = [path for method, path in PROTECTED if method in {"POST", "PUT", "PATCH"}]
    routes = [p.replace("/api/storyboards/x", f"/api/storyboards/{board['id']}") for p in routes]
    for method, path in [("POST", "/api/auth/login"), *(("POST", p) for p in routes)]:
        answer = await a.client.request(
            method, path, headers={**auth, "X-HTTP-Method-Override": "PATCH"}, json={}
        )
        expect_error(answer, 400, "validation_error")
    for method in ["PUT", "PATCH"]:
        answer = await a.client.request(
            method, f"/api/storyboards/{board['id']}", headers=auth, json={}
        )
        expect_error(answer, 400, "validation_error")


# --- the database down -----------------------------------------------------------------------


class _DatabaseDown:
    """A unit of work whose database cannot be reached (what the SQL adapter raises)."""

    async def __aenter__(self) -> NoReturn:
        raise DatabaseUnavailable("the database cannot be reached (error 2003)")

    async def __aexit__(self, *_: object) -> None:
        return None


async def test_a_database_outage_is_503_with_retry_after(tmp_path: Path) -> None:
    """No database: 503 `upstream_unavailable` with Retry-After, for reads and for writes.

    Its message says the service is unavailable, not that the AI is busy.
    """
    async with api(tmp_path) as a:
        auth = await a.login()
        # Only entering is ever reached, so the repositories a unit of work has are not needed.
        deps = attrs.evolve(a.container.deps, uow=lambda: cast("UnitOfWork", _DatabaseDown()))
        app = create_app(attrs.evolve(a.container, deps=deps))
        async with AsyncTestClient(app=app) as down:
            for answer in (
                await down.get("/api/movies/search", params={"keyword": "夜航"}),
                await down.get(f"/api/movies/{FERRY}/dialogues"),
                await down.post(
                    "/api/story/collaborative-reconstruct", headers=auth, json=story_body()
                ),
            ):
                expect_error(answer, 503, "upstream_unavailable")
                assert answer.headers["retry-after"] == "5"
                # Not the AI's fault: the message must not blame it.
                assert answer.json()["error"]["message"] == "服务暂时不可用，请稍后重试"


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (UpstreamUnavailable("character_chat", "overloaded"), 503, "AI 服务繁忙，请稍后重试"),
        (DatabaseUnavailable("refused"), 503, "服务暂时不可用，请稍后重试"),
        (StorageUnavailable("comics/1.mp3", "timeout"), 503, "服务暂时不可用，请稍后重试"),
        (IdentityUnavailable("busy"), 503, "微信登录服务繁忙，请稍后重试"),
        (IdentityUnavailable("45011", rate_limited=True), 429, "请求太频繁，请稍后再试"),
    ],
)
async def test_an_unavailable_service_is_named_in_the_message(
    error: NpcError, status: int, message: str
) -> None:
    """One code for every upstream outage, but only a workflow's says the AI is busy."""

    @get("/fail", sync_to_thread=False)
    def fail() -> None:
        raise error

    app = Litestar(route_handlers=[fail], exception_handlers=HANDLERS)  # type: ignore[arg-type]
    async with AsyncTestClient(app=app) as client:
        answer = await client.get("/fail")
    assert answer.status_code == status
    assert answer.json()["error"]["message"] == message
