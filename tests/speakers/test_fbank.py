"""The numpy Kaldi filterbank (CAM++'s front end) against kaldi-native-fbank on real speech.

``data/reference_campplus_jfk.npz`` was written by ``training/speaker_fixture.py`` in the train
venv: kaldi-native-fbank's frames of ``tests/data/jfk.flac`` with 3D-Speaker's settings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist.speakers.fbank import (
    FRAME,
    HOP,
    N_BANDS,
    filterbank,
    frame_count,
    log_fbank,
    normalised,
)

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCE = Path(__file__).resolve().parent / "data" / "reference_campplus_jfk.npz"


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    audio, rate = sf.read(str(DATA / "jfk.flac"), dtype="float32")
    assert rate == 16000
    return audio


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE) as data:
        return {name: data[name] for name in data.files}


def test_frames_match_kaldi_native_fbank(jfk: np.ndarray, reference: dict) -> None:
    frames = log_fbank(jfk)
    assert frames.shape == (int(reference["frames"]), N_BANDS) == (frame_count(len(jfk)), 80)
    assert frames.dtype == np.float32
    head, tail = frames[:320], frames[-40:]
    # log energies span about -16..28 here; float32 FFT rounding moves the quietest bands a little
    np.testing.assert_allclose(head, reference["head"], atol=5e-3)
    np.testing.assert_allclose(tail, reference["tail"], atol=5e-3)
    assert float(np.abs(head - reference["head"]).mean()) < 1e-4


def test_a_stretch_from_a_frame_boundary_gives_the_same_rows_as_the_whole(
    jfk: np.ndarray,
) -> None:
    whole = log_fbank(jfk)
    first, count = 137, 200
    part = log_fbank(jfk[first * HOP : (first + count - 1) * HOP + FRAME])
    assert part.shape == (count, N_BANDS)
    np.testing.assert_allclose(part, whole[first : first + count], atol=1e-4)


def test_short_and_bad_input() -> None:
    assert log_fbank(np.zeros(FRAME - 1, np.float32)).shape == (0, N_BANDS)
    assert log_fbank(np.zeros(FRAME, np.float32)).shape == (1, N_BANDS)
    silent = log_fbank(np.zeros(FRAME * 3, np.float32))
    assert np.isfinite(silent).all()  # the log is floored, never -inf
    with pytest.raises(ValueError, match="1-D mono"):
        log_fbank(np.zeros((2, FRAME * 3), np.float32))


def test_filters_cover_20_hz_to_nyquist_and_mean_normalisation() -> None:
    bank = filterbank()
    assert bank.shape == (N_BANDS, 256) and bank.max() <= 1.0
    assert (bank.sum(axis=1) > 0).all()  # no empty band
    assert bank[:, 0].sum() == 0  # 0 Hz is below the lowest filter
    frames = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    np.testing.assert_allclose(normalised(frames).mean(axis=1), 0.0)
