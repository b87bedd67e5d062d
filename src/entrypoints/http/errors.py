"""The one place that turns errors into HTTP statuses and the error envelope.

Body: `{"success": false, "error": {"code", "message", "details", "requestId"}}`;
`message` is short, Chinese and fit to show to a user; `details` name bad fields.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any, Final

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR

from entrypoints.http.logs import logger
from entrypoints.http.requests import request_id_of
from npc_core.errors import (
    AuthenticationError,
    Conflict,
    DomainValidationError,
    IdentityUnavailable,
    NotFound,
    NpcError,
    QuotaExceeded,
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
    "upstream_timeout": "AI 服务响应超时，请稍后重试",
    "internal_error": "服务器开小差了，请稍后重试",
}
_log = logger("npc.errors")


def envelope(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """The error response every failure gets."""
    body = {
        "success": False,
        "error": {
            "code": code,
            "message": MESSAGES.get(code, MESSAGES["internal_error"]),
            "details": details or [],
            "requestId": request_id_of(request.scope),
        },
    }
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _domain_status(error: NpcError) -> tuple[int, str]:
    table: list[tuple[type[NpcError], int]] = [
        (DomainValidationError, 400),
        (AuthenticationError, 401),
        (NotFound, 404),
        (Conflict, 409),
        (QuotaExceeded, 429),
        (WorkflowNotConfigured, 503),
        (UpstreamUnavailable, 503),
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
        )
    status, code = _domain_status(error)
    details: list[dict[str, str]] = []
    headers: dict[str, str] | None = None
    if isinstance(error, DomainValidationError):
        details = [{"field": i.field, "reason": i.reason} for i in error.issues]
    elif isinstance(error, QuotaExceeded):
        wait = max(1, math.ceil((error.resets_at - datetime.now(UTC)).total_seconds()))
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
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        _log.warning("upstream error", code=code, error=str(error))
    return envelope(request, status, code, details, headers)


_LOCATION = re.compile(r"at `\$\.?(?P<path>[^`]*)`")


def _field_of(item: dict[str, Any]) -> str:
    message = str(item.get("message", ""))
    found = _LOCATION.search(message)
    if found and found.group("path"):
        return found.group("path")
    return str(item.get("key") or item.get("source") or "body")


def validation_error(
    request: Request[Any, Any, Any], error: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's own validation (JSON, types, enums, limits): every bad field named."""
    extra = error.extra if isinstance(error.extra, list) else []
    details = [
        {
            "field": _field_of(item),
            "reason": _LOCATION.sub("", str(item.get("message", ""))).strip(" -"),
        }
        for item in extra
        if isinstance(item, dict)
    ] or [{"field": "body", "reason": str(error.detail)}]
    return envelope(request, 400, "validation_error", details)


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
    HTTPException: http_error,
    Exception: unexpected_error,
}
