"""One workflow run, blocking or streamed, with retries before it starts.

Blocking: the whole `POST /workflows/run` is retried on `Retryable` troubles.

Streaming: retried until Dify names the run (`workflow_started`); from then on the
run exists, so a broken stream is not run again (that could cost twice) but
recovered: `GET /workflows/run/{id}` is polled until the run ends. Reading stops at
`workflow_finished` (TTS events may follow it and are never waited for). A run
abandoned before its end (the caller went away, the deadline passed) is stopped with
`POST /workflows/tasks/{task_id}/stop`, in the background.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any, Final

import attrs
import structlog

from adapters.dify.client import TRANSPORT_ERRORS, DifyApi, JsonDict, Refused, trouble_of
from adapters.dify.retry import Attempts, Retryable, Trouble, retrying
from adapters.dify.sse import SseDecoder, dify_events
from npc_core.ports import Workflow

TERMINAL: Final = frozenset({"succeeded", "partial-succeeded", "failed", "stopped"})
_log = structlog.get_logger("adapters.dify")
_STOPPING: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks


@attrs.frozen
class Finished:
    """How a run ended, from `workflow_finished`, a blocking answer or the run detail."""

    run_id: str
    status: str
    outputs: dict[str, Any] | None
    error: str | None = None
    elapsed: float | None = None
    tokens: int | None = None

    @classmethod
    def from_data(cls, data: JsonDict, run_id: str = "") -> Finished:
        """From Dify's run record (`data` of an answer or event, or the run detail)."""
        outputs = data.get("outputs")
        if isinstance(outputs, str):  # Dify 1.0-era run details keep outputs as a JSON string
            try:
                outputs = json.loads(outputs) if outputs.strip() else None
            except ValueError:
                outputs = None
        elapsed, tokens = data.get("elapsed_time"), data.get("total_tokens")
        return cls(
            run_id=str(data.get("id") or run_id),
            status=str(data.get("status") or ""),
            outputs=outputs if isinstance(outputs, dict) else None,
            error=str(data["error"]) if data.get("error") else None,
            elapsed=float(elapsed) if isinstance(elapsed, int | float) else None,
            tokens=tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None,
        )


@attrs.define
class Call:
    """One call of one workflow: its key and user, its deadline (loop time), what happened."""

    workflow: Workflow
    key: str
    user: str
    mode: str
    started: float
    deadline: float
    attempts: Attempts = attrs.field(factory=Attempts)
    task_id: str | None = None
    run_id: str | None = None
    recovered: bool = False
    finished: Finished | None = None


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


async def run_blocking(api: DifyApi, call: Call, inputs: JsonDict) -> Finished:
    """Run in blocking mode, retrying what may be retried."""
    body = {"inputs": inputs, "user": call.user}

    async def attempt() -> Finished:
        answer = await api.run_blocking(
            call.key, body, timeout=max(call.deadline - _loop_time(), 0.001)
        )
        data = answer.get("data")
        if not isinstance(data, dict):
            raise Refused(200, "bad_answer", "the answer has no run data")
        finished = Finished.from_data(data, str(answer.get("workflow_run_id") or ""))
        call.task_id, call.run_id = _text(answer.get("task_id")), finished.run_id
        call.finished = finished
        return finished

    return await retrying(
        attempt, api.options.retry, deadline=call.deadline, attempts=call.attempts, clock=_loop_time
    )


