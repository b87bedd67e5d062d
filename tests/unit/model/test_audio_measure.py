"""Measuring recordings from their bytes: WAV chunks, MP3 frames and encoder headers."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npc_core.model import AudioInfo, format_for_content_type, measure_audio
from tests.audio_samples import (
    MPEG1,
    MPEG2,
    MPEG25,
    SAMPLE_RATES,
    apev2_tag,
    bitrates,
    cbr_mp3,
    frame_header,
    id3v1_tag,
    id3v2_tag,
    mp3_frame,
    png_bytes,
    samples_per_frame,
    vbri_frame,
    wav_bytes,
    xing_frame,
)

LAME = shutil.which("lame")


def measured(data: bytes) -> AudioInfo:
    info = measure_audio(data)
    assert info is not None
    return info


# --- WAV ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "rate", "channels", "width"),
    [(2.5, 8000, 1, 2), (1.0, 44100, 2, 2), (0.75, 22050, 1, 1), (3.0, 48000, 2, 3)],
)
def test_a_pcm_wav_lasts_its_frames_over_its_rate(
    seconds: float, rate: int, channels: int, width: int
) -> None:
    """A WAV written by the stdlib measures to its exact length, rate and channel count."""
    info = measured(wav_bytes(seconds, rate, channels=channels, sample_width=width))
    assert info == AudioInfo(round(seconds * rate) / rate, "wav", rate, channels)


def _riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


def _chunk(kind: bytes, body: bytes, size: int | None = None) -> bytes:
    size = len(body) if size is None else size
    return kind + size.to_bytes(4, "little") + body + (b"\x00" if len(body) % 2 else b"")


def _fmt(tag: int = 1, channels: int = 1, rate: int = 8000, width: int = 2) -> bytes:
    align = channels * width
    body = tag.to_bytes(2, "little") + channels.to_bytes(2, "little")
    body += rate.to_bytes(4, "little") + (rate * align).to_bytes(4, "little")
    body += align.to_bytes(2, "little") + (8 * width).to_bytes(2, "little")
    return _chunk(b"fmt ", body)


def test_wav_chunks_of_odd_size_are_padded_and_skipped() -> None:
    """A LIST chunk of odd size before `data` is skipped with its pad byte."""
    data = _riff(_fmt(), _chunk(b"LIST", b"INFOabc"), _chunk(b"data", bytes(16000)))
    assert measured(data).duration_seconds == 1.0


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF])
def test_a_streamed_wav_without_a_data_size_lasts_to_the_end(size: int) -> None:
    """Streaming writers leave the data size 0 or 0xFFFFFFFF: the rest of the file counts."""
    data = _riff(_fmt(), _chunk(b"data", bytes(8000), size=size))
    assert measured(data).duration_seconds == 0.5


def test_a_truncated_wav_measures_what_is_there() -> None:
    """A data chunk claiming more bytes than the file has measures the bytes present."""
    data = _riff(_fmt(), _chunk(b"data", bytes(4000), size=160_000))
    assert measured(data).duration_seconds == 0.25


def test_a_compressed_wav_uses_its_sample_count() -> None:
    """A non-PCM WAV (IMA ADPCM) lasts its `fact` sample count over its sample rate."""
    fmt = _chunk(
        b"fmt ",
        (0x11).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + (8000).to_bytes(4, "little")
        + (4055).to_bytes(4, "little")
        + (256).to_bytes(2, "little")
        + (4).to_bytes(2, "little"),
    )
    fact = _chunk(b"fact", (12000).to_bytes(4, "little"))
    assert measured(_riff(fmt, fact, _chunk(b"data", bytes(6000)))).duration_seconds == 1.5


@pytest.mark.parametrize(
    "data",
    [
        _riff(_chunk(b"data", bytes(100))),
        _riff(_fmt()),
        _riff(_fmt(rate=0), _chunk(b"data", bytes(100))),
        _riff(_fmt(), _chunk(b"data", b"")),
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
    ],
    ids=["no fmt", "no data", "zero rate", "empty data", "cut short"],
)
def test_a_wav_without_what_it_needs_is_not_measured(data: bytes) -> None:
    """Without a usable `fmt ` and a non-empty `data` chunk there is no duration."""
    assert measure_audio(data) is None


# --- MP3 frames ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "kbps", "rate", "mono"),
    [
        (MPEG1, 128, 44100, False),
        (MPEG1, 320, 48000, False),
        (MPEG1, 32, 32000, True),
        (MPEG2, 64, 22050, True),
        (MPEG2, 160, 24000, False),
        (MPEG25, 8, 8000, True),
        (MPEG25, 32, 11025, False),
    ],
)
def test_a_cbr_mp3_lasts_its_frames(version: int, kbps: int, rate: int, *, mono: bool) -> None:
    """MPEG 1, 2 and 2.5 Layer III frames, padded or not, count to the exact duration."""
    data = cbr_mp3(100, version, kbps, rate, mono=mono)
    info = measured(data)
    assert info.duration_seconds == pytest.approx(100 * samples_per_frame(version) / rate)
    assert (info.format, info.sample_rate, info.channels) == ("mp3", rate, 1 if mono else 2)


def test_a_headerless_vbr_mp3_is_walked_frame_by_frame() -> None:
    """Frames of changing bitrate with no encoder header still count exactly."""
    data = b"".join(mp3_frame(kbps=kbps) for kbps in [128, 64, 320, 32, 192] * 20)
    assert measured(data).duration_seconds == pytest.approx(100 * 1152 / 44100)


def test_a_xing_header_gives_the_frame_count_without_walking() -> None:
    """A VBR file's Xing header counts its audio frames (its own silent frame not included)."""
    frames = b"".join(mp3_frame(kbps=kbps) for kbps in (64, 128, 256) * 10)
    data = xing_frame(3000, audio_bytes=len(frames)) + frames  # the header wins over the walk
    assert measured(data).duration_seconds == pytest.approx(3000 * 1152 / 44100)


