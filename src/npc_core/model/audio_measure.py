"""How long a recording plays, read from its bytes: MP3 by its frames, WAV by its chunks.

No decoder: an MP3's duration comes from the Xing/Info or VBRI header an encoder wrote
into its first frame (less the LAME tag's encoder delay and padding), else from walking
the frame headers; a WAV's from its `fmt ` and `data` chunks. Anything else, or bytes
too damaged to trust, measures as None. Never raises on any input.
"""

from __future__ import annotations

import struct
from typing import Final

import attrs

# MPEG audio version bits (the value 1 is reserved).
MPEG25: Final = 0
MPEG2: Final = 2
MPEG1: Final = 3
_LAYER_III: Final = 1  # layer bits 01

# Layer III bitrates in kbit/s by index (0 is "free format", 15 is invalid).
_BITRATES_V1: Final = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_BITRATES_V2: Final = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_SAMPLE_RATES: Final = {
    MPEG1: (44100, 48000, 32000),
    MPEG2: (22050, 24000, 16000),
    MPEG25: (11025, 12000, 8000),
}
# A file may start with junk an encoder or a bad download left; look this far for sync.
_SYNC_SEARCH_BYTES: Final = 64 * 1024
# Walking a long headerless file costs a header parse per 26 ms of audio; past this
# many frames the rest is estimated from the mean frame size walked so far.
_MAX_WALKED_FRAMES: Final = 100_000
_XING_FRAMES: Final = 0x1
_XING_BYTES: Final = 0x2
_XING_TOC: Final = 0x4
_XING_QUALITY: Final = 0x8
_LAME_ENCODERS: Final = (b"LAME", b"Lavf", b"Lavc", b"GOGO")
_ID3V1_SIZE: Final = 128
_APE_FOOTER_SIZE: Final = 32
_APE_HAS_HEADER: Final = 1 << 31
_ID3V2_HEADER_SIZE: Final = 10
_ID3V2_HAS_FOOTER: Final = 0x10
# WAV format tags whose data is whole sample frames of `block_align` bytes.
_WAV_FRAMED_FORMATS: Final = frozenset({0x0001, 0x0003, 0x0006, 0x0007, 0xFFFE})
_WAV_UNKNOWN_SIZES: Final = frozenset({0, 0xFFFFFFFF})  # left by streaming writers
_WAV_FMT_SIZE: Final = 16


@attrs.frozen
class AudioInfo:
    """A measured recording: how long it plays, its container, sample rate and channels."""

    duration_seconds: float
    format: str  # "mp3" or "wav": also the file extension
    sample_rate: int = 0
    channels: int = 0


