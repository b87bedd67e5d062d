"""Real media bytes for tests: WAV through the stdlib, MP3 frames written by hand, PNGs.

An MP3 frame is a 4-byte header and a payload; an all-zero payload is a valid silent
frame (every side-info field zero: no bits to decode), so these files play.
"""

from __future__ import annotations

import io
import math
import struct
import wave
import zlib
from collections.abc import Sequence

MPEG1, MPEG2, MPEG25 = 3, 2, 0
_V1_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_V2_BITRATES = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
SAMPLE_RATES = {
    MPEG1: (44100, 48000, 32000),
    MPEG2: (22050, 24000, 16000),
    MPEG25: (11025, 12000, 8000),
}


def bitrates(version: int) -> tuple[int, ...]:
    """The valid Layer III bitrates (kbit/s) of an MPEG version."""
    return (_V1_BITRATES if version == MPEG1 else _V2_BITRATES)[1:]


def samples_per_frame(version: int) -> int:
    return 1152 if version == MPEG1 else 576


def frame_length(version: int, kbps: int, sample_rate: int, *, padding: bool = False) -> int:
    """Bytes in a Layer III frame, header included."""
    return samples_per_frame(version) // 8 * kbps * 1000 // sample_rate + int(padding)


def frame_header(
    version: int = MPEG1,
    kbps: int = 128,
    sample_rate: int = 44100,
    *,
    mono: bool = False,
    padding: bool = False,
) -> bytes:
    """The 4-byte header of an MPEG Layer III frame without CRC."""
    table = _V1_BITRATES if version == MPEG1 else _V2_BITRATES
    b1 = 0xE0 | version << 3 | 1 << 1 | 1  # sync, version, layer III, no CRC
    b2 = table.index(kbps) << 4 | SAMPLE_RATES[version].index(sample_rate) << 2 | padding << 1
    b3 = (3 if mono else 0) << 6
    return bytes([0xFF, b1, b2, b3])


def mp3_frame(
    version: int = MPEG1,
    kbps: int = 128,
    sample_rate: int = 44100,
    *,
    mono: bool = False,
    padding: bool = False,
    payload: bytes = b"",
) -> bytes:
    """A whole frame: the header, `payload` right after it, zeros to the frame's length."""
    length = frame_length(version, kbps, sample_rate, padding=padding)
    header = frame_header(version, kbps, sample_rate, mono=mono, padding=padding)
    body = payload.ljust(length - 4, b"\x00")
    assert len(body) == length - 4, "payload does not fit in the frame"
    return header + body


def cbr_mp3(
    frames: int,
    version: int = MPEG1,
    kbps: int = 128,
    sample_rate: int = 44100,
    *,
    mono: bool = False,
) -> bytes:
    """`frames` silent frames at a constant bitrate, padded like an encoder pads them.

    The padding bit is set whenever the fractional frame size has added up to a byte,
    so the average bitrate is exactly `kbps`.
    """
    out = bytearray()
    exact = samples_per_frame(version) / 8 * kbps * 1000 / sample_rate
    whole = int(exact)
    carried = 0.0
    for _ in range(frames):
        carried += exact - whole
        padding = carried >= 1
        if padding:
            carried -= 1
        out += mp3_frame(version, kbps, sample_rate, mono=mono, padding=padding)
    return bytes(out)


def side_info_size(version: int, *, mono: bool) -> int:
    if version == MPEG1:
        return 17 if mono else 32
    return 9 if mono else 17


