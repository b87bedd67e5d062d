"""What the Dify-compatible test server does, as the tests script it.

A test holds a `DifyControl`: per workflow it sets outputs (a dict, or a function of
the run's inputs), latency, streamed text pieces, and faults for the next runs; it
reads back every request the server received, the stop requests, and the runs.
The server runs in another thread, so everything here is guarded by one lock.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

import attrs

from tests.dify_server import canned
from tests.dify_server.files import ServerFile

Outputs = Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]]
WORKFLOWS = (
    "character_analysis",
    "dialogue_discussion",
    "character_chat",
    "story_reconstruct",
    "storyboard_design",
    "monologue_generation",
    "voice_synthesis",
    "comic_generation",
)


class Fault(StrEnum):
    """A misbehaviour for one run request."""

    RATE_LIMITED = "rate_limited"  # 429 with Retry-After
    SERVER_ERROR = "server_error"  # 500 with Dify's JSON error
    BAD_GATEWAY = "bad_gateway"  # 502 from a gateway: HTML body
    UNAVAILABLE = "unavailable"  # 503 from a gateway
    GATEWAY_TIMEOUT = "gateway_timeout"  # 504 from a gateway
    BAD_REQUEST = "bad_request"  # 400 invalid_param
    FORBIDDEN = "forbidden"  # 403
    APP_UNAVAILABLE = "app_unavailable"  # 400 app_unavailable: the app is not published
    SLOW_FIRST_BYTE = "slow_first_byte"  # nothing at all for `seconds`, then the normal answer
    DROP = "drop"  # the connection dies mid-answer (the run goes on at Dify)
    TRUNCATED = "truncated"  # streaming: the stream ends cleanly after the first text
    FAILED = "failed"  # HTTP 200, status failed
    STOPPED = "stopped"  # HTTP 200, status stopped
    ERROR_EVENT = "error_event"  # streaming: an `error` event after the first text
    EXPIRED_FILES = "expired_files"  # file URLs already expired
    NOT_JSON = "not_json"  # HTTP 200 with an HTML body


@attrs.frozen
class FaultSpec:
    """A fault with its parameters."""

    fault: Fault
    retry_after: str | None = "1"
    seconds: float = 0.0
    message: str = "模型调用失败：quota exceeded"


@attrs.define
class Script:
    """How one workflow answers."""

    outputs: Outputs
    latency: float = 0.0
    chunks: list[str] | None = None  # streamed text pieces; default: `reply` in pieces
    chunk_delay: float = 0.0
    first_delay: float = 0.0  # streaming: seconds before the first text piece
    hold: threading.Event | None = None  # streaming: wait for it after the first piece
    tts_after_finish: bool = False  # send TTS events after workflow_finished, then hang
    faults: deque[FaultSpec] = attrs.field(factory=deque)


@attrs.frozen
class Seen:
    """A request the server received."""

    method: str
    path: str
    workflow: str | None
    mode: str | None = None
    body: Mapping[str, Any] | None = None


@attrs.define
class Run:
    """A run as `GET /workflows/run/{id}` reports it."""

    id: str
    task_id: str
    workflow: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] | None
    status: str = "running"
    error: str | None = None
    created_at: float = attrs.field(factory=time.time)
    finish_at: float = 0.0
    final_status: str = "succeeded"
    stopped: bool = False


@attrs.define
class DifyControl:
    """The test's handle on the server: scripts in, requests and runs out."""

    keys: dict[str, str] = attrs.field(
        factory=lambda: {w: f"app-{w.replace('_', '')[:20]:0<24}" for w in WORKFLOWS}
    )
    scripts: dict[str, Script] = attrs.field(
        factory=lambda: {w: Script(canned.OUTPUTS[w]) for w in WORKFLOWS}
    )
    ascii_json: bool = False
    pings: bool = True
    ping_interval: float = 0.05
    split_bytes: int | None = None  # send each event in pieces of this many bytes
    relative_urls: bool = True
    file_ttl: float = 300.0
    signing_key: bytes = b"dify-test-secret"
    seen: list[Seen] = attrs.field(factory=list)
    stops: list[tuple[str, str]] = attrs.field(factory=list)
    runs: dict[str, Run] = attrs.field(factory=dict)
    files: dict[str, ServerFile] = attrs.field(factory=dict)
    finished_runs: int = 0
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    # Scripting

    def script(
        self,
        workflow: str,
        outputs: Outputs | None = None,
        *,
        latency: float | None = None,
        chunks: list[str] | None = None,
        chunk_delay: float | None = None,
        first_delay: float | None = None,
        hold: threading.Event | None = None,
        tts_after_finish: bool | None = None,
    ) -> Script:
        """Change how `workflow` answers; unnamed settings stay."""
        with self.lock:
            s = self.scripts[workflow]
            if outputs is not None:
                s.outputs = outputs
            if latency is not None:
                s.latency = latency
            if chunks is not None:
                s.chunks = chunks
            if chunk_delay is not None:
                s.chunk_delay = chunk_delay
            if first_delay is not None:
                s.first_delay = first_delay
            if hold is not None:
                s.hold = hold
            if tts_after_finish is not None:
                s.tts_after_finish = tts_after_finish
            return s

    def fail(self, workflow: str, *faults: Fault | FaultSpec) -> None:
        """Misbehave on the next run requests of `workflow`, one fault per request."""
        with self.lock:
            self.scripts[workflow].faults.extend(
                f if isinstance(f, FaultSpec) else FaultSpec(f) for f in faults
            )

    def next_fault(self, workflow: str) -> FaultSpec | None:
        with self.lock:
            faults = self.scripts[workflow].faults
            return faults.popleft() if faults else None

    # Reading back

    def record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)

    def run_requests(self, workflow: str) -> list[Seen]:
        """The `POST /workflows/run` requests that reached `workflow`'s app."""
        with self.lock:
            return [
                s
                for s in self.seen
                if s.workflow == workflow and s.method == "POST" and s.path.endswith("/run")
            ]

    def count(self, method: str, fragment: str) -> int:
        """How many requests had `method` and `fragment` in their path."""
        with self.lock:
            return sum(1 for s in self.seen if s.method == method and fragment in s.path)

    def workflow_of(self, key: str) -> str | None:
        return next((w for w, k in self.keys.items() if k == key), None)

    def new_run(self, workflow: str, inputs: dict[str, Any]) -> Run:
        run = Run(str(uuid.uuid4()), str(uuid.uuid4()), workflow, inputs, None)
        with self.lock:
            self.runs[run.id] = run
        return run

    def stopped(self, task_id: str) -> bool:
        with self.lock:
            return any(t == task_id for t, _ in self.stops)
