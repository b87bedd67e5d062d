"""Naming every bad field of a rejected request, in the wire's spelling.

Litestar (msgspec) stops at the first problem of a body. When a body is rejected, this
module checks the decoded JSON against the route's body type field by field, so the
client learns about every bad field at once, and turns framework parameter names into
the camelCase names the client sent.
"""

from __future__ import annotations

import re
from typing import Any, get_args, get_origin, get_type_hints

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.utils.empty import value_or_default

from npc_core.errors import DomainValidationError, FieldIssue
from npc_core.model._checks import camel

_LOCATION = re.compile(r"\s*-?\s*at `\$(?P<path>[^`]*)`")
_MISSING_FIELD = re.compile(r"missing required field `(?P<name>[^`]+)`")
_MISSING_PARAM = re.compile(
    r"Missing required (?:query|header|path|cookie) parameter '(?P<name>[^']+)'"
)
_NOT_NAMES = {"data", "body", ""}

Issue = dict[str, str]


def _join(prefix: str, path: str) -> str:
    path = path.lstrip(".")
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}" if prefix else path


def _issue(prefix: str, message: str) -> Issue:
    """An issue from a msgspec message: `Expected ... - at `$.a[0].b``."""
    found = _LOCATION.search(message)
    path = found.group("path") if found else ""
    reason = _LOCATION.sub("", message).strip()
    missing = _MISSING_FIELD.search(reason)
    if missing:
        return {"field": _join(_join(prefix, path), missing.group("name")), "reason": "is required"}
    return {"field": _join(prefix, path) or "body", "reason": reason}


def _body_type(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    handler = request.scope.get("route_handler")
    fn = getattr(getattr(handler, "fn", None), "__wrapped__", None) or getattr(handler, "fn", None)
    if fn is None:
        return None
    try:
        hint = get_type_hints(fn, include_extras=True).get("data")
    except (NameError, TypeError):
        return None
    while get_origin(hint) is not None and get_args(hint):
        hint = get_args(hint)[0]
    return hint if isinstance(hint, type) and issubclass(hint, msgspec.Struct) else None


def _cached_body(request: Request[Any, Any, Any]) -> bytes | None:
    # The body was read once already, to decode it; Litestar keeps it in the scope.
    body = value_or_default(request._connection_state.body, None)  # noqa: SLF001
    return body if isinstance(body, bytes) else None


def body_issues(request: Request[Any, Any, Any]) -> list[Issue]:
    """Every bad field of the request body, checked one field at a time; [] if unknown."""
    kind, raw = _body_type(request), _cached_body(request)
    if kind is None or not raw:
        return []
    try:
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return [{"field": "body", "reason": "is not valid JSON"}]
    if not isinstance(data, dict):
        return [{"field": "body", "reason": "must be a JSON object"}]
    issues: list[Issue] = []
    for field in msgspec.structs.fields(kind):
        name = field.encode_name
        if name not in data:
            if field.required:
                issues.append({"field": name, "reason": "is required"})
            continue
        try:
            msgspec.convert(data[name], field.type)
        except msgspec.ValidationError as error:
            issues.append(_issue(name, str(error)))
        except RecursionError:
            issues.append({"field": name, "reason": "is nested too deeply"})
    return issues


def _wire_name(request: Request[Any, Any, Any], key: str) -> str:
    """A handler parameter's name as the client sent it (query alias, header name)."""
    if key in _NOT_NAMES:
        return ""
    handler = request.scope.get("route_handler")
    signature = getattr(handler, "parsed_fn_signature", None)
    parameter = getattr(signature, "parameters", {}).get(key)
    definition = getattr(parameter, "kwarg_definition", None)
    for alias in ("name", "header", "query", "cookie"):
        name = getattr(definition, alias, None)
        if isinstance(name, str) and name:
            return name
    return camel(key)


def framework_issues(request: Request[Any, Any, Any], error: ValidationException) -> list[Issue]:
    """The issues Litestar reported, with parameter names spelled as on the wire."""
    issues: list[Issue] = []
    for item in error.extra if isinstance(error.extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or "")
        issues.append(_issue(_wire_name(request, key), str(item.get("message", ""))))
    missing = _MISSING_PARAM.search(str(error.detail))
    if missing:
        issues.append({"field": missing.group("name"), "reason": "is required"})
    return issues or [{"field": "body", "reason": str(error.detail)}]


def renamed(error: DomainValidationError, old: str, new: str) -> DomainValidationError:
    """The same error with fields under `old` spelled under `new` (one surface's naming)."""
    issues = [
        FieldIssue(new + i.field[len(old) :] if i.field.startswith(old) else i.field, i.reason)
        for i in error.issues
    ]
    return DomainValidationError(issues[0].field, issues[0].reason, *issues[1:])
