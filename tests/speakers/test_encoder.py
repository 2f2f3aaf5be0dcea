"""The speaker encoder: the committed ONNX model on real speech, and its windowing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agent_assist.speakers.encoder import (
    EMBEDDING_DIM,
    SpeakerEncoder,
    window_gains,
)
from agent_assist.speakers.features import mel_frames
from tests.speakers.voices import RecordingSession

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
REFERENCE = Path(__file__).resolve().parent / "data" / "reference_jfk.npz"


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder.load()


@pytest.mark.slow
def test_onnx_matches_resemblyzer_on_its_own_mels(encoder: SpeakerEncoder) -> None:
    with np.load(REFERENCE) as data:
        head, expected = data["head"], data["embeddings"]
    got = encoder.embed_mels(np.stack([head[:160], head[160:320]]))
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.slow
def test_numpy_front_end_and_onnx_match_resemblyzer_end_to_end(
    encoder: SpeakerEncoder, clips: dict
) -> None:
    with np.load(REFERENCE) as data:
        expected = data["embeddings"]
    frames = mel_frames(clips["jfk"], 0, 320)
    got = encoder.embed_mels(np.stack([frames[:160], frames[160:]]))
    np.testing.assert_allclose(got, expected, atol=1e-4)
    # JFK is louder than -30 dBFS, so the windowed path applies no gain and agrees too.
    _, windows = encoder.embed_windows(clips["jfk"][: 320 * 160], step_s=1.6)
    np.testing.assert_allclose(windows, expected, atol=1e-4)


@pytest.mark.slow
def test_a_quiet_recording_embeds_like_the_same_voice_louder(
    encoder: SpeakerEncoder, clips: dict
) -> None:
    voice = clips["mfa_uhuh"]
    _, loud = encoder.embed_windows(voice * 0.3)
    _, quiet = encoder.embed_windows(voice * 0.03)  # 20 dB quieter, both under -30 dBFS
    assert float(np.min(np.sum(loud * quiet, axis=1))) > 0.999


def test_windows_go_through_in_bounded_batches_with_their_own_frames() -> None:
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(16000 * 30) * 0.001).astype(np.float32)  # -60 dBFS
    session = RecordingSession(EMBEDDING_DIM)
    starts, _ = SpeakerEncoder(session, batch_size=8).embed_windows(audio, step_s=0.5)  # type: ignore[arg-type]
    assert len(starts) == 57 and max(len(b) for b in session.batches) == 8
    mels = np.concatenate(session.batches)
    for index in (0, 28, 56):
        first = round(starts[index] * 100)
        gain = window_gains(audio, np.array([first * 160]), 160 * 160)[0]
        expected = mel_frames(audio, first, 160) * np.float32(gain**2)
        np.testing.assert_allclose(mels[index], expected, rtol=1e-4)
    assert gain == pytest.approx(10 ** (30 / 20), rel=0.05)  # brought up to -30 dBFS