def measure_audio(data: bytes) -> AudioInfo | None:
    """The duration and format of MP3 (MPEG 1/2/2.5 Layer III) or WAV bytes; None otherwise."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _measure_wav(data)
    return _measure_mp3(data)


# --- MP3 --------------------------------------------------------------------------------


@attrs.frozen
class _Frame:
    version: int
    sample_rate: int
    channels: int
    length: int  # bytes, header included
    samples: int  # per channel


def _frame_at(data: bytes, pos: int) -> _Frame | None:
    """The Layer III frame whose header starts at `pos`, or None when there is none."""
    if pos < 0 or pos + 4 > len(data) or data[pos] != 0xFF:  # noqa: PLR2004
        return None
    b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if (
        b1 & 0xE0 != 0xE0  # noqa: PLR2004
        or version == 1
        or layer != _LAYER_III
        or bitrate_index in {0, 15}
        or rate_index == 3  # noqa: PLR2004
        or b3 & 3 == 2  # noqa: PLR2004 - reserved emphasis
    ):
        return None
    table = _BITRATES_V1 if version == MPEG1 else _BITRATES_V2
    bitrate = table[bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    samples = 1152 if version == MPEG1 else 576
    padding = (b2 >> 1) & 1
    length = samples // 8 * bitrate // sample_rate + padding
    channels = 1 if b3 >> 6 == 3 else 2  # noqa: PLR2004 - channel mode 11 is mono
    return _Frame(version, sample_rate, channels, length, samples)


def _same_stream(a: _Frame, b: _Frame) -> bool:
    return a.version == b.version and a.sample_rate == b.sample_rate


def _skip_id3v2(data: bytes) -> int:
    """Where the bytes after any leading ID3v2 tags start."""
    pos = 0
    while data[pos : pos + 3] == b"ID3" and pos + _ID3V2_HEADER_SIZE <= len(data):
        size_bytes = data[pos + 6 : pos + 10]
        if any(b & 0x80 for b in size_bytes):  # sizes are "syncsafe": 7 bits a byte
            break
        size = (size_bytes[0] << 21) | (size_bytes[1] << 14) | (size_bytes[2] << 7) | size_bytes[3]
        footer = _ID3V2_HEADER_SIZE if data[pos + 5] & _ID3V2_HAS_FOOTER else 0
        pos += _ID3V2_HEADER_SIZE + size + footer
    return min(pos, len(data))


def _audio_end(data: bytes, start: int) -> int:
    """Where the frames end: before a trailing APEv2 tag and ID3v1 tag, if any."""
    end = len(data)
    if end - start >= _ID3V1_SIZE and data[end - _ID3V1_SIZE : end - _ID3V1_SIZE + 3] == b"TAG":
        end -= _ID3V1_SIZE
    footer = end - _APE_FOOTER_SIZE
    if footer >= start and data[footer : footer + 8] == b"APETAGEX":
        size, flags = struct.unpack_from("<I4xI", data, footer + 12)
        total = size + (_APE_FOOTER_SIZE if flags & _APE_HAS_HEADER else 0)
        if _APE_FOOTER_SIZE <= total <= end - start:
            end -= total
    return end


def _first_frame(data: bytes, start: int, end: int) -> tuple[int, _Frame] | None:
    """The first frame header that a second one (or the end of the audio) confirms."""
    limit = min(end, start + _SYNC_SEARCH_BYTES)
    pos = data.find(b"\xff", start, limit)
    while pos != -1:
        frame = _frame_at(data, pos)
        if frame is not None:
            following = pos + frame.length
            if following == end:
                return pos, frame
            after = _frame_at(data, following) if following < end else None
            if after is not None and _same_stream(frame, after):
                return pos, frame
        pos = data.find(b"\xff", pos + 1, limit)
    return None


@attrs.frozen
class _Header:
    """What an encoder's header in the first frame says about the whole stream."""

    frames: int | None  # audio frames, the header frame not included
    skipped_samples: int  # encoder delay plus padding, from a LAME tag


def _side_info_size(frame: _Frame) -> int:
    if frame.version == MPEG1:
        return 17 if frame.channels == 1 else 32
    return 9 if frame.channels == 1 else 17


def _encoder_header(data: bytes, pos: int, frame: _Frame) -> _Header | None:
    """The Xing/Info or VBRI header of the frame at `pos`, if it carries one."""
    at = pos + 4 + _side_info_size(frame)
    if data[at : at + 4] in {b"Xing", b"Info"} and at + 8 <= len(data):
        flags = int.from_bytes(data[at + 4 : at + 8], "big")
        cursor, frames = at + 8, None
        if flags & _XING_FRAMES and cursor + 4 <= len(data):
            frames = int.from_bytes(data[cursor : cursor + 4], "big")
            cursor += 4
        cursor += (
            4 * bool(flags & _XING_BYTES)
            + 100 * bool(flags & _XING_TOC)
            + 4 * bool(flags & _XING_QUALITY)
        )
        return _Header(frames, _lame_skipped_samples(data, cursor))
    vbri = pos + 4 + 32  # VBRI sits at a fixed place whatever the channel mode
    if data[vbri : vbri + 4] == b"VBRI" and vbri + 18 <= len(data):
        return _Header(int.from_bytes(data[vbri + 14 : vbri + 18], "big"), 0)
    return None


