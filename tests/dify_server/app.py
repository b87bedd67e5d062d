"""A Dify-compatible Service API as a plain ASGI app, driven by a `DifyControl`.

Routes: `POST /v1/workflows/run` (blocking and streaming), `GET /v1/workflows/run/{id}`,
`POST /v1/workflows/tasks/{id}/stop`, and file downloads under `/files/...` (also
`/v1/files/...`) with signed, expiring, relative URLs. Keys are per app, as in Dify.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from tests.dify_server.control import DifyControl, Fault, FaultSpec, Run, Script, Seen
from tests.dify_server.files import ServerFile, file_object, signed_path, valid

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
GATEWAY = {
    Fault.BAD_GATEWAY: (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    Fault.UNAVAILABLE: (503, b"<html><body><h1>503 Service Unavailable</h1></body></html>"),
    Fault.GATEWAY_TIMEOUT: (504, b"<html><body><h1>504 Gateway Time-out</h1></body></html>"),
}


class Dropped(Exception):
    """Raised inside a response to make the server cut the connection."""


def _error_body(status: int, code: str, message: str) -> bytes:
    return json.dumps({"code": code, "message": message, "status": status}).encode()


class DifyApp:
    """The ASGI app; `control` scripts it."""

    def __init__(self, control: DifyControl) -> None:
        self.control = control
        self.origin = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if not self.origin and scope.get("server"):
            host, port = scope["server"]
            self.origin = f"http://{host}:{port}"
        if path.startswith(("/files/", "/v1/files/")) and method == "GET":
            await self._file(scope, send)
            return
        key = _bearer(scope)
        workflow = self.control.workflow_of(key) if key else None
        body = await _body(receive) if method == "POST" else b""
        parsed = _json_object(body)
        self.control.record(
            Seen(method, path, workflow, parsed.get("response_mode") if parsed else None, parsed)
        )
        if workflow is None:
            await _send(send, 401, _error_body(401, "unauthorized", "Access token is invalid"))
        elif path == "/v1/workflows/run" and method == "POST":
            await self._run(workflow, parsed, send)
        elif path.startswith("/v1/workflows/run/") and method == "GET":
            await self._detail(path.rsplit("/", 1)[-1], send)
        elif (
            path.startswith("/v1/workflows/tasks/") and path.endswith("/stop") and method == "POST"
        ):
            user = str((parsed or {}).get("user", ""))
            with self.control.lock:
                self.control.stops.append((path.split("/")[-2], user))
            await _send(send, 200, b'{"result": "success"}')
        else:
            await _send(send, 404, _error_body(404, "not_found", "Not Found"))

    # The run

    async def _run(self, workflow: str, body: Mapping[str, Any] | None, send: Send) -> None:
        if (
            body is None
            or not isinstance(body.get("inputs"), dict)
            or not isinstance(body.get("user"), str)
            or body.get("response_mode") not in {"blocking", "streaming"}
        ):
            await _send(send, 400, _error_body(400, "invalid_param", "inputs/user/mode required"))
            return
        fault = self.control.next_fault(workflow)
        if fault is not None and await self._refuse(fault, send):
            return
        script = self.control.scripts[workflow]
        run = self.control.new_run(workflow, dict(body["inputs"]))
        expired = fault is not None and fault.fault is Fault.EXPIRED_FILES
        outputs = self._outputs(script, run.inputs, expired=expired)
        run.outputs = outputs
        if fault is not None and fault.fault in {Fault.FAILED, Fault.STOPPED, Fault.ERROR_EVENT}:
            run.final_status = "stopped" if fault.fault is Fault.STOPPED else "failed"
            run.error = None if fault.fault is Fault.STOPPED else fault.message
        run.finish_at = time.time() + script.latency
        if body["response_mode"] == "blocking":
            await self._blocking(script, run, fault, send)
        else:
            await self._streaming(script, run, fault, send)

    async def _refuse(self, fault: FaultSpec, send: Send) -> bool:
        kind = fault.fault
        if kind is Fault.SLOW_FIRST_BYTE:
            await asyncio.sleep(fault.seconds)
            return False
        if kind is Fault.RATE_LIMITED:
            headers = [(b"retry-after", fault.retry_after.encode())] if fault.retry_after else []
            body = _error_body(429, "too_many_requests", "Too many requests. Try again later.")
            await _send(send, 429, body, headers=headers)
        elif kind is Fault.SERVER_ERROR:
            await _send(send, 500, _error_body(500, "internal_server_error", "Internal error"))
        elif kind in GATEWAY:
            status, page = GATEWAY[kind]
            headers = [(b"retry-after", fault.retry_after.encode())] if fault.retry_after else []
            await _send(send, status, page, b"text/html", headers)
        elif kind is Fault.BAD_REQUEST:
            await _send(send, 400, _error_body(400, "invalid_param", "dialogues is required"))
        elif kind is Fault.APP_UNAVAILABLE:
            await _send(send, 400, _error_body(400, "app_unavailable", "App unavailable"))
        elif kind is Fault.FORBIDDEN:
            await _send(send, 403, _error_body(403, "forbidden", "Forbidden"))
        elif kind is Fault.NOT_JSON:
            await _send(send, 200, b"<html>welcome</html>", b"text/html")
        else:
            return False
        return True

    def _outputs(self, script: Script, inputs: dict[str, Any], *, expired: bool) -> dict[str, Any]:
        raw = script.outputs(inputs) if callable(script.outputs) else script.outputs
        issued = time.time() - (self.control.file_ttl + 60 if expired else 0)
        return {k: self._files(v, issued) for k, v in raw.items()}

    def _files(self, value: object, issued: float) -> Any:
        if isinstance(value, list):
            return [self._files(v, issued) for v in value]
        if not isinstance(value, ServerFile):
            return value
        file_id = str(uuid.uuid4())
        with self.control.lock:
            self.control.files[file_id] = value
        url = signed_path(self.control.signing_key, file_id, issued)
        return file_object(value, file_id, url if self.control.relative_urls else self.origin + url)

    def _record(self, run: Run, status: str, outputs: object, error: str | None) -> dict[str, Any]:
        now = time.time()
        return {
            "id": run.id,
            "workflow_id": f"wf-{run.workflow}",
            "status": status,
            "outputs": outputs,
            "error": error,
            "elapsed_time": round(now - run.created_at, 3),
            "total_tokens": 321,
            "total_steps": 4,
            "created_at": int(run.created_at),
            "finished_at": int(now),
        }

    def _finish(self, run: Run) -> dict[str, Any]:
        run.status = "stopped" if run.stopped else run.final_status
        with self.control.lock:
            self.control.finished_runs += 1
        outputs = run.outputs if run.status == "succeeded" else None
        return self._record(run, run.status, outputs, run.error)

    async def _blocking(
        self, script: Script, run: Run, fault: FaultSpec | None, send: Send
    ) -> None:
        await asyncio.sleep(script.latency)
        answer = {"task_id": run.task_id, "workflow_run_id": run.id, "data": self._finish(run)}
        body = self._dumps(answer)
        if fault is not None and fault.fault is Fault.DROP:
            await send(_start(200, b"application/json", [(b"content-length", b"%d" % len(body))]))
            await send({"type": "http.response.body", "body": body[:10], "more_body": True})
            raise Dropped
        await _send(send, 200, body)

    async def _streaming(
        self, script: Script, run: Run, fault: FaultSpec | None, send: Send
    ) -> None:
        kind = fault.fault if fault else None
        await send(_start(200, b"text/event-stream", [(b"cache-control", b"no-cache")]))
        base = {"task_id": run.task_id, "workflow_run_id": run.id}
        await self._ping(send)
        await self._event(send, {**base, "event": "workflow_started", "data": {"id": run.id}})
        await self._event(send, {**base, "event": "node_started", "data": {"title": "开始"}})
        reply = (run.outputs or {}).get("reply")
        pieces = script.chunks if script.chunks is not None else _pieces(reply)
        await self._wait(run, script.first_delay, send)
        for index, piece in enumerate(pieces):
            data = {"text": piece, "from_variable_selector": ["llm", "text"]}
            await self._event(send, {**base, "event": "text_chunk", "data": data})
            if index == 0 and kind is Fault.DROP:
                raise Dropped
            if index == 0 and kind is Fault.TRUNCATED:
                await send({"type": "http.response.body", "body": b""})
                return
            if index == 0 and fault is not None and fault.fault is Fault.ERROR_EVENT:
                error = {"event": "error", "workflow_run_id": run.id, "status": 500}
                await self._event(
                    send, {**error, "code": "completion_request_error", "message": fault.message}
                )
                await send({"type": "http.response.body", "body": b""})
                return
            if index == 0 and script.hold is not None:
                while not script.hold.is_set() and not self.control.stopped(run.task_id):  # noqa: ASYNC110 - a threading.Event set by the test's thread
                    await asyncio.sleep(0.005)
            await self._wait(run, script.chunk_delay, send)
        if kind is Fault.DROP:  # a run without text drops after it started
            raise Dropped
        await self._wait(run, max(0.0, run.finish_at - time.time()), send)
        if self.control.stopped(run.task_id):
            run.stopped = True
        await self._event(send, {**base, "event": "workflow_finished", "data": self._finish(run)})
        if script.tts_after_finish:
            audio = {"event": "tts_message", "audio": "SUQz", "message_id": run.id}
            await self._event(send, {**base, **audio})
            await asyncio.sleep(30)  # a Dify that keeps the stream open after the end
        await send({"type": "http.response.body", "body": b""})

    async def _wait(self, run: Run, seconds: float, send: Send) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0 and not self.control.stopped(run.task_id):
            await asyncio.sleep(min(left, self.control.ping_interval))
            await self._ping(send)

    async def _ping(self, send: Send) -> None:
        if self.control.pings:
            await send(
                {"type": "http.response.body", "body": b"event: ping\n\n", "more_body": True}
            )

    async def _event(self, send: Send, event: Mapping[str, Any]) -> None:
        data = b"data: " + self._dumps(event) + b"\n\n"
        step = self.control.split_bytes or len(data)
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            await send({"type": "http.response.body", "body": piece, "more_body": True})

    def _dumps(self, value: object) -> bytes:
        return json.dumps(value, ensure_ascii=self.control.ascii_json).encode()

    # Run detail and files

    async def _detail(self, run_id: str, send: Send) -> None:
        run = self.control.runs.get(run_id)
        if run is None:
            await _send(send, 404, _error_body(404, "not_found", "Workflow run not found"))
            return
        if time.time() < run.finish_at and not run.stopped:
            record = self._record(run, "running", None, None)
        else:
            status = "stopped" if run.stopped else run.final_status
            record = self._record(
                run, status, run.outputs if status == "succeeded" else None, run.error
            )
        # As in Dify 1.0-era versions: inputs (and here outputs) as JSON strings.
        record["inputs"] = json.dumps(run.inputs, ensure_ascii=False)
        record["outputs"] = json.dumps(record["outputs"]) if record["outputs"] else None
        await _send(send, 200, self._dumps(record))

    async def _file(self, scope: Scope, send: Send) -> None:
        parts = scope["path"].removeprefix("/v1").split("/")
        file_id = parts[2] if len(parts) > 2 else ""
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        self.control.record(Seen("GET", scope["path"], None))
        file = self.control.files.get(file_id)
        if file is None or not valid(
            self.control.signing_key, file_id, query, self.control.file_ttl
        ):
            body = _error_body(403, "forbidden", "File not found or signature is invalid")
            await _send(send, 403, body)
            return
        content_type = (file.served_as or file.mime_type).encode()
        await _send(send, 200, file.data, content_type)


def _pieces(reply: object, size: int = 4) -> list[str]:
    if not isinstance(reply, str):
        return []
    return [reply[i : i + size] for i in range(0, len(reply), size)]


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body) if body else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _start(status: int, content_type: bytes, headers: list[tuple[bytes, bytes]]) -> Message:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type), *headers],
    }


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes = b"application/json",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    extra = [(b"content-length", b"%d" % len(body)), *(headers or [])]
    await send(_start(status, content_type, extra))
    await send({"type": "http.response.body", "body": body})
