"""The WeChat identity provider against a fake `jscode2session` server on loopback.

The fake checks the app id, secret and grant type like WeChat does and answers by login
code, covering each refusal WeChat sends (HTTP 200 with an errcode), its text/plain
quirk, server errors, garbage and a server too slow for the client's timeout.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import attrs
import httpx
import pytest

from adapters.wechat import WeChatIdentityProvider
from npc_core.errors import IdentityRejected, IdentityUnavailable, NpcError
from npc_core.ports import Identity, IdentityProvider

APP_ID = "wx0123456789abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
SESSION_KEY = "tiihtNczf5v6AKRyjwEUhQ=="
CLIENT_TIMEOUT = 0.3
SLOW_ANSWER_SECONDS = 5.0

Answer = tuple[int, str, bytes]  # status, content type, body


def json_answer(body: object, content_type: str = "application/json") -> Answer:
    return 200, content_type, json.dumps(body).encode()


def refusal(errcode: int, errmsg: str) -> Answer:
    return json_answer({"errcode": errcode, "errmsg": f"{errmsg}, rid: 6650d1a2-1b2c3d4e"})


ANSWERS: dict[str, Answer] = {
    "good": json_answer({"openid": "o-good", "session_key": SESSION_KEY, "unionid": "u-good"}),
    "no-unionid": json_answer({"openid": "o-plain", "session_key": SESSION_KEY}),
    "empty-unionid": json_answer({"openid": "o-empty", "session_key": SESSION_KEY, "unionid": ""}),
    "errcode-zero": json_answer(
        {"errcode": 0, "errmsg": "ok", "openid": "o-zero", "session_key": SESSION_KEY}
    ),
    "text-plain": json_answer(
        {"openid": "o-text", "session_key": SESSION_KEY}, "text/plain; charset=utf-8"
    ),
    "invalid": refusal(40029, "invalid code"),
    "used": refusal(40163, "code been used"),
    "blocked": refusal(40226, "invalid user, high risk"),
    "unknown-errcode": refusal(40999, "something unusual"),
    "string-errcode": json_answer({"errcode": "40029", "errmsg": "invalid code"}),
    "rate-limited": refusal(45011, "api minute-quota reach limit  mustslower  retry next minute"),
    "busy": refusal(-1, "system error"),
    "echoes-secret": refusal(40001, f"invalid credential {APP_SECRET}"),
    "http-500": (500, "text/html", b"<html><body>500 Internal Server Error</body></html>"),
    "http-502-json": (502, "application/json", b'{"errcode": -1, "errmsg": "bad gateway"}'),
    "not-json": (200, "text/html", b"<html><body>welcome</body></html>"),
    "json-array": json_answer([{"openid": "o-array"}]),
    "no-openid": json_answer({"session_key": SESSION_KEY}),
    "bad-errcode": json_answer({"errcode": "busy", "openid": "o-x", "session_key": SESSION_KEY}),
    "http-404-json": (404, "application/json", b'{"openid": "o-404"}'),
}


class FakeWeChat(ThreadingHTTPServer):
    """A loopback `api.weixin.qq.com` that records every query it is sent."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeWeChatHandler)
        self.queries: list[dict[str, str]] = []
        self.stopping = threading.Event()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class FakeWeChatHandler(BaseHTTPRequestHandler):
    server: FakeWeChat

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sns/jscode2session":
            self._send((404, "text/plain", b"not found"))
            return
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        self.server.queries.append(query)
        if query.get("appid") != APP_ID:
            self._send(refusal(40013, "invalid appid"))
        elif query.get("secret") != APP_SECRET:
            self._send(refusal(40125, "invalid appsecret"))
        elif query.get("grant_type") != "authorization_code":
            self._send(refusal(40002, "invalid grant_type"))
        elif query.get("js_code") == "slow":
            # Held well past the client's timeout; released early when the server stops.
            self.server.stopping.wait(SLOW_ANSWER_SECONDS)
            self._send(ANSWERS["good"])
        else:
            self._send(ANSWERS.get(query.get("js_code", ""), refusal(40029, "invalid code")))

    def _send(self, answer: Answer) -> None:
        status, content_type, body = answer
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (the timeout test)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Keep the test output quiet."""


@pytest.fixture
def wechat() -> Iterator[FakeWeChat]:
    server = FakeWeChat()
    # A short poll interval: shutdown() waits up to one interval for the loop to notice.
    thread = threading.Thread(
        target=server.serve_forever, args=(0.01,), name="fake-wechat", daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as http:
        yield http


@pytest.fixture
def provider(client: httpx.AsyncClient, wechat: FakeWeChat) -> WeChatIdentityProvider:
    return WeChatIdentityProvider(
        client, APP_ID, APP_SECRET, wechat.base_url, timeout=CLIENT_TIMEOUT
    )


def full_text(error: BaseException) -> str:
    """Everything a log handler would print for the error: message, chain and traceback."""
    return "".join(traceback.format_exception(error))


def assert_nothing_leaks(text: str) -> None:
    assert APP_SECRET not in text
    assert SESSION_KEY not in text


def test_the_provider_is_an_identity_provider(provider: WeChatIdentityProvider) -> None:
    """WeChatIdentityProvider satisfies the IdentityProvider port (checked by mypy)."""
    port: IdentityProvider = provider
    assert port is provider


async def test_a_valid_code_is_an_identity(
    provider: WeChatIdentityProvider, wechat: FakeWeChat
) -> None:
    """A good code gives openid and unionid, after one GET carrying exactly WeChat's query."""
    identity = await provider.identify("good")
    assert identity == Identity("o-good", "u-good")
    assert wechat.queries == [
        {
            "appid": APP_ID,
            "secret": APP_SECRET,
            "js_code": "good",
            "grant_type": "authorization_code",
        }
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("no-unionid", Identity("o-plain", None)),
        ("empty-unionid", Identity("o-empty", None)),
        ("errcode-zero", Identity("o-zero", None)),
        ("text-plain", Identity("o-text", None)),
    ],
)
async def test_successful_answers_in_every_form(
    provider: WeChatIdentityProvider, code: str, expected: Identity
) -> None:
    """Every success form gives the identity.

    No (or an empty) unionid is None; errcode 0 is success; a JSON body labelled
    text/plain is still parsed.
    """
    assert await provider.identify(code) == expected


async def test_the_session_key_never_leaves_the_adapter(
    provider: WeChatIdentityProvider,
) -> None:
    """The Identity holds only openid and unionid: no field, repr or value has session_key."""
    identity = await provider.identify("good")
    assert set(attrs.asdict(identity)) == {"openid", "unionid"}
    assert_nothing_leaks(repr(identity))
    assert SESSION_KEY not in repr(vars(provider))


@pytest.mark.parametrize(
    ("code", "errcode"),
    [
        ("invalid", 40029),
        ("used", 40163),
        ("blocked", 40226),
        ("unknown-errcode", 40999),
        ("string-errcode", 40029),
    ],
)
async def test_refused_codes_are_identity_rejected(
    provider: WeChatIdentityProvider, code: str, errcode: int
) -> None:
    """Refusals are `IdentityRejected` (`wechat_code_invalid`), naming the errcode.

    errcode 40029 (invalid), 40163 (used), 40226 (blocked user) and any other unknown one.
    """
    with pytest.raises(IdentityRejected) as caught:
        await provider.identify(code)
    assert caught.value.code == "wechat_code_invalid"
    assert str(errcode) in str(caught.value)


async def test_an_unknown_errcode_carries_the_errmsg(provider: WeChatIdentityProvider) -> None:
    """For errcodes without a meaning of their own, WeChat's errmsg is kept for diagnosis."""
    with pytest.raises(IdentityRejected, match="something unusual"):
        await provider.identify("unknown-errcode")


async def test_rate_limiting_is_unavailable_and_marked(provider: WeChatIdentityProvider) -> None:
    """WeChat errcode 45011 is `IdentityUnavailable` with `rate_limited=True`: back off."""
    with pytest.raises(IdentityUnavailable) as caught:
        await provider.identify("rate-limited")
    assert caught.value.rate_limited
    assert caught.value.code == "identity_unavailable"


async def test_system_busy_is_unavailable(provider: WeChatIdentityProvider) -> None:
    """WeChat errcode -1 (system busy) is `IdentityUnavailable`, not rate limited: retry later."""
    with pytest.raises(IdentityUnavailable) as caught:
        await provider.identify("busy")
    assert not caught.value.rate_limited


@pytest.mark.parametrize(
    "code",
    ["http-500", "http-502-json", "not-json", "json-array", "no-openid", "bad-errcode"],
)
async def test_broken_answers_are_unavailable(provider: WeChatIdentityProvider, code: str) -> None:
    """Broken answers are `IdentityUnavailable`, not rate limited.

    HTTP 5xx (with or without a JSON body), a body that is not JSON or not an object,
    a success without openid and a garbled errcode.
    """
    with pytest.raises(IdentityUnavailable) as caught:
        await provider.identify(code)
    assert not caught.value.rate_limited


async def test_a_non_success_status_without_errcode_is_unavailable(
    provider: WeChatIdentityProvider,
) -> None:
    """An openid in a non-2xx answer (a proxy, not WeChat) is not trusted."""
    with pytest.raises(IdentityUnavailable, match="404"):
        await provider.identify("http-404-json")


async def test_a_slow_wechat_times_out_as_unavailable(provider: WeChatIdentityProvider) -> None:
    """A WeChat slower than the client timeout is `IdentityUnavailable`.

    It is raised after about the timeout, and its traceback carries no secret.
    """
    started = time.monotonic()
    with pytest.raises(IdentityUnavailable) as caught:
        await provider.identify("slow")
    assert time.monotonic() - started < SLOW_ANSWER_SECONDS / 2
    assert_nothing_leaks(full_text(caught.value))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_unreachable_wechat_is_unavailable(client: httpx.AsyncClient) -> None:
    """A refused connection is `IdentityUnavailable`, without the secret.

    Neither the message nor the printed traceback shows it (httpx errors carry the
    request URL, whose query holds the secret).
    """
    provider = WeChatIdentityProvider(
        client, APP_ID, APP_SECRET, f"http://127.0.0.1:{closed_port()}", timeout=CLIENT_TIMEOUT
    )
    with pytest.raises(IdentityUnavailable) as caught:
        await provider.identify("good")
    assert "ConnectError" in str(caught.value)
    assert_nothing_leaks(full_text(caught.value))


@pytest.mark.parametrize("code", ["", " ", "\t\n"])
async def test_a_blank_code_is_rejected_without_calling_wechat(
    provider: WeChatIdentityProvider, wechat: FakeWeChat, code: str
) -> None:
    """An empty or blank code is `IdentityRejected` at once; WeChat is never asked."""
    with pytest.raises(IdentityRejected):
        await provider.identify(code)
    assert wechat.queries == []


async def test_wrong_credentials_are_rejected_and_logged_without_the_secret(
    client: httpx.AsyncClient, wechat: FakeWeChat, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong app secret (errcode 40125) is `IdentityRejected` and logged for operators.

    Neither the error nor the log line holds the secret.
    """
    wrong_secret = "f" * 32
    provider = WeChatIdentityProvider(client, APP_ID, wrong_secret, wechat.base_url)
    caplog.set_level(logging.DEBUG, logger="adapters")
    with pytest.raises(IdentityRejected, match="40125") as caught:
        await provider.identify("good")
    assert wrong_secret not in full_text(caught.value)
    adapter_logs = [r for r in caplog.records if r.name.startswith("adapters.")]
    assert any("40125" in r.getMessage() for r in adapter_logs)
    assert all(wrong_secret not in r.getMessage() for r in adapter_logs)


async def test_an_errmsg_echoing_the_secret_is_scrubbed(provider: WeChatIdentityProvider) -> None:
    """Should WeChat ever quote the secret in errmsg, the exception shows `***` instead."""
    with pytest.raises(IdentityRejected) as caught:
        await provider.identify("echoes-secret")
    assert "***" in str(caught.value)
    assert_nothing_leaks(full_text(caught.value))


async def test_no_outcome_leaks_the_secret_or_a_session_key(
    provider: WeChatIdentityProvider, caplog: pytest.LogCaptureFixture
) -> None:
    """No outcome shows the secret or a session_key.

    For every answer the fake can give: the returned identity, the raised error (with
    its chain and traceback) and the adapter's log lines.
    """
    caplog.set_level(logging.DEBUG, logger="adapters")
    for code in [*ANSWERS, "slow", ""]:
        try:
            outcome = repr(await provider.identify(code))
        except NpcError as error:
            outcome = full_text(error)
        assert_nothing_leaks(outcome)
    for record in caplog.records:
        if record.name.startswith("adapters."):
            assert_nothing_leaks(record.getMessage())


async def test_a_trailing_slash_on_the_base_url_is_harmless(
    client: httpx.AsyncClient, wechat: FakeWeChat
) -> None:
    """`http://host:port/` and `http://host:port` reach the same endpoint."""
    provider = WeChatIdentityProvider(client, APP_ID, APP_SECRET, wechat.base_url + "/")
    assert await provider.identify("good") == Identity("o-good", "u-good")


def test_the_repr_shows_no_secret(provider: WeChatIdentityProvider) -> None:
    """Logging the provider object names the app id but never the secret."""
    assert APP_ID in repr(provider)
    assert APP_SECRET not in repr(provider)


@pytest.mark.parametrize(
    ("app_id", "secret", "base_url", "seconds"),
    [
        ("", APP_SECRET, "https://api.weixin.qq.com", 1.0),
        (APP_ID, "", "https://api.weixin.qq.com", 1.0),
        (APP_ID, APP_SECRET, "api.weixin.qq.com", 1.0),
        (APP_ID, APP_SECRET, "ftp://api.weixin.qq.com", 1.0),
        (APP_ID, APP_SECRET, "https://api.weixin.qq.com", 0.0),
    ],
)
async def test_bad_settings_are_refused(
    client: httpx.AsyncClient, app_id: str, secret: str, base_url: str, seconds: float
) -> None:
    """Bad settings are ValueError at construction, not at the first login.

    Missing credentials, a base URL that is not absolute http(s), a non-positive timeout.
    """
    with pytest.raises(ValueError, match=r"\S") as caught:
        WeChatIdentityProvider(client, app_id, secret, base_url, timeout=seconds)
    assert APP_SECRET not in str(caught.value)