class StreamedRun:
    """A streaming run read one step at a time: `next()` gives a text piece or the end."""

    def __init__(self, api: DifyApi, call: Call, inputs: JsonDict) -> None:
        self._api = api
        self._call = call
        self._body = {"inputs": inputs, "user": call.user}
        self._stack = AsyncExitStack()
        self._chunks: AsyncIterator[bytes] | None = None
        self._decoder = SseDecoder()
        self._events: deque[JsonDict] = deque()
        self._started = False

    @property
    def finished(self) -> Finished | None:
        """How the run ended, once it has."""
        return self._call.finished

    async def next(self) -> str | Finished:
        """The next piece of streamed text, or how the run ended."""
        if self.finished is not None:
            return self.finished
        if not self._started:
            await self._start()
            self._started = True
        while True:
            while self._events:
                item = self._take(self._events.popleft())
                if item is not None:
                    if isinstance(item, Finished):
                        self._call.finished = item
                        await self._stack.aclose()
                    return item
            if self._chunks is None:  # the stream broke after the run started
                self._call.finished = await self._recover()
                return self._call.finished
            await self._read()

    async def close(self) -> None:
        """Let go of the connection; stop the run at Dify if it has not ended."""
        await self._stack.aclose()
        self._chunks = None
        call = self._call
        if self.finished is None and call.task_id:
            task = asyncio.create_task(
                _stop(self._api, call.workflow, call.key, call.task_id, call.user)
            )
            _STOPPING.add(task)
            task.add_done_callback(_STOPPING.discard)

    def _take(self, event: JsonDict) -> str | Finished | None:
        kind = event.get("event")
        if kind == "text_chunk":
            data = event.get("data")
            text = data.get("text") if isinstance(data, dict) else None
            return text if isinstance(text, str) and text else None
        if kind == "workflow_finished":
            data = event.get("data")
            return Finished.from_data(
                data if isinstance(data, dict) else {}, self._call.run_id or ""
            )
        if kind == "error":  # a mid-stream failure: the stream ends after it
            message = str(event.get("message") or event.get("code") or "error event")
            return Finished(self._call.run_id or "", "failed", None, error=message)
        return None

    def _note(self, event: JsonDict) -> None:
        call = self._call
        call.task_id = call.task_id or _text(event.get("task_id"))
        call.run_id = call.run_id or _text(event.get("workflow_run_id"))

    async def _start(self) -> None:
        await retrying(
            self._open_until_started,
            self._api.options.retry,
            deadline=self._call.deadline,
            attempts=self._call.attempts,
            clock=_loop_time,
        )

    async def _open_until_started(self) -> None:
        await self._stack.aclose()
        self._decoder = SseDecoder()
        self._events.clear()
        response = await self._stack.enter_async_context(
            self._api.stream(self._call.key, self._body)
        )
        self._chunks = response.aiter_bytes()
        while self._call.run_id is None and not self._ended():
            if not await self._read() and not self._ended():
                raise Retryable(Trouble.CONNECTION, "the stream ended before the run started")

    def _ended(self) -> bool:
        return any(e.get("event") in {"error", "workflow_finished"} for e in self._events)

    async def _read(self) -> bool:
        """Read one network chunk into events; False when the stream ended or broke."""
        if self._chunks is None:
            return False
        try:
            chunk = await anext(self._chunks)
        except StopAsyncIteration:
            events = self._decoder.close()
            self._lose()
            self._queue(events)
            return bool(events)
        except TRANSPORT_ERRORS as error:
            self._lose()
            if self._call.run_id is None:
                raise trouble_of(error) from error
            _log.warning(
                "dify stream broke",
                workflow=self._call.workflow.value,
                run_id=self._call.run_id,
                error=f"{type(error).__name__}: {error}",
            )
            return False
        self._queue(self._decoder.feed(chunk))
        return True

    def _queue(self, events: list[Any]) -> None:
        for event in dify_events(events):
            self._note(event)
            self._events.append(event)

    def _lose(self) -> None:
        self._chunks = None

    async def _recover(self) -> Finished:
        """The run's end, read from its detail, after the stream broke."""
        await self._stack.aclose()
        call = self._call
        if call.run_id is None:
            raise Retryable(Trouble.CONNECTION, "the stream broke")
        call.recovered = True
        delay = self._api.options.poll_interval
        while True:
            try:
                detail = await self._api.run_detail(call.key, call.run_id)
            except Retryable:
                detail = {}
            finished = Finished.from_data(detail, call.run_id)
            if finished.status in TERMINAL:
                return finished
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _stop(api: DifyApi, workflow: Workflow, key: str, task_id: str, user: str) -> None:
    try:
        await api.stop(key, task_id, user)
    except (Retryable, Refused, *TRANSPORT_ERRORS) as error:
        _log.warning("dify stop failed", workflow=workflow.value, task_id=task_id, error=str(error))
    else:
        _log.info("dify run stopped", workflow=workflow.value, task_id=task_id)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


async def stopping() -> None:
    """Wait for the stop requests still in flight (tests and shutdown)."""
    if _STOPPING:
        await asyncio.gather(*_STOPPING, return_exceptions=True)
