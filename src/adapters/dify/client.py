"""The HTTP side of Dify's Service API: one shared client, requests, and what answers mean.

Every call here is a single attempt. It returns what Dify said, or raises `Retryable`
(429, 500/502/503/504, connection trouble, timeouts) or `Refused` (any other non-2xx:
never worth repeating). Retrying, deadlines and turning answers into npc's errors are
the runner's business.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
import attrs
import httpx
from httpx_aiohttp import AiohttpTransport

from adapters.dify.retry import (
    RETRYABLE_STATUSES,
    Retryable,
    RetryPolicy,
    Trouble,
    parse_retry_after,
)

JsonDict = dict[str, Any]
ERROR_BODY_LIMIT: Final = 64 * 1024


@attrs.frozen
class DifyOptions:
    """How the adapter talks to Dify; the defaults suit production.

    Deadlines bound a whole call, retries and waits included: short workflows answer
    the mini-program, which gives up at 60 s; chat streams; long runs are tasks.
    """

    retry: RetryPolicy = RetryPolicy()
    short_deadline: float = 55.0
    chat_deadline: float = 120.0
    long_deadline: float = 600.0
    connect_timeout: float = 5.0
    # A stream is dead when no byte came for this long: Dify pings at least every 10 s.
    stream_read_timeout: float = 30.0
    max_connections: int = 1024
    keepalive_seconds: float = 30.0
    max_audio_bytes: int = 50 * 1024 * 1024
    max_image_bytes: int = 20 * 1024 * 1024
    poll_interval: float = 0.5
    stop_timeout: float = 5.0
    unavailable_retry_after: float = 5.0  # told to clients when Dify gave no Retry-After


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep none: Dify's Service API sets no cookies, and parsing costs every answer."""


_NO_COOKIES: Final = _NoCookies()  # never holds any, so one serves every client


class _DifyClient(httpx.AsyncClient):
    """An httpx client over one aiohttp session, which blocking runs also use directly.

    httpx's request and response models cost about 185 us of CPU per call on top of
    aiohttp's 100 us (`python -m benchmarks dify`, part (d)); under a thousand concurrent
    analyses that is a sixth of the server's CPU. Blocking runs, npc's busiest call, go
    straight to the session; streams, downloads and the rest keep httpx's API. Both
    share the session's connection pool. It ignores cookies (nothing of Dify's needs them).
    """

    def __init__(self, options: DifyOptions) -> None:
        self._options = options
        self._session: aiohttp.ClientSession | None = None
        super().__init__(
            # The transport takes the shared session from `session` when it first sends.
            transport=AiohttpTransport(client=self.session),
            timeout=httpx.Timeout(options.stream_read_timeout, connect=options.connect_timeout),
            follow_redirects=False,
        )

    @property
    def cookies(self) -> httpx.Cookies:
        """Always empty."""
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        del cookies

    def session(self) -> aiohttp.ClientSession:
        """The shared aiohttp session; made on first use, inside the running event loop."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._options.max_connections,
                keepalive_timeout=self._options.keepalive_seconds,
                ssl=httpx.create_ssl_context(),
            )
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar()
            )
        return self._session

    async def aclose(self) -> None:
        """Close the httpx side and the session (also when only blocking runs used it)."""
        await super().aclose()
        if self._session is not None:
            await self._session.close()


def new_client(options: DifyOptions | None = None) -> httpx.AsyncClient:
    """The client every Dify call shares, over aiohttp: keep-alive, a pool for many runs.

    The composition root creates it and closes it (`aclose`) on shutdown. Environment
    proxies are not read (neither httpx with an explicit transport nor aiohttp does).
    """
    return _DifyClient(options or DifyOptions())


@attrs.frozen
class Answer:
    """A whole non-streamed answer: its status, `Retry-After` header and body."""

    status: int
    retry_after: str | None
    body: bytes


# (url, body, headers, connect timeout, read timeout) -> the answer
Post = Callable[[str, bytes, Mapping[str, str], float, float], Awaitable[Answer]]


def _session_post(client: _DifyClient) -> Post:
    timeouts: dict[tuple[float, float], aiohttp.ClientTimeout] = {}  # a handful in practice

    async def post(
        url: str, body: bytes, headers: Mapping[str, str], connect: float, read: float
    ) -> Answer:
        limits = timeouts.get((connect, read))
        if limits is None:
            limits = timeouts[connect, read] = aiohttp.ClientTimeout(
                sock_connect=connect, sock_read=read
            )
        session = client.session()
        async with session.post(
            url, data=body, headers=headers, timeout=limits, allow_redirects=False
        ) as response:
            content = await response.read()
            return Answer(response.status, response.headers.get("Retry-After"), content)

    return post


def _httpx_post(client: httpx.AsyncClient) -> Post:
    async def post(
        url: str, body: bytes, headers: Mapping[str, str], connect: float, read: float
    ) -> Answer:
        limits = httpx.Timeout(read, connect=connect)
        response = await client.post(url, content=body, headers=headers, timeout=limits)
        return Answer(response.status_code, response.headers.get("retry-after"), response.content)

    return post


class Refused(Exception):
    """Dify answered a non-2xx status not worth retrying (400, 401, 403, 404, ...)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"HTTP {status} {code}: {message}")


