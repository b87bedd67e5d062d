"""Byte ranges on served files: media players seek with them, Safari needs them to play."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.ranges import RangeNotSatisfiable, byte_range
from tests.unit.http.harness import api, local


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 100, None),
        ("", 100, None),
        ("bytes=0-", 100, (0, 99)),
        ("bytes=0-0", 100, (0, 0)),
        ("bytes=10-19", 100, (10, 19)),
        ("bytes=90-500", 100, (90, 99)),
        ("bytes=-10", 100, (90, 99)),
        ("bytes=-500", 100, (0, 99)),
        (" bytes=5-6 ", 100, (5, 6)),
        ("bytes=0-1,5-6", 100, None),  # several ranges: the whole file is allowed
        ("bytes=9-3", 100, None),  # invalid: ignored
        ("bytes=-", 100, None),
        ("items=0-1", 100, None),
        ("bytes=abc", 100, None),
        ("bytes=" + "9" * 40 + "-", 100, None),
    ],
)
def test_ranges_are_read_as_the_rfc_says(
    header: str | None, size: int, expected: tuple[int, int] | None
) -> None:
    """Open-ended, closed, suffix and clamped ranges; malformed or multiple ones are ignored."""
    assert byte_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0)]
)
def test_ranges_past_the_end_are_unsatisfiable(header: str, size: int) -> None:
    """A range starting at or after the end (or an empty suffix) cannot be served."""
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, size)


@given(
    header=st.text(max_size=40) | st.from_regex(r"bytes=\d{0,4}-\d{0,4}", fullmatch=True),
    size=st.integers(0, 5000),
)
def test_any_header_gives_a_range_inside_the_file(header: str, size: int) -> None:
    """Whatever the header, the answer is the whole file, a range inside it, or 416."""
    try:
        found = byte_range(header, size)
    except RangeNotSatisfiable:
        return
    if found is not None:
        start, end = found
        assert 0 <= start <= end < size


async def test_the_files_route_serves_ranges(tmp_path: Path) -> None:
    """/files answers 206 with Content-Range for a range, 416 past the end, 200 otherwise."""
    async with api(tmp_path) as a:
        storage = a.container.deps.storage
        data = bytes(range(256)) * 4
        await storage.put("audio/m1/t1.wav", data, "audio/wav")
        url = local(await storage.url("audio/m1/t1.wav"))
        whole = await a.client.get(url)
        assert whole.status_code == 200
        assert whole.content == data
        assert whole.headers["accept-ranges"] == "bytes"
        part = await a.client.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.content == data[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
        assert part.headers["content-type"] == "audio/wav"
        tail = await a.client.get(url, headers={"Range": "bytes=-24"})
        assert (tail.status_code, tail.content) == (206, data[-24:])
        past = await a.client.get(url, headers={"Range": f"bytes={len(data)}-"})
        assert past.status_code == 416
        assert past.headers["content-range"] == f"bytes */{len(data)}"
        forged = await a.client.get(
            url.replace("signature=", "signature=0"), headers={"Range": "bytes=0-1"}
        )
        assert forged.status_code == 404
