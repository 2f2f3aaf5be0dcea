"""The short encoder window of the live path: arithmetic, pass-through, and the real model."""

from __future__ import annotations

import threading
from pathlib import Path

import ctranslate2
import numpy as np
import pytest
import soundfile as sf

from agent_assist.asr.metrics import word_error_rate
from agent_assist.asr.whisper import WhisperTranscriber
from agent_assist.asr.window import window_seconds, windowed
from agent_assist.core.models import Models

DATA = Path(__file__).resolve().parent.parent / "data"


def test_window_covers_the_audio_plus_a_margin_within_bounds() -> None:
    assert window_seconds(2.0, 10.0) == 10.0
    assert window_seconds(9.5, 10.0) == 15.0
    assert window_seconds(12.5, 10.0) == 15.0
    assert window_seconds(14.5, 10.0) == 20.0
    assert window_seconds(29.5, 10.0) == 30.0
    assert window_seconds(2.0, 30.0) == 30.0


def test_models_without_a_window_are_left_alone() -> None:
    with windowed(object(), 2.0, 10.0):
        pass


@pytest.fixture(scope="module")
def tiny(real_models: Models) -> WhisperTranscriber:
    """The default ("fast") profile's tiny.en, as the app loads it."""
    assert isinstance(real_models.transcriber, WhisperTranscriber)
    return real_models.transcriber


def _encoded_frames(tiny: WhisperTranscriber) -> int:
    features = np.zeros((80, 3000), dtype=np.float32)
    output = np.asarray(tiny.model.encode(features).to_device(ctranslate2.Device.cpu))
    return int(output.shape[1])


@pytest.mark.slow
def test_the_real_encoder_sees_only_the_window_and_only_inside_it(
    tiny: WhisperTranscriber,
) -> None:
    assert _encoded_frames(tiny) == 1500  # 30 s: 50 encoder positions a second
    with tiny.model.window(12.0):
        assert _encoded_frames(tiny) == 600
        seen: list[int] = []
        other = threading.Thread(target=lambda: seen.append(_encoded_frames(tiny)))
        other.start()
        other.join()
        assert seen == [1500]  # per thread: a batch job elsewhere keeps the full window
    assert _encoded_frames(tiny) == 1500


@pytest.mark.slow
def test_the_live_decoder_transcribes_real_speech(tiny: WhisperTranscriber) -> None:
    audio, _ = sf.read(DATA / "jfk.flac", dtype="float32")
    reference = "and so my fellow americans ask not what your country can do for you"
    live = tiny.for_live()
    assert (live.config.beam, tiny.config.beam) == (1, 5)
    result = live.transcribe(audio[: 16_000 * 8])
    assert word_error_rate(reference, result.text) <= 0.15
    assert result.words and result.words[-1].end <= 8.0 + 1e-6
