"""Byte ranges for served files (RFC 9110 §14): media players fetch and seek with them.

Chromium cannot seek audio whose server ignores `Range`, and Safari (so WeChat on iOS)
will not even play it. One range is served as 206; a malformed or multi-range header is
ignored (the whole file, 200), as the RFC allows; a range past the end is 416.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from litestar import Response

_RANGE: Final = re.compile(r"bytes=(\d*)-(\d*)")
_MAX_DIGITS: Final = 19  # keeps int() of a hostile header cheap


class RangeNotSatisfiable(Exception):
    """The range starts at or past the end of the file."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte `header` asks for, or None to send the whole file.

    Raises `RangeNotSatisfiable` when the single range asked for lies past the end.
    """
    if not header:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or len(found[1]) > _MAX_DIGITS or len(found[2]) > _MAX_DIGITS:
        return None
    first, last = found[1], found[2]
    if not first:  # "-N": the last N bytes
        if not last:
            return None
        if int(last) == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - int(last), 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: ignored
    if start >= size:
        raise RangeNotSatisfiable
    end = min(int(last), size - 1) if last else size - 1
    return start, end


def file_response(
    data: bytes, media_type: str, range_header: str | None, headers: Mapping[str, str]
) -> Response[bytes]:
    """The file, or the part of it `range_header` asks for, advertising range support."""
    headers = {**headers, "Accept-Ranges": "bytes"}
    size = len(data)
    try:
        wanted = byte_range(range_header, size)
    except RangeNotSatisfiable:
        return Response(
            b"",
            status_code=416,
            media_type=media_type,
            headers={**headers, "Content-Range": f"bytes */{size}"},
        )
    if wanted is None:
        return Response(data, media_type=media_type, headers=headers)
    start, end = wanted
    return Response(
        data[start : end + 1],
        status_code=206,
        media_type=media_type,
        headers={**headers, "Content-Range": f"bytes {start}-{end}/{size}"},
    )