def xing_frame(
    audio_frames: int,
    version: int = MPEG1,
    kbps: int = 128,
    sample_rate: int = 44100,
    *,
    mono: bool = False,
    tag: bytes = b"Xing",
    lame_delay: int | None = None,
    lame_padding: int = 0,
    audio_bytes: int = 0,
) -> bytes:
    """A silent first frame carrying a Xing/Info header with every field (and a LAME tag)."""
    xing = tag + struct.pack(">II", 0x0F, audio_frames) + struct.pack(">I", audio_bytes)
    xing += bytes(range(100)) + struct.pack(">I", 50)  # seek table, quality
    if lame_delay is not None:
        lame = b"LAME3.100" + bytes(12)  # version, revision, lowpass, replay gain, flags, bitrate
        lame += (lame_delay << 12 | lame_padding).to_bytes(3, "big")
        xing += lame.ljust(36, b"\x00")
    payload = bytes(side_info_size(version, mono=mono)) + xing
    return mp3_frame(version, kbps, sample_rate, mono=mono, payload=payload)


def vbri_frame(
    audio_frames: int, version: int = MPEG1, kbps: int = 128, sample_rate: int = 44100
) -> bytes:
    """A silent first frame carrying a Fraunhofer VBRI header (always 32 bytes in)."""
    vbri = b"VBRI" + struct.pack(">HHHII", 1, 0x0840, 75, 0, audio_frames)
    vbri += struct.pack(">HHHH", 0, 1, 2, 1)  # an empty seek table
    return mp3_frame(version, kbps, sample_rate, payload=bytes(32) + vbri)


def id3v2_tag(body: bytes = b"", *, padding: int = 0, footer: bool = False) -> bytes:
    """An ID3v2.4 tag: a TIT2 frame holding `body`, then `padding` zero bytes."""
    content = b"TIT2" + _syncsafe(len(body) + 1) + b"\x00\x00\x03" + body
    content += bytes(padding)
    flags = 0x10 if footer else 0
    header = b"ID3\x04\x00" + bytes([flags]) + _syncsafe(len(content))
    tail = b"3DI\x04\x00" + bytes([flags]) + _syncsafe(len(content)) if footer else b""
    return header + content + tail


def _syncsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def id3v1_tag(title: str = "title") -> bytes:
    """A 128-byte ID3v1 tag, as found at the end of old MP3s."""
    return (b"TAG" + title.encode("latin-1")).ljust(128, b"\x00")


def apev2_tag(items: bytes = b"\x05\x00\x00\x00\x00\x00\x00\x00Title\x00hello") -> bytes:
    """An APEv2 tag with header and footer, as some taggers append."""
    size = len(items) + 32  # items plus the footer
    header = b"APETAGEX" + struct.pack("<IIII", 2000, size, 1, 0xA0000000) + bytes(8)
    footer = b"APETAGEX" + struct.pack("<IIII", 2000, size, 1, 0x80000000) + bytes(8)
    return header + items + footer


def wav_bytes(
    seconds: float,
    sample_rate: int = 8000,
    *,
    channels: int = 1,
    sample_width: int = 2,
    tone_hz: float = 440.0,
) -> bytes:
    """A PCM WAV file of `seconds` (rounded to whole frames) holding a quiet sine tone."""
    frames = round(seconds * sample_rate)
    peak = (1 << (8 * sample_width - 1)) // 8
    step = 2 * math.pi * tone_hz / sample_rate
    if sample_width == 1:
        one = [bytes([128 + round(peak * math.sin(step * i))]) for i in range(frames)]
    else:
        one = [
            round(peak * math.sin(step * i)).to_bytes(sample_width, "little", signed=True)
            for i in range(frames)
        ]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(sample_width)
        out.setframerate(sample_rate)
        out.writeframes(b"".join(sample * channels for sample in one))
    return buffer.getvalue()


def png_bytes(
    width: int, height: int, top: Sequence[int], bottom: Sequence[int], *, stripes: int = 0
) -> bytes:
    """An RGB PNG fading from colour `top` to `bottom`, with `stripes` light bands."""
    rows = []
    for y in range(height):
        mix = y / max(height - 1, 1)
        colour = bytes(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        row = bytearray(colour * width)
        if stripes and (y * stripes // height) % 2:
            for x in range(0, width, 2):
                row[3 * x : 3 * x + 3] = bytes(min(255, c + 40) for c in colour)
        rows.append(b"\x00" + bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
