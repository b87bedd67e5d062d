"""The one place that turns errors into HTTP statuses and the error envelope.

Body: `{"success": false, "error": {"code", "message", "details", "requestId"}}`;
`message` is short, Chinese and fit to show to a user; `details` name bad fields.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Final

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR

from entrypoints.http.logs import logger
from entrypoints.http.requests import HEADER, request_id_of
from entrypoints.http.validation import body_issues, framework_issues
from entrypoints.http.wire.common import ErrorResponse
from npc_core.errors import (
    AuthenticationError,
    Conflict,
    DatabaseUnavailable,
    DomainValidationError,
    IdentityUnavailable,
    NotFound,
    NpcError,
    QueueUnavailable,
    QuotaExceeded,
    StorageUnavailable,
    UpstreamBadOutput,
    UpstreamError,
    UpstreamFailed,
    UpstreamTimeout,
    UpstreamUnavailable,
    WorkflowNotConfigured,
)

MESSAGES: Final = {
    "validation_error": "请求参数有误",
    "token_missing": "请先登录",
    "token_invalid": "登录状态无效，请重新登录",
    "token_expired": "登录已过期，请重新登录",
    "wechat_code_invalid": "微信登录凭证无效或已过期，请重试",
    "forbidden": "没有权限",
    "not_found": "内容不存在",
    "method_not_allowed": "不支持的请求方式",
    "conflict": "内容已被修改，请刷新后重试",
    "payload_too_large": "请求内容过大",
    "unsupported_media_type": "请求格式不支持",
    "quota_exceeded": "今日 AI 次数已用完，明天再来吧",
    "rate_limited": "请求太频繁，请稍后再试",
    "upstream_failed": "AI 服务处理失败，请稍后重试",
    "upstream_bad_output": "AI 服务返回了无法使用的结果，请稍后重试",
    "workflow_not_configured": "该 AI 功能暂未开放",
    "upstream_unavailable": "AI 服务繁忙，请稍后重试",
    "queue_unavailable": "任务服务暂时不可用，请稍后重试",
    "upstream_timeout": "AI 服务响应超时，请稍后重试",
    "internal_error": "服务器开小差了，请稍后重试",
}
# `upstream_unavailable` covers every upstream service; its message names the AI only
# when a workflow failed. The code stays one, so clients need no new case.
_SERVICE_BUSY: Final = "服务暂时不可用，请稍后重试"
_LOGIN_BUSY: Final = "微信登录服务繁忙，请稍后重试"
_log = logger("npc.errors")


def envelope(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    message: str | None = None,
) -> Response[dict[str, Any]]:
    """The error response every failure gets; `message` replaces the code's own."""
    request_id = request_id_of(request.scope)
    body = {
        "success": False,
        "error": {
            "code": code,
            "message": message or MESSAGES.get(code, MESSAGES["internal_error"]),
            "details": details or [],
            "requestId": request_id,
        },
    }
    # Router errors (unknown path, wrong method) never pass the request-id middleware.
    headers = {**(headers or {}), HEADER: request_id}
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _now(request: Request[Any, Any, Any]) -> datetime:
    """The app's clock (tests run on a manual one), else the system's."""
    container = getattr(request.app.state, "container", None)
    return container.deps.clock.now() if container is not None else datetime.now(UTC)


def _domain_status(error: NpcError) -> tuple[int, str]:
    table: list[tuple[type[NpcError], int]] = [
        (DomainValidationError, 400),
        (AuthenticationError, 401),
        (NotFound, 404),
        (Conflict, 409),
        (QuotaExceeded, 429),
        (WorkflowNotConfigured, 503),
        (UpstreamUnavailable, 503),
        (QueueUnavailable, 503),
        (UpstreamTimeout, 504),
        (UpstreamBadOutput, 502),
        (UpstreamFailed, 502),
        (UpstreamError, 502),
    ]
    for kind, status in table:
        if isinstance(error, kind):
            return status, error.code
    return 500, "internal_error"