@pytest.mark.parametrize(("version", "rate", "mono"), [(MPEG1, 48000, True), (MPEG2, 24000, False)])
def test_xing_headers_sit_after_the_side_info(version: int, rate: int, *, mono: bool) -> None:
    """The header is found after 17/32 (MPEG 1) or 9/17 (MPEG 2) bytes of side info."""
    data = xing_frame(500, version, 128, rate, mono=mono) + cbr_mp3(
        3, version, 128, rate, mono=mono
    )
    assert measured(data).duration_seconds == pytest.approx(500 * samples_per_frame(version) / rate)


def test_an_info_tag_with_lame_delay_and_padding_is_exact_to_the_sample() -> None:
    """LAME's encoder delay and end padding are taken off, as gapless players do."""
    data = xing_frame(100, tag=b"Info", lame_delay=576, lame_padding=1000) + cbr_mp3(100)
    assert measured(data).duration_seconds == pytest.approx((100 * 1152 - 1576) / 44100)


def test_a_xing_header_without_a_frame_count_falls_back_to_walking() -> None:
    """A header with the frames flag unset is skipped and the audio frames are walked."""
    header = bytearray(xing_frame(999))
    flags_at = 4 + 32 + 4
    header[flags_at : flags_at + 4] = (0x0E).to_bytes(4, "big")
    assert measured(bytes(header) + cbr_mp3(40)).duration_seconds == pytest.approx(
        40 * 1152 / 44100
    )


def test_a_vbri_header_gives_the_frame_count() -> None:
    """A Fraunhofer encoder's VBRI header counts the frames."""
    data = vbri_frame(700) + cbr_mp3(5)
    assert measured(data).duration_seconds == pytest.approx(700 * 1152 / 44100)


def test_id3v2_tags_are_skipped_even_when_they_look_like_frames() -> None:
    """Leading ID3v2 tags (one with a footer) are skipped; frame-like bytes inside are not audio."""
    fake = frame_header() * 50  # cover art bytes that happen to contain frame syncs
    data = id3v2_tag(fake, padding=300) + id3v2_tag(b"x", footer=True) + cbr_mp3(20)
    assert measured(data).duration_seconds == pytest.approx(20 * 1152 / 44100)


