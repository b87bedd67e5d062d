"""A small OSS-compatible server on loopback, for tests: one bucket, every request signed.

Speaks the part of OSS's REST API npc uses (PUT, GET, HEAD and DELETE of objects,
path-style or on a bound custom domain) and answers like OSS: XML error bodies (or
the `x-oss-err` header for HEAD), `x-oss-request-id`, ETag and the CRC-64 that
oss2 checks. Each request must carry a valid V4 signature, in the Authorization
header or in the query string of a presigned URL, or it is refused with 403.

Tests can slow it down (`delay`), make it fail (`fail_next`), corrupt a download
(`corrupt_next_get`), move its clock (`clock_offset`) and read what it received.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

import attrs

from tests.oss_server.signing import Rejected, Verifier, crc64


@attrs.frozen
class StoredFile:
    data: bytes
    content_type: str
    cache_control: str | None
    etag: str
    last_modified: float
    crc64: int


@attrs.frozen
class ReceivedRequest:
    """What the server saw: method, bucket, key, query pairs, headers and how it was signed."""

    method: str
    bucket: str
    key: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    signed_by: str  # "header", "query", or "" when refused before a signature was found


class FakeOss:
    """An OSS-like server for `bucket` in `region`, trusting `access_key_id`/`secret`."""

    def __init__(
        self,
        *,
        bucket: str = "npc-test",
        region: str = "cn-hangzhou",
        access_key_id: str = "LTAI5tNpcTestKey",
        access_key_secret: str = "npc-test-secret-0123456789abcdef",  # noqa: S107
        custom_domain: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.region = region
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.custom_domain = custom_domain
        self.verifier = Verifier({access_key_id: access_key_secret}, region)
        self.objects: dict[str, StoredFile] = {}
        self.received: list[ReceivedRequest] = []
        self.delay = 0.0
        self.clock_offset = timedelta()
        self.corrupt_next_get = False
        self._failures: deque[tuple[int, str]] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Control

    @property
    def endpoint(self) -> str:
        """`http://127.0.0.1:{port}` of the running server."""
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, code: str, times: int = 1) -> None:
        """Answer the next `times` requests with this error, whatever they ask."""
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def now(self) -> datetime:
        """The server's clock: the real time moved by `clock_offset`."""
        return datetime.now(UTC) + self.clock_offset

    def start(self) -> Self:
        """Listen on a free loopback port and serve in a background thread."""
        oss = self

        class Handler(_Handler):
            pass

        Handler.oss = oss
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Serving (called from the handler threads)

    def take_failure(self) -> tuple[int, str] | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.received.append(request)


