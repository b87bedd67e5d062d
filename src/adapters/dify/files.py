"""Files a workflow produced: found in its outputs, downloaded at once, checked.

Dify's file URLs are signed, expire in minutes and are relative (`/files/...`) when
the Dify server has no FILES_URL: they are resolved against the Dify origin and
fetched straight away. A download is safe to repeat, so transient failures are
retried; an expired or refused URL is not (`UpstreamFailed`), and a file too large,
empty or of the wrong kind is `UpstreamBadOutput`.
"""

from __future__ import annotations

import asyncio
import mimetypes
from typing import Final
from urllib.parse import urljoin, urlsplit

import attrs

from adapters.dify.client import TRANSPORT_ERRORS, DifyApi, Refused, check_status, trouble_of
from adapters.dify.retry import Attempts, Exhausted, RetryPolicy, retrying
from npc_core.errors import UpstreamBadOutput, UpstreamFailed, UpstreamUnavailable
from npc_core.ports import GeneratedFile

FILE_MARK: Final = "__dify__file__"
GENERIC_TYPES: Final = frozenset({"", "application/octet-stream", "binary/octet-stream"})


@attrs.frozen
class FileRef:
    """Where a produced file is, and what Dify said it is (`mime_type` may be None)."""

    url: str
    mime_type: str | None = None
    filename: str | None = None


def file_ref(value: object, workflow: str, key: str) -> FileRef:
    """A file output (Dify's file object) or a URL string output, as a reference."""
    if isinstance(value, str) and value.strip():
        return FileRef(value.strip())
    if isinstance(value, dict):
        url = value.get("url") or value.get("remote_url")
        if isinstance(url, str) and url.strip():
            mime = value.get("mime_type")
            name = value.get("filename")
            return FileRef(
                url.strip(),
                mime if isinstance(mime, str) and mime else None,
                name if isinstance(name, str) and name else None,
            )
        return _bad(workflow, key, "file has no url")
    return _bad(workflow, key, "expected a file or a URL")


def _bad(workflow: str, key: str, reason: str) -> FileRef:
    raise UpstreamBadOutput(workflow, key, reason)


def resolve(url: str, origin: str) -> str:
    """An absolute http(s) URL for `url`, relative ones taken against the Dify origin."""
    absolute = urljoin(origin.rstrip("/") + "/", url)
    if urlsplit(absolute).scheme not in {"http", "https"}:
        raise ValueError(f"not an http(s) URL: {url[:100]!r}")
    return absolute


def _content_type(header: str, ref: FileRef, url: str) -> str:
    declared = header.split(";", 1)[0].strip().lower()
    if declared not in GENERIC_TYPES:
        return declared
    guessed = mimetypes.guess_type(ref.filename or urlsplit(url).path)[0]
    return (ref.mime_type or guessed or declared or "application/octet-stream").lower()


@attrs.frozen
class Download:
    """One file to fetch: what it must be (`kind`: audio, image) and how big it may be."""

    ref: FileRef
    kind: str
    limit: int
    workflow: str
    key: str


async def _fetch_once(api: DifyApi, job: Download, url: str) -> GeneratedFile:
    try:
        async with api.client.stream("GET", url) as response:
            if response.status_code != 200:  # noqa: PLR2004 - anything else is no file
                check_status(response, await response.aread())
                raise Refused(response.status_code, "unexpected_status", "no file")
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > job.limit:
                raise UpstreamBadOutput(job.workflow, job.key, f"larger than {job.limit} bytes")
            data = bytearray()
            async for piece in response.aiter_bytes():
                data += piece
                if len(data) > job.limit:
                    raise UpstreamBadOutput(job.workflow, job.key, f"larger than {job.limit} bytes")
            content_type = _content_type(response.headers.get("content-type", ""), job.ref, url)
    except TRANSPORT_ERRORS as error:
        raise trouble_of(error) from error
    if not data:
        raise UpstreamBadOutput(job.workflow, job.key, "the file is empty")
    if not content_type.startswith(f"{job.kind}/"):
        raise UpstreamBadOutput(
            job.workflow, job.key, f"content type {content_type!r} is not {job.kind}"
        )
    return GeneratedFile(bytes(data), content_type)


async def download(
    api: DifyApi, job: Download, policy: RetryPolicy, deadline: float, attempts: Attempts
) -> GeneratedFile:
    """The file's bytes and content type, or the npc error saying why there are none."""
    try:
        url = resolve(job.ref.url, api.origin)
    except ValueError as error:
        raise UpstreamBadOutput(job.workflow, job.key, str(error)) from None
    try:
        return await retrying(
            lambda: _fetch_once(api, job, url),
            policy,
            deadline=deadline,
            attempts=attempts,
            clock=asyncio.get_running_loop().time,
        )
    except Refused as refused:
        hint = " (expired or invalid signature)" if refused.status in {401, 403, 404} else ""
        raise UpstreamFailed(
            job.workflow,
            f"output {job.key!r} could not be downloaded: HTTP {refused.status}{hint}",
        ) from None
    except Exhausted as exhausted:
        raise UpstreamUnavailable(
            job.workflow,
            f"output {job.key!r} could not be downloaded: {exhausted.last.detail}",
            retry_after=exhausted.last.retry_after,
        ) from None
