"""`Idempotency-Key` on create routes: the same user and key within 24 h get the first answer.

Only successful answers are remembered (a streamed chat reply, once complete, is
replayed whole); a failed request releases its key so that the client's retry runs.
A second request arriving while the first still runs gets 409.
"""

from __future__ import annotations

import base64
import re
from typing import Final

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.bootstrap import Container
from entrypoints.http.logs import logger
from npc_core.errors import AuthenticationError

_log = logger("npc.idempotency")

HEADER: Final = b"idempotency-key"
TTL_SECONDS: Final = 24 * 3600
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_EXEMPT: Final = ("/api/auth/login",)


class _Saved(msgspec.Struct):
    status: int
    content_type: str
    body: str  # base64


class _Captured:
    """The response as it passes to the client, kept to be replayed."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.content_type = ""
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
        await self._send(message)

    @property
    def replayable(self) -> bool:
        """Successful; a stream only when it ran to its `done` event (replayed whole)."""
        if self.status // 100 != 2:  # noqa: PLR2004
            return False
        return "event-stream" not in self.content_type or b"event: done" in self.body


async def _answer(
    send: Send, status: int, content_type: str, body: bytes, extra: list[tuple[bytes, bytes]]
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _error(code: str, message: str, reason: str, scope: Scope) -> bytes:
    request_id = str(scope.get("state", {}).get("request_id", ""))
    return msgspec.json.encode(
        {
            "success": False,
            "error": {
                "code": code,
                "message": message,
                "details": [{"field": "Idempotency-Key", "reason": reason}],
                "requestId": request_id,
            },
        }
    )


class IdempotencyMiddleware:
    """Replays the first successful answer to a POST with the same user and key."""

    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app = app
        self.container = container

    def _user(self, headers: dict[bytes, bytes]) -> str | None:
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return self.container.deps.tokens.verify(token.strip())
        except AuthenticationError:
            return None  # the route itself answers 401

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Replay, refuse a duplicate in flight, or run and remember."""
        method = scope["method"] if scope["type"] == ScopeType.HTTP else ""
        headers = dict(scope["headers"])
        raw = headers.get(HEADER)
        user = self._user(headers) if raw is not None else None
        if method != "POST" or scope["path"] in _EXEMPT or raw is None or user is None:
            await self.app(scope, receive, send)
            return
        key = raw.decode("latin-1")
        if not _KEY.match(key):
            body = _error(
                "validation_error", "请求参数有误", "must be 1-255 visible ASCII characters", scope
            )
            await _answer(send, 400, "application/json", body, [])
            return
        await self._once(f"{user}:{method}:{scope['path']}", key, scope, receive, send)

    async def _once(self, owner: str, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        store = self.container.idempotency
        try:
            saved = await store.load(owner, key)
            claimed = saved is None and await store.claim(owner, key, TTL_SECONDS)
        except Exception:  # noqa: BLE001 - whatever the store's driver raises, the answer is 503
            # Running the request unguarded could do it twice; the client retries instead.
            _log.warning("idempotency store unavailable", exc_info=True)
            body = _error(
                "upstream_unavailable",
                "服务繁忙，请稍后重试",
                "cannot be checked now; retry shortly",
                scope,
            )
            await _answer(send, 503, "application/json", body, [(b"retry-after", b"5")])
            return
        if saved is not None:
            found = msgspec.json.decode(saved, type=_Saved)
            await _answer(
                send,
                found.status,
                found.content_type,
                base64.b64decode(found.body),
                [(b"idempotent-replayed", b"true")],
            )
            return
        if not claimed:
            body = _error(
                "conflict",
                "相同的请求正在处理中，请稍候",
                "a request with this key is still running",
                scope,
            )
            await _answer(send, 409, "application/json", body, [])
            return
        captured = _Captured(send)
        try:
            await self.app(scope, receive, captured.send)
        finally:
            if captured.replayable:
                record = _Saved(
                    captured.status, captured.content_type, base64.b64encode(captured.body).decode()
                )
                await store.save(owner, key, msgspec.json.encode(record), TTL_SECONDS)
            else:
                await store.forget(owner, key)


def idempotency(container: Container) -> type[IdempotencyMiddleware]:
    """The middleware bound to `container`, for Litestar's `middleware=`."""

    class Bound(IdempotencyMiddleware):
        def __init__(self, app: ASGIApp) -> None:
            super().__init__(app, container)

    return Bound