class _Handler(BaseHTTPRequestHandler):
    oss: FakeOss
    protocol_version = "HTTP/1.1"  # keep-alive, as oss2's pooled connections expect

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet: tests read `FakeOss.received` instead."""

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        body = self._read_body()
        request_id = uuid.uuid4().hex[:24].upper()
        parts = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        bucket, key = self._bucket_and_key(unquote(parts.path), headers.get("host", ""))
        query = tuple(_query_pairs(parts.query))
        if self.oss.delay:
            time.sleep(self.oss.delay)
        signed_by = ""
        try:
            self._fail_if_told()
            signed_by = self._verify(method, bucket, key, query, headers)
        except Rejected as refusal:
            self.oss.record(ReceivedRequest(method, bucket, key, query, headers, signed_by))
            self._error(method, refusal, request_id, key)
            return
        self.oss.record(ReceivedRequest(method, bucket, key, query, headers, signed_by))
        if bucket != self.oss.bucket:
            self._error(
                method, Rejected(404, "NoSuchBucket", "bucket does not exist"), request_id, key
            )
            return
        handler = {"PUT": self._put, "GET": self._get, "HEAD": self._head, "DELETE": self._delete}
        handler[method](key, body, headers, request_id)

    def _fail_if_told(self) -> None:
        failure = self.oss.take_failure()
        if failure is not None:
            raise Rejected(failure[0], failure[1], "injected failure")

    def _bucket_and_key(self, path: str, host: str) -> tuple[str, str]:
        if self.oss.custom_domain and host.split(":", maxsplit=1)[0] == self.oss.custom_domain:
            return self.oss.bucket, path.removeprefix("/")
        bucket, _, key = path.removeprefix("/").partition("/")
        return bucket, key

    def _verify(
        self,
        method: str,
        bucket: str,
        key: str,
        query: tuple[tuple[str, str], ...],
        headers: dict[str, str],
    ) -> str:
        now = self.oss.now()
        if any(name == "x-oss-signature" for name, _ in query):
            self.oss.verifier.presigned(method, bucket, key, query, headers, now)
            return "query"
        if "authorization" in headers:
            self.oss.verifier.header_signed(method, bucket, key, query, headers, now)
            return "header"
        raise Rejected(403, "AccessDenied", "You have no right to access this object.")

    # Operations

    def _put(self, key: str, body: bytes, headers: dict[str, str], request_id: str) -> None:
        if not key:
            self._error("PUT", Rejected(400, "InvalidObjectName", "empty key"), request_id, key)
            return
        etag = '"' + hashlib.md5(body, usedforsecurity=False).hexdigest().upper() + '"'
        stored = StoredFile(
            body,
            headers.get("content-type", "application/octet-stream"),
            headers.get("cache-control"),
            etag,
            time.time(),
            crc64(body),
        )
        self.oss.objects[key] = stored
        self._respond(200, request_id, {"ETag": etag, "x-oss-hash-crc64ecma": str(stored.crc64)})

    def _get(self, key: str, _: bytes, __: dict[str, str], request_id: str) -> None:
        stored = self.oss.objects.get(key)
        if stored is None:
            self._error(
                "GET",
                Rejected(404, "NoSuchKey", "The specified key does not exist."),
                request_id,
                key,
            )
            return
        data = stored.data
        if self.oss.corrupt_next_get and data:
            self.oss.corrupt_next_get = False
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        self._respond(200, request_id, _object_headers(stored), data)

    def _head(self, key: str, _: bytes, __: dict[str, str], request_id: str) -> None:
        stored = self.oss.objects.get(key)
        if stored is None:
            self._error(
                "HEAD",
                Rejected(404, "NoSuchKey", "The specified key does not exist."),
                request_id,
                key,
            )
            return
        self._respond(200, request_id, _object_headers(stored), head_length=len(stored.data))

    def _delete(self, key: str, _: bytes, __: dict[str, str], request_id: str) -> None:
        self.oss.objects.pop(key, None)
        self._respond(204, request_id)

    # Wire

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in {b"\r\n", b"\n", b""}:
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _respond(
        self,
        status: int,
        request_id: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        *,
        head_length: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("x-oss-request-id", request_id)
        self.send_header("Date", formatdate(usegmt=True))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != HTTPStatus.NO_CONTENT:
            self.send_header(
                "Content-Length", str(head_length if head_length is not None else len(body))
            )
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _error(self, method: str, refusal: Rejected, request_id: str, key: str) -> None:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"<Code>{escape(refusal.code)}</Code><Message>{escape(refusal.message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>127.0.0.1</HostId>"
            f"<Key>{escape(key)}</Key></Error>"
        ).encode()
        headers = {"Content-Type": "application/xml"}
        if method == "HEAD":  # no body: OSS puts the error document in a header
            headers["x-oss-err"] = base64.b64encode(xml).decode()
            self._respond(refusal.status, request_id, headers)
        else:
            self._respond(refusal.status, request_id, headers, xml)


def _object_headers(stored: StoredFile) -> dict[str, str]:
    headers = {
        "Content-Type": stored.content_type,
        "ETag": stored.etag,
        "Last-Modified": formatdate(stored.last_modified, usegmt=True),
        "x-oss-hash-crc64ecma": str(stored.crc64),
        "x-oss-object-type": "Normal",
        "Accept-Ranges": "bytes",
    }
    if stored.cache_control:
        headers["Cache-Control"] = stored.cache_control
    return headers


def _query_pairs(raw: str) -> list[tuple[str, str]]:
    """Query parameters as sent, percent-decoded ("+" is a plus: OSS encodes spaces as %20)."""
    pairs = []
    for part in raw.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs
