"""The numpy mel front end against Resemblyzer's own (librosa) output on real speech.

``data/reference_jfk.npz`` was written by ``training/speaker_fixture.py`` in the train venv:
``resemblyzer.audio.wav_to_mel_spectrogram`` of ``tests/data/jfk.flac``, unprocessed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist.speakers.features import N_MELS, frame_count, mel_filterbank, mel_frames

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCE = Path(__file__).resolve().parent / "data" / "reference_jfk.npz"


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    audio, rate = sf.read(str(DATA / "jfk.flac"), dtype="float32")
    assert rate == 16000
    return audio


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE) as data:
        return {name: data[name] for name in data.files}


def _relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    return float(np.abs(got - expected).max() / np.abs(expected).max())


def test_frames_match_the_reference_front_end(jfk: np.ndarray, reference: dict) -> None:
    frames = mel_frames(jfk)
    assert frames.shape == (int(reference["frames"]), N_MELS) == (frame_count(len(jfk)), N_MELS)
    assert frames.dtype == np.float32
    # Power, not log: the loudest bands of real speech are far above 1.
    assert reference["head"].max() > 10
    assert _relative_error(frames[:320], reference["head"]) < 1e-5
    assert _relative_error(frames[-40:], reference["tail"]) < 1e-5


def test_any_run_of_frames_equals_the_same_rows_of_the_whole(jfk: np.ndarray) -> None:
    whole = mel_frames(jfk)
    for first, count in ((0, 1), (0, 160), (37, 100), (1000, 101), (1100, 1)):
        part = mel_frames(jfk, first, count)
        np.testing.assert_allclose(part, whole[first : first + count], rtol=1e-5, atol=1e-9)
    beyond = mel_frames(jfk, len(whole) + 5, 3)
    assert beyond.shape == (3, N_MELS) and not beyond.any()
    assert mel_frames(jfk, 10, 0).shape == (0, N_MELS)


def test_filterbank_covers_the_band_with_slaney_areas() -> None:
    bank = mel_filterbank()
    assert bank.shape == (N_MELS, 201)
    peaks = bank.argmax(axis=1)
    assert np.all(np.diff(peaks) >= 0) and peaks[0] < 5 and peaks[-1] > 180
    assert np.all(bank.sum(axis=1) > 0) and (bank >= 0).all()


def test_stereo_input_is_refused() -> None:
    with pytest.raises(ValueError, match="1-D"):
        mel_frames(np.zeros((1600, 2), dtype=np.float32))
