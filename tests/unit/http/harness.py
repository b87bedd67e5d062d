"""An npc HTTP app on in-memory adapters with a scripted workflow runner and a manual clock.

Besides `api(...)`, this module holds what the HTTP tests share: builders that walk the
creation flow over HTTP (story, storyboard, monologue, audio, comic), the error-envelope
check, and a raw ASGI client for requests that must run concurrently (the test client
serves one request at a time).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeAlias

import attrs
import httpx
from litestar.testing import AsyncTestClient

from adapters.memory import ManualClock, MemoryUnitOfWorkFactory, ScriptedWorkflowRunner
from adapters.memory.store import MemoryStore
from adapters.tokens import JwtTokenIssuer
from entrypoints.bootstrap import Container, build
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from npc_core.model import PageRequest

JSON: TypeAlias = dict[str, Any]
Params: TypeAlias = dict[str, str | int | float]

SECRET = "test-secret-test-secret-test-secret-0123"
OTHER_SECRET = "another-secret-another-secret-another-0"
PUBLIC_BASE = "http://127.0.0.1:8000"
FERRY = "00000000-0000-4000-8000-00000000f001"
LIGHTHOUSE = "00000000-0000-4000-8000-00000000f002"
LIN_ZHOU = "00000000-0000-4000-8000-00000000c001"
SU_WAN = "00000000-0000-4000-8000-00000000c002"
OLD_ZHOU = "00000000-0000-4000-8000-00000000c004"

ERROR_KEYS = {"code", "message", "details", "requestId"}


def story_body(**extra: Any) -> JSON:
    """A valid `/api/story/collaborative-reconstruct` body for Lin Zhou of the ferry film."""
    return {
        "movieId": FERRY,
        "characterId": LIN_ZHOU,
        "userStoryNodes": [{"id": "n1", "order": 1, "title": "登船"}],
        **extra,
    }


def board_body(story_id: str, **extra: Any) -> JSON:
    """A valid `/api/storyboard/collaborative-create` body with two frames."""
    return {
        "storyId": story_id,
        "userFrames": [
            {"order": 1, "sceneDescription": "甲板"},
            {"order": 2, "dialogue": "要下雨了"},
        ],
        **extra,
    }


def monologue_body(storyboard_id: str, **extra: Any) -> JSON:
    """A valid monologue request (both surfaces take the same body)."""
    return {"storyboardId": storyboard_id, "characterId": LIN_ZHOU, "frameContext": [], **extra}


def chat_body(session_id: str = "s1", message: str = "你好", **extra: Any) -> JSON:
    """A valid `/api/chat/character` body."""
    return {"sessionId": session_id, "message": message, "characterId": LIN_ZHOU, **extra}


def discussion_body(session_id: str = "d1", **extra: Any) -> JSON:
    """A valid `/api/dify/dialogue-discussion` body."""
    return {
        "characterId": LIN_ZHOU,
        "dialogue": "要下雨了",
        "userInsight": "他其实很孤独",
        "sessionId": session_id,
        **extra,
    }


def analysis_body(**extra: Any) -> JSON:
    """A valid `/api/dify/character-analysis` body (empty lines: the library's)."""
    return {"movieId": FERRY, "characterId": LIN_ZHOU, "dialogues": [], **extra}


def local(url: str) -> str:
    """The path (and query) of an absolute URL the app made, for the test client."""
    assert url.startswith(PUBLIC_BASE), url
    return url.removeprefix(PUBLIC_BASE)


def missing_id() -> str:
    """An id nobody has."""
    return str(uuid.uuid4())


def unique(prefix: str) -> str:
    """A name no other test uses (session ids, login codes) in an app shared by a module."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def expect_error(
    answer: httpx.Response, status: int, code: str, *, request_id_header: bool = True
) -> JSON:
    """Check the error envelope (status, code, Chinese message, details, request id); the error.

    With `request_id_header`, `error.requestId` must equal the `x-request-id` header.
    """
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json"), answer.headers
    body = answer.json()
    assert body["success"] is False, body
    error: JSON = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str), error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
    assert isinstance(error["details"], list), error
    for detail in error["details"]:
        assert set(detail) == {"field", "reason"}, detail
    assert isinstance(error["requestId"], str), error
    assert error["requestId"], error
    if request_id_header:
        assert error["requestId"] == answer.headers.get("x-request-id"), (
            error,
            dict(answer.headers),
        )
    return error


def fields(answer: httpx.Response) -> list[str]:
    """The fields a 400 names in `error.details`."""
    return [d["field"] for d in answer.json()["error"]["details"]]


def not_found_signature(answer: httpx.Response) -> tuple[int, str, str, list[Any]]:
    """What a client can see of a 404 besides its request id."""
    error = answer.json()["error"]
    return answer.status_code, error["code"], error["message"], error["details"]


def foreign_token(user_id: str, clock: ManualClock, secret: str = OTHER_SECRET) -> str:
    """A well-formed HS256 token for `user_id`, signed with `secret` (not the app's)."""
    return JwtTokenIssuer(secret, clock, 3600).issue(user_id).token


@attrs.frozen
class Caller:
    """A logged-in user: the Authorization header and the user's id."""

    headers: dict[str, str]
    id: str


@attrs.frozen
class Creation:
    """One user's whole creation chain, made over HTTP."""

    story_id: str
    storyboard: JSON
    monologue: JSON
    audio: JSON
    comic: JSON

    @property
    def storyboard_id(self) -> str:
        """The storyboard's id."""
        return str(self.storyboard["id"])

    @property
    def monologue_id(self) -> str:
        """The monologue's id."""
        return str(self.monologue["monologueId"])

    @property
    def audio_id(self) -> str:
        """The audio's id."""
        return str(self.audio["audioId"])


@attrs.define
class Api:
    """A test client plus the container behind it."""

    client: AsyncTestClient[Any]
    container: Container
    workflows: ScriptedWorkflowRunner
    clock: ManualClock

    async def login(self, code: str = "dev-alice") -> dict[str, str]:
        """Log in and return the Authorization header."""
        answer = await self.client.post("/api/auth/login", json={"code": code})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    async def caller(self, code: str = "dev-alice") -> Caller:
        """Log in and return the header and the user's id."""
        answer = await self.client.post("/api/auth/login", json={"code": code})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return Caller({"Authorization": f"Bearer {body['token']}"}, body["userInfo"]["id"])

    async def fresh(self) -> Caller:
        """A new user of its own (quota, works, sessions), for tests sharing one app."""
        return await self.caller(unique("dev"))

    async def fresh_login(self) -> dict[str, str]:
        """The Authorization header of a new user of its own."""
        return (await self.fresh()).headers

    async def ok(self, method: str, path: str, auth: dict[str, str], **kwargs: Any) -> JSON:
        """Send a request that must succeed; its JSON body."""
        answer = await self.client.request(method, path, headers=auth, **kwargs)
        assert answer.status_code == 200, (method, path, answer.status_code, answer.text)
        body: JSON = answer.json()
        return body

    async def story(self, auth: dict[str, str]) -> str:
        """A new story of the caller; its id."""
        body = await self.ok(
            "POST", "/api/story/collaborative-reconstruct", auth, json=story_body()
        )
        return str(body["storyId"])

    async def storyboard(self, auth: dict[str, str], story_id: str | None = None) -> JSON:
        """A new storyboard of the caller (over a new story unless given); the storyboard."""
        story_id = story_id or await self.story(auth)
        body = await self.ok(
            "POST", "/api/storyboard/collaborative-create", auth, json=board_body(story_id)
        )
        board: JSON = body["finalStoryboard"]
        return board

    async def monologue(self, auth: dict[str, str], storyboard_id: str) -> JSON:
        """A completed monologue over the storyboard; the task-backed answer."""
        body = await self.ok(
            "POST", "/api/monologue/generate", auth, json=monologue_body(storyboard_id)
        )
        assert body["status"] == "completed", body
        return body

    async def audio(self, auth: dict[str, str], monologue_id: str) -> JSON:
        """A completed recording of the monologue; the task-backed answer."""
        body = await self.ok(
            "POST",
            "/api/audio/synthesize",
            auth,
            json={"monologueId": monologue_id, "voiceConfig": {"voice": "female-1"}},
        )
        assert body["status"] == "completed", body
        return body

    async def comic(self, auth: dict[str, str], storyboard_id: str, audio_id: str) -> JSON:
        """A completed audio comic; the task-backed answer."""
        body = await self.ok(
            "POST",
            "/api/comic/generate",
            auth,
            json={"storyboardId": storyboard_id, "audioId": audio_id},
        )
        assert body["status"] == "completed", body
        return body

    async def creation(self, auth: dict[str, str]) -> Creation:
        """Story, storyboard, monologue, audio and comic, made by the caller."""
        story_id = await self.story(auth)
        board = await self.storyboard(auth, story_id)
        monologue = await self.monologue(auth, board["id"])
        audio = await self.audio(auth, monologue["monologueId"])
        comic = await self.comic(auth, board["id"], audio["audioId"])
        return Creation(story_id, board, monologue, audio, comic)

    async def poll(self, auth: dict[str, str], task_id: str, limit: float = 5.0) -> JSON:
        """Poll a task's status with short sleeps until it ends; its last status body."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            answer = await self.client.get(f"/api/tasks/status/{task_id}", headers=auth)
            assert answer.status_code == 200, answer.text
            assert answer.headers["cache-control"] == "no-store", answer.headers
            body: JSON = answer.json()
            if body["status"] in {"completed", "failed"}:
                return body
            assert loop.time() < deadline, f"task {task_id} still {body['status']}"
            await asyncio.sleep(0.02)

    @property
    def store(self) -> MemoryStore:
        """The in-memory tables behind the app."""
        factory = self.container.deps.uow
        assert isinstance(factory, MemoryUnitOfWorkFactory), "the app runs on SQL (sql=True)"
        return factory.store

    def rows(self, table: str, user_id: str) -> int:
        """How many rows of an in-memory table (stories, tasks, ...) belong to the user."""
        found: dict[str, Any] = getattr(self.store, table)
        return sum(1 for row in found.values() if row.user_id == user_id)

    async def works_of(self, user_id: str) -> int:
        """How many works the user has, read through a unit of work."""
        async with self.container.deps.uow() as uow:
            return (await uow.works.list_for_user(user_id, PageRequest(1, 100))).total

    async def usage_today(self, auth: dict[str, str]) -> int:
        """The AI actions the caller used today (from the profile route)."""
        body = await self.ok("GET", "/api/user/profile", auth)
        return int(body["usageToday"]["used"])

    @asynccontextmanager
    async def raw(self) -> AsyncIterator[httpx.AsyncClient]:
        """A client that calls the running app directly, so requests can overlap."""
        transport = httpx.ASGITransport(app=self.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw:
            yield raw


@asynccontextmanager
async def api(tmp_path: Path, *, sql: bool = False, **overrides: Any) -> AsyncIterator[Api]:
    """A running app; `overrides` change settings (e.g. free_daily_quota=2).

    Data is kept in memory (`Api.store` shows it) unless `sql` asks for the embedded
    SQLite database the default build uses.
    """
    settings = attrs.evolve(
        Settings(data_dir=tmp_path, jwt_secret=Settings().jwt_secret.__class__(SECRET)),
        **overrides,
    )
    workflows = ScriptedWorkflowRunner()
    clock = ManualClock()
    container = build(
        settings, workflows=workflows, clock=clock, store=None if sql else MemoryStore()
    )
    async with AsyncTestClient(app=create_app(container)) as client:
        yield Api(client, container, workflows, clock)