def domain_error(request: Request[Any, Any, Any], error: NpcError) -> Response[dict[str, Any]]:
    """A core error: its status and code; validation names fields, quota says when to retry."""
    if isinstance(error, IdentityUnavailable):
        code = "rate_limited" if error.rate_limited else "upstream_unavailable"
        return envelope(
            request,
            429 if error.rate_limited else 503,
            code,
            headers={"Retry-After": "5"} if error.rate_limited else None,
            message=None if error.rate_limited else _LOGIN_BUSY,
        )
    status, code = _domain_status(error)
    details: list[dict[str, str]] = []
    headers: dict[str, str] | None = None
    if isinstance(error, DomainValidationError):
        details = [{"field": i.field, "reason": i.reason} for i in error.issues]
    elif isinstance(error, QuotaExceeded):
        wait = max(1, math.ceil((error.resets_at - _now(request)).total_seconds()))
        headers = {"Retry-After": str(wait)}
        details = [
            {
                "field": "quota",
                "reason": f"limit {error.limit}, resets {error.resets_at.isoformat()}",
            }
        ]
    elif isinstance(error, WorkflowNotConfigured):
        details = [{"field": "workflow", "reason": f"{error.workflow}: set {error.setting}"}]
    elif isinstance(error, UpstreamError):
        details = [{"field": "workflow", "reason": error.workflow}]
        if isinstance(error, UpstreamUnavailable) and error.retry_after is not None:
            headers = {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
    elif isinstance(error, QueueUnavailable):
        headers = {"Retry-After": "5"}
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        _log.warning("upstream error", code=code, error=str(error))
    busy = isinstance(error, DatabaseUnavailable | StorageUnavailable)
    return envelope(request, status, code, details, headers, _SERVICE_BUSY if busy else None)


def validation_error(
    request: Request[Any, Any, Any], error: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's own validation (JSON, types, limits): every bad field named, camelCase."""
    details = body_issues(request) or framework_issues(request, error)
    return envelope(request, 400, "validation_error", details)


def undecodable_body(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    """Bodies nested too deeply or not UTF-8 fail in the JSON decoder, not in validation."""
    _log.info("undecodable body", error_type=type(error).__name__)
    reason = "is nested too deeply" if isinstance(error, RecursionError) else "is not valid UTF-8"
    return envelope(request, 400, "validation_error", [{"field": "body", "reason": reason}])


_HTTP_CODES: Final = {
    400: "validation_error",
    401: "token_invalid",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[dict[str, Any]]:
    """The framework's own errors (unknown route, wrong method, body too large)."""
    status = error.status_code
    details = (
        [{"field": "body", "reason": str(error.detail)}] if status == HTTP_400_BAD_REQUEST else []
    )
    return envelope(
        request,
        status,
        _HTTP_CODES.get(status, "internal_error"),
        details,
        dict(error.headers or {}) or None,
    )


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    """Anything else is a bug: logged with the request id, answered without internals."""
    _log.exception("unexpected error", error_type=type(error).__name__)
    return envelope(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error")


HANDLERS: Final = {
    NpcError: domain_error,
    ValidationException: validation_error,
    RecursionError: undecodable_body,
    UnicodeDecodeError: undecodable_body,
    HTTPException: http_error,
    Exception: unexpected_error,
}


# What each error status means on the wire, for the OpenAPI schema.
_DOCUMENTED: Final = {
    400: "`validation_error`: the request breaks the schema; `details` name each bad field.",
    401: "`token_missing`, `token_invalid` or `token_expired`: log in again "
    "(at login: `wechat_code_invalid`).",
    404: "`not_found`: no such resource, or another user's.",
    405: "`method_not_allowed`.",
    409: "`conflict`: a stale `version`, a concurrent change, or a request with the same "
    "`Idempotency-Key` still running.",
    413: "`payload_too_large`: the body is over 1 MiB.",
    429: "`quota_exceeded` (today's AI actions are used up) or `rate_limited`; "
    "`Retry-After` gives the seconds to wait.",
    500: "`internal_error`: never expected; `requestId` finds it in the logs.",
    502: "`upstream_failed` or `upstream_bad_output`: the AI service failed.",
    503: "`upstream_unavailable` (also when the database cannot be reached), "
    "`workflow_not_configured` or `queue_unavailable`; `Retry-After` when known.",
    504: "`upstream_timeout`: the AI service did not answer in time.",
}


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """The error answers a route can give, for its `responses=`: each the error envelope.

    Every route may answer 500 (`internal_error`) and, with the database unreachable,
    503 (`upstream_unavailable`), so both are always included.
    """
    return {
        status: ResponseSpec(
            ErrorResponse, description=_DOCUMENTED[status], generate_examples=False
        )
        for status in sorted({*statuses, 500, 503})
    }


# The error answers of each kind of route (status codes as `_domain_status` and
# `http_error` give them); each route handler names its kind in `responses=`.
PLAIN: Final = documented()
PUBLIC_LIST: Final = documented(400)
PUBLIC_ITEM: Final = documented(400, 404)
LOGIN: Final = documented(400, 401, 409, 413, 429, 503)
OWN: Final = documented(401)
OWN_LIST: Final = documented(400, 401)
OWN_ITEM: Final = documented(400, 401, 404)
OWN_CHANGE: Final = documented(400, 401, 404, 409, 413)
AI_STEP: Final = documented(400, 401, 404, 409, 413, 429, 502, 503, 504)