def _timed_out(error: Exception) -> bool:
    # httpx-aiohttp maps every aiohttp ClientConnectionError (a server that hung up
    # included) to httpx.ConnectTimeout, so the cause decides whether time ran out.
    if not isinstance(error, httpx.TimeoutException):
        return isinstance(error, TimeoutError)
    cause = error.__cause__
    return cause is None or isinstance(cause, TimeoutError) or "Timeout" in type(cause).__name__


def trouble_of(error: Exception) -> Retryable:
    """A transport failure as a retryable trouble: a timeout, or a connection problem."""
    detail = f"{type(error).__name__}: {error}".rstrip(": ")
    return Retryable(Trouble.TIMEOUT if _timed_out(error) else Trouble.CONNECTION, detail)


TRANSPORT_ERRORS: Final = (httpx.RequestError, aiohttp.ClientError, OSError, TimeoutError)


def _error_fields(body: bytes) -> tuple[str, str]:
    try:
        value = json.loads(body[:ERROR_BODY_LIMIT])
    except ValueError:
        value = None
    if isinstance(value, dict):
        return str(value.get("code") or ""), str(value.get("message") or "")
    text = body[:200].decode("utf-8", "replace").strip()
    return "", text


def check_status(response: httpx.Response, body: bytes) -> None:
    """Raise `Retryable` or `Refused` for a non-2xx answer."""
    check_answer(Answer(response.status_code, response.headers.get("retry-after"), body))


def check_answer(answer: Answer) -> None:
    """Raise `Retryable` or `Refused` for a non-2xx answer."""
    status = answer.status
    if 200 <= status < 300:  # noqa: PLR2004 - the success range
        return
    body = answer.body
    code, message = _error_fields(body)
    detail = f"HTTP {status}" + (f" {code}" if code else "") + (f": {message}" if message else "")
    if status in RETRYABLE_STATUSES:
        trouble = Trouble.RATE_LIMITED if status == 429 else Trouble.SERVER_ERROR  # noqa: PLR2004
        retry_after = parse_retry_after(answer.retry_after)
        raise Retryable(trouble, detail, retry_after)
    raise Refused(status, code or "http_error", message or f"HTTP {status}")


class DifyApi:
    """Dify's Service API at `base_url` (e.g. `https://api.dify.ai/v1`), one request per call."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, options: DifyOptions) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"the Dify base URL must be an absolute http(s) URL, not {base_url!r}")
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.options = options
        self._run_url = f"{self.base_url}/workflows/run"
        # Any other httpx client (tests' mock transports) sends blocking runs itself.
        if isinstance(client, _DifyClient):
            self._post = _session_post(client)
        else:
            self._post = _httpx_post(client)

    def _headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    async def run_blocking(self, key: str, body: JsonDict, *, timeout: float) -> JsonDict:  # noqa: ASYNC109 - per-read timeout; the runner owns the deadline
        """`POST /workflows/run` in blocking mode: the answer's JSON object."""
        content = json.dumps({**body, "response_mode": "blocking"}, ensure_ascii=False)
        try:
            answer = await self._post(
                self._run_url,
                content.encode(),
                self._headers(key),
                self.options.connect_timeout,
                timeout,
            )
        except TRANSPORT_ERRORS as error:
            raise trouble_of(error) from error
        check_answer(answer)
        return _json_object(answer.body)

    @asynccontextmanager
    async def stream(self, key: str, body: JsonDict) -> AsyncIterator[httpx.Response]:
        """`POST /workflows/run` in streaming mode: the open 200 response, closed on exit."""
        request = self.client.build_request(
            "POST",
            self._run_url,
            content=json.dumps({**body, "response_mode": "streaming"}, ensure_ascii=False),
            headers={**self._headers(key), "Accept": "text/event-stream"},
        )
        try:
            response = await self.client.send(request, stream=True)
        except TRANSPORT_ERRORS as error:
            raise trouble_of(error) from error
        try:
            if response.status_code != 200:  # noqa: PLR2004 - Dify streams only with 200
                try:
                    body_bytes = await response.aread()
                except TRANSPORT_ERRORS as error:
                    raise trouble_of(error) from error
                check_status(response, body_bytes)
                raise Refused(response.status_code, "unexpected_status", "no event stream")
            yield response
        finally:
            await response.aclose()

    async def run_detail(self, key: str, run_id: str) -> JsonDict:
        """`GET /workflows/run/{id}`: the run as Dify keeps it."""
        try:
            response = await self.client.get(
                f"{self.base_url}/workflows/run/{run_id}", headers=self._headers(key)
            )
        except TRANSPORT_ERRORS as error:
            raise trouble_of(error) from error
        check_status(response, response.content)
        return _json_object(response.content)

    async def stop(self, key: str, task_id: str, user: str) -> None:
        """`POST /workflows/tasks/{task_id}/stop`: Dify always answers success."""
        try:
            response = await self.client.post(
                f"{self.base_url}/workflows/tasks/{task_id}/stop",
                json={"user": user},
                headers=self._headers(key),
                timeout=self.options.stop_timeout,
            )
        except TRANSPORT_ERRORS as error:
            raise trouble_of(error) from error
        check_status(response, response.content)


def _json_object(body: bytes) -> JsonDict:
    # A 2xx that is not a JSON object came from something in front of Dify; what
    # happened to the run is unknown, and repeating it may cost twice.
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise Refused(200, "bad_answer", "the answer is not a JSON object")
    return value