def test_trailing_id3v1_and_ape_tags_are_not_audio() -> None:
    """APEv2 and ID3v1 tags at the end neither count as frames nor break the walk."""
    data = cbr_mp3(30) + apev2_tag() + id3v1_tag()
    assert measured(data).duration_seconds == pytest.approx(30 * 1152 / 44100)


def test_junk_before_the_first_frame_is_skipped() -> None:
    """Stray bytes (even stray 0xFF) before the first confirmed frame are ignored."""
    data = b"\x00\xff\xfb\x00garbage\xff" + cbr_mp3(10)
    assert measured(data).duration_seconds == pytest.approx(10 * 1152 / 44100)


def test_a_truncated_last_frame_does_not_play() -> None:
    """A final frame cut short is not counted."""
    data = cbr_mp3(10)[:-100]
    assert measured(data).duration_seconds == pytest.approx(9 * 1152 / 44100)


def test_a_broken_frame_chain_is_estimated_from_the_mean_frame_size() -> None:
    """Junk in the middle stops the count; the rest is estimated from the size, CBR-style."""
    data = cbr_mp3(50) + b"\x00" * 417 + cbr_mp3(50)
    assert measured(data).duration_seconds == pytest.approx(101 * 1152 / 44100, rel=0.01)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"ID3",
        id3v2_tag(b"only a tag"),
        png_bytes(4, 4, (0, 0, 0), (255, 255, 255)),
        "我是林舟。".encode(),
        frame_header() + b"\x12" * 50,  # a lone header whose frame does not end the file
        b"\xff\xfa\x90\x00" * 200,  # "free format" is not supported
        b"\xff\xfd\x90\x00" + bytes(413) + b"\xff\xfd\x90\x00",  # layer II
        b"\xff\xe3\x9c\x00" * 100,  # reserved sample rate
        xing_frame(0),  # a header saying zero frames, and nothing after it
    ],
    ids=["empty", "id3", "tag only", "png", "text", "lone", "free", "layer2", "rate", "xing0"],
)
def test_what_is_not_mp3_is_not_measured(data: bytes) -> None:
    """Bytes without a confirmed Layer III frame measure as None."""
    assert measure_audio(data) is None


# --- properties ---------------------------------------------------------------------------

PREFIXES = st.sampled_from([b"", b"RIFF\x00\x01\x00\x00WAVE", b"ID3\x04\x00\x00", b"\xff\xfb\x90"])


@given(prefix=PREFIXES, junk=st.binary(max_size=4096))
@settings(max_examples=400)
def test_junk_never_crashes_the_measurement(prefix: bytes, junk: bytes) -> None:
    """Any bytes measure as None or as a positive, finite duration; nothing raises."""
    info = measure_audio(prefix + junk)
    assert info is None or (math.isfinite(info.duration_seconds) and info.duration_seconds > 0)


@given(
    data=st.data(),
    cut=st.integers(min_value=0, max_value=2000),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=20),
)
def test_damaged_files_never_crash_the_measurement(
    data: st.DataObject, cut: int, flips: list[tuple[int, int]]
) -> None:
    """Valid files truncated or with bytes overwritten measure or give None, never raise."""
    original = data.draw(
        st.sampled_from(
            [
                xing_frame(40, lame_delay=576, lame_padding=300) + cbr_mp3(40),
                id3v2_tag(b"t") + vbri_frame(12) + cbr_mp3(12, MPEG2, 64, 22050),
                wav_bytes(0.2),
                _riff(_fmt(), _chunk(b"LIST", b"abc"), _chunk(b"data", bytes(300))),
            ]
        )
    )
    damaged = bytearray(original[: max(0, len(original) - cut)])
    for at, value in flips:
        if damaged:
            damaged[at % len(damaged)] = value
    info = measure_audio(bytes(damaged))
    assert info is None or (math.isfinite(info.duration_seconds) and info.duration_seconds > 0)