def _lame_skipped_samples(data: bytes, at: int) -> int:
    """Encoder delay plus end padding from a LAME tag at `at` (0 when there is none)."""
    tag = data[at : at + 24]
    if len(tag) < 24 or tag[:4] not in _LAME_ENCODERS:  # noqa: PLR2004
        return 0
    packed = int.from_bytes(tag[21:24], "big")  # 12 bits of delay, 12 of padding
    return (packed >> 12) + (packed & 0xFFF)


def _walk(data: bytes, pos: int, first: _Frame, end: int) -> float:
    """Frames from `pos` on: counted while they chain, the rest estimated from their mean size."""
    cursor, frames = pos, 0
    while frames < _MAX_WALKED_FRAMES and cursor < end:
        frame = _frame_at(data, cursor)
        if frame is None or not _same_stream(first, frame) or cursor + frame.length > end:
            break
        frames += 1
        cursor += frame.length
    mean = (cursor - pos) / frames if frames else first.length
    remaining = end - cursor
    # A tail shorter than a frame is a truncated frame or stray bytes: it never plays.
    estimated = remaining / mean if remaining >= mean else 0.0
    return frames + estimated


def _measure_mp3(data: bytes) -> AudioInfo | None:
    start = _skip_id3v2(data)
    end = _audio_end(data, start)
    found = _first_frame(data, start, end)
    if found is None:
        return None
    pos, first = found
    header = _encoder_header(data, pos, first)
    samples: float
    if header is not None and header.frames:
        samples = header.frames * first.samples
        if header.skipped_samples < samples:
            samples -= header.skipped_samples
    else:
        # The header frame (with no frame count) is silence, not audio.
        audio_start = pos + first.length if header is not None else pos
        if audio_start >= end:
            return None
        samples = _walk(data, audio_start, first, end) * first.samples
    if samples <= 0:
        return None
    return AudioInfo(samples / first.sample_rate, "mp3", first.sample_rate, first.channels)


# --- WAV --------------------------------------------------------------------------------


@attrs.frozen
class _WavFormat:
    tag: int
    channels: int
    sample_rate: int
    byte_rate: int
    block_align: int


def _measure_wav(data: bytes) -> AudioInfo | None:
    fmt: _WavFormat | None = None
    fact: int | None = None
    data_size: int | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = pos + 8
        if chunk_id == b"fmt " and size >= _WAV_FMT_SIZE and body + _WAV_FMT_SIZE <= len(data):
            tag, channels, rate, byte_rate, align = struct.unpack_from("<HHIIH", data, body)
            fmt = _WavFormat(tag, channels, rate, byte_rate, align)
        elif chunk_id == b"fact" and size >= 4 and body + 4 <= len(data):  # noqa: PLR2004
            (fact,) = struct.unpack_from("<I", data, body)
        elif chunk_id == b"data":
            available = len(data) - body
            data_size = available if size in _WAV_UNKNOWN_SIZES else min(size, available)
            break
        pos = body + size + (size & 1)  # chunks are padded to an even size
    if fmt is None or data_size is None or min(fmt.channels, fmt.sample_rate) <= 0:
        return None
    if fmt.tag in _WAV_FRAMED_FORMATS and fmt.block_align > 0:
        seconds = data_size // fmt.block_align / fmt.sample_rate
    elif fact:
        seconds = fact / fmt.sample_rate
    elif fmt.byte_rate > 0:
        seconds = data_size / fmt.byte_rate
    else:
        return None
    if seconds <= 0:
        return None
    return AudioInfo(seconds, "wav", fmt.sample_rate, fmt.channels)


_FORMATS_BY_CONTENT_TYPE: Final = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/aac": "aac",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/flac": "flac",
    "audio/webm": "webm",
}


def format_for_content_type(content_type: str) -> str | None:
    """The usual file extension of an audio content type (parameters ignored), if known."""
    return _FORMATS_BY_CONTENT_TYPE.get(content_type.split(";", 1)[0].strip().lower())
