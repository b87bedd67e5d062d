"""The WeChat `code2Session` call (`GET /sns/jscode2session`) as an `IdentityProvider`.

WeChat answers HTTP 200 for refusals too, with `{"errcode": ..., "errmsg": ...}`, and
sometimes labels JSON as `text/plain`, so the body is parsed as JSON whatever its type.
The answer's `session_key` is never kept, returned, logged or quoted in an error, and
neither is the app secret.
"""

from __future__ import annotations

import json
import logging
from typing import Final, NoReturn

import httpx

from npc_core.errors import IdentityRejected, IdentityUnavailable
from npc_core.ports import Identity

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://api.weixin.qq.com"
DEFAULT_TIMEOUT_SECONDS: Final = 5.0
PATH: Final = "/sns/jscode2session"

SYSTEM_BUSY: Final = -1
RATE_LIMITED: Final = 45011
REFUSED_CODES: Final[dict[int, str]] = {
    40029: "the login code is invalid",
    40163: "the login code has already been used",
    40226: "WeChat blocked this user as high-risk",
}
CREDENTIAL_ERRORS: Final = frozenset({40013, 40125, 41002, 41004, 40002})
"""Invalid or missing appid/secret/grant type: our configuration is wrong, not the user."""

_MAX_ERRMSG: Final = 200
_HTTP_SERVER_ERROR: Final = 500


class WeChatIdentityProvider:
    """Identifies mini-program users by exchanging their login code with WeChat.

    `client` is shared and owned by the caller (who closes it). Each call is bounded by
    `timeout` seconds. Refused codes raise `IdentityRejected`; an unreachable, busy,
    rate-limiting or garbled WeChat raises `IdentityUnavailable`.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        app_id: str,
        app_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not app_id or not app_secret:
            raise ValueError("the WeChat app id and app secret must both be set")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        url = httpx.URL(base_url.rstrip("/") + PATH)
        if url.scheme not in {"http", "https"} or not url.host:
            raise ValueError("the WeChat base URL must be an absolute http(s) URL")
        self._client = client
        self._app_id = app_id
        self._app_secret = app_secret
        self._url = url
        self._timeout = httpx.Timeout(timeout)

    def __repr__(self) -> str:
        return f"WeChatIdentityProvider(app_id={self._app_id!r}, url={str(self._url)!r})"

    def _scrub(self, text: str) -> str:
        """`text` without the app secret, cut to a loggable length."""
        return text.replace(self._app_secret, "***")[:_MAX_ERRMSG]

    async def identify(self, code: str) -> Identity:
        """The WeChat identity behind a `wx.login` code (usable once, for five minutes)."""
        if not code.strip():
            raise IdentityRejected("the login code is empty")
        params = {
            "appid": self._app_id,
            "secret": self._app_secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        try:
            response = await self._client.get(self._url, params=params, timeout=self._timeout)
        except httpx.TimeoutException:
            # `from None`: httpx errors carry the request, whose URL holds the secret.
            raise IdentityUnavailable("WeChat did not answer in time") from None
        except httpx.HTTPError as exc:
            reason = self._scrub(f"{type(exc).__name__}: {exc}")
            raise IdentityUnavailable(f"WeChat could not be reached ({reason})") from None

        if response.status_code >= _HTTP_SERVER_ERROR:
            raise IdentityUnavailable(f"WeChat answered HTTP {response.status_code}")
        try:
            body: object = json.loads(response.content)
        except (ValueError, RecursionError):
            raise IdentityUnavailable(
                f"WeChat answered HTTP {response.status_code} with a body that is not JSON"
            ) from None
        if not isinstance(body, dict):
            raise IdentityUnavailable("WeChat answered with JSON that is not an object")
        return self._identity(body, response.status_code)

    def _identity(self, body: dict[str, object], status: int) -> Identity:
        errcode = body.get("errcode", 0)
        if isinstance(errcode, str) and errcode.lstrip("-").isdigit():
            errcode = int(errcode)
        if isinstance(errcode, bool) or not isinstance(errcode, int):
            raise IdentityUnavailable("WeChat answered with a malformed errcode")
        if errcode != 0:
            self._refuse(errcode, body.get("errmsg"))
        if not httpx.codes.is_success(status):
            raise IdentityUnavailable(f"WeChat answered HTTP {status}")
        openid = body.get("openid")
        if not isinstance(openid, str) or not openid:
            raise IdentityUnavailable("WeChat answered without an openid")
        unionid = body.get("unionid")
        return Identity(openid, unionid if isinstance(unionid, str) and unionid else None)

    def _refuse(self, errcode: int, errmsg: object) -> NoReturn:
        """Raise the error an `errcode` stands for."""
        if errcode == RATE_LIMITED:
            raise IdentityUnavailable(
                f"WeChat is rate limiting logins (errcode {errcode})", rate_limited=True
            )
        if errcode == SYSTEM_BUSY:
            raise IdentityUnavailable(f"WeChat is busy (errcode {errcode})")
        if errcode in REFUSED_CODES:
            raise IdentityRejected(f"{REFUSED_CODES[errcode]} (errcode {errcode})")
        message = self._scrub(errmsg) if isinstance(errmsg, str) else "no errmsg"
        if errcode in CREDENTIAL_ERRORS:
            logger.error(
                "WeChat refused the app credentials for appid %s (errcode %d: %s); "
                "check the WeChat app id and secret settings",
                self._app_id,
                errcode,
                message,
            )
        raise IdentityRejected(f"WeChat refused the login code (errcode {errcode}: {message})")
