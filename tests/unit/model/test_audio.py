"""Voice synthesis: the voice configuration and where audio files are stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import AudioFile, VoiceConfig, audio_key

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@given(st.floats(0.5, 2.0), st.floats(0.5, 2.0))
def test_speed_and_pitch_between_half_and_double_are_accepted(speed: float, pitch: float) -> None:
    """Any speed and pitch in 0.5-2.0, bounds included, make a valid voice."""
    voice = VoiceConfig(speed=speed, pitch=pitch)
    assert (voice.speed, voice.pitch) == (speed, pitch)


outside = st.floats(max_value=0.4999) | st.floats(min_value=2.0001) | st.just(float("nan"))


@given(outside)
def test_speed_outside_half_to_double_names_speed(speed: float) -> None:
    """A speed outside 0.5-2.0 (or not a number) is a validation error naming `speed`."""
    with pytest.raises(DomainValidationError) as caught:
        VoiceConfig(speed=speed)
    assert caught.value.field == "speed"


@given(outside)
def test_pitch_outside_half_to_double_names_pitch(pitch: float) -> None:
    """A pitch outside 0.5-2.0 (or not a number) is a validation error naming `pitch`."""
    with pytest.raises(DomainValidationError) as caught:
        VoiceConfig(pitch=pitch)
    assert caught.value.field == "pitch"


@pytest.mark.parametrize("value", ["1.0", True, None])
def test_speed_must_be_a_number(value: object) -> None:
    """A speed that is not a number (booleans included) is refused."""
    with pytest.raises(DomainValidationError) as caught:
        VoiceConfig(speed=value)  # type: ignore[arg-type]
    assert caught.value.field == "speed"


def test_voice_name_must_not_be_blank() -> None:
    """The voice is named."""
    with pytest.raises(DomainValidationError) as caught:
        VoiceConfig(voice=" ")
    assert caught.value.field == "voice"


def test_audio_key_is_stable_per_task() -> None:
    """A retried task writes to the same key, so it overwrites instead of duplicating."""
    assert audio_key("m1", "t1") == audio_key("m1", "t1") == "audio/m1/t1.mp3"
    assert audio_key("m1", "t1", "wav") == "audio/m1/t1.wav"


@pytest.mark.parametrize("seconds", [0, -1, 24 * 3600 + 1])
def test_audio_duration_must_be_positive_and_under_a_day(seconds: float) -> None:
    """A recording lasts more than nothing and at most a day."""
    with pytest.raises(DomainValidationError) as caught:
        AudioFile("a1", "u1", "m1", "audio/m1/t1.mp3", seconds, 1_000, VoiceConfig(), NOW)
    assert caught.value.field == "durationSeconds"