@given(
    version=st.sampled_from([MPEG1, MPEG2, MPEG25]),
    data=st.data(),
    frames=st.integers(min_value=1, max_value=60),
    mono=st.booleans(),
)
def test_any_cbr_stream_measures_exactly(
    version: int, data: st.DataObject, frames: int, *, mono: bool
) -> None:
    """Every version, rate and bitrate measures to frames x samples-per-frame / rate."""
    rate = data.draw(st.sampled_from(SAMPLE_RATES[version]))
    kbps = data.draw(st.sampled_from(bitrates(version)))
    info = measured(cbr_mp3(frames, version, kbps, rate, mono=mono))
    assert info.duration_seconds == pytest.approx(frames * samples_per_frame(version) / rate)
    assert info.sample_rate == rate


@given(
    frames=st.integers(min_value=1, max_value=4000),
    rate=st.sampled_from([8000, 16000, 22050, 24000, 44100, 48000]),
    channels=st.integers(min_value=1, max_value=2),
    width=st.integers(min_value=1, max_value=3),
)
def test_any_stdlib_wav_measures_exactly(frames: int, rate: int, channels: int, width: int) -> None:
    """WAVs from the `wave` module measure to their frame count over their rate."""
    info = measured(wav_bytes(frames / rate, rate, channels=channels, sample_width=width))
    assert info.duration_seconds == pytest.approx(frames / rate)


# --- real encoder output -----------------------------------------------------------------


def _encode(tmp_path: Path, source: bytes, *options: str) -> bytes:
    assert LAME is not None
    wav, mp3 = tmp_path / "in.wav", tmp_path / "out.mp3"
    wav.write_bytes(source)
    subprocess.run([LAME, "--quiet", *options, str(wav), str(mp3)], check=True, timeout=60)  # noqa: S603
    return mp3.read_bytes()


def _source() -> tuple[bytes, float]:
    data = wav_bytes(2.0 + 1234 / 44100, 44100)
    with wave.open(io.BytesIO(data)) as w:
        return data, w.getnframes() / w.getframerate()


@pytest.mark.skipif(LAME is None, reason="lame is not installed (.ci/run installs it)")
@pytest.mark.parametrize(
    "options",
    [["-b", "64"], ["-V", "4"], ["--abr", "96"], ["--add-id3v2", "--tt", "独白", "-b", "128"]],
    ids=["cbr", "vbr", "abr", "id3v2"],
)
def test_lame_output_with_its_info_tag_measures_to_the_sample(
    tmp_path: Path, options: list[str]
) -> None:
    """LAME's Xing/Info and LAME tags give the source's exact length, CBR or VBR."""
    source, seconds = _source()
    info = measured(_encode(tmp_path, source, *options))
    assert info.duration_seconds == pytest.approx(seconds, abs=0.001)


@pytest.mark.skipif(LAME is None, reason="lame is not installed (.ci/run installs it)")
@pytest.mark.parametrize("options", [["-t", "-b", "64"], ["-t", "-V", "2"], ["--resample", "16"]])
def test_lame_output_without_a_tag_measures_by_walking(tmp_path: Path, options: list[str]) -> None:
    """Without the tag the walk counts every frame: longer by the encoder's delay and padding."""
    source, seconds = _source()
    info = measured(_encode(tmp_path, source, *options))
    assert seconds <= info.duration_seconds <= seconds + 0.1


# --- content types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "extension"),
    [
        ("audio/mpeg", "mp3"),
        ("audio/MPEG; charset=binary", "mp3"),
        ("audio/x-wav", "wav"),
        ("audio/wav", "wav"),
        ("audio/ogg", "ogg"),
        ("audio/x-unknown", None),
        ("application/octet-stream", None),
    ],
)
def test_formats_follow_content_types(content_type: str, extension: str | None) -> None:
    """Known audio content types map to their usual extension, parameters and case aside."""
    assert format_for_content_type(content_type) == extension
