"""The speaker encoder: the committed ONNX model on real speech, and its windowing."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from agent_assist.audio.resample import resample
from agent_assist.speakers.encoder import (
    EMBEDDING_DIM,
    SpeakerEncoder,
    window_gains,
)
from agent_assist.speakers.features import mel_frames

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
def test_window_grid_times_and_norms(encoder: SpeakerEncoder, clips: dict) -> None:
    jfk = clips["jfk"]  # 11.0 s
    starts, embeddings = encoder.embed_windows(jfk, window_s=1.6, step_s=0.4)
    np.testing.assert_allclose(starts, np.arange(24) * 0.4, atol=1e-9)
    assert embeddings.shape == (24, EMBEDDING_DIM) and embeddings.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    narrow_starts, narrow = encoder.embed_windows(resample(jfk, 16000, 8000), sr=8000)
    np.testing.assert_allclose(narrow_starts, starts)
    assert narrow.shape == embeddings.shape
    short_starts, short = encoder.embed_windows(jfk[16000:28000])  # 0.75 s: one window
    assert list(short_starts) == [0.0] and short.shape == (1, EMBEDDING_DIM)
    none_starts, none = encoder.embed_windows(jfk[:100])
    assert len(none_starts) == 0 and none.shape == (0, EMBEDDING_DIM)
    with pytest.raises(ValueError, match="float audio"):
        encoder.embed_windows((jfk * 32767).astype(np.int16))


@pytest.mark.slow
def test_a_quiet_recording_embeds_like_the_same_voice_louder(
    encoder: SpeakerEncoder, clips: dict
) -> None:
    voice = clips["mfa_uhuh"]
    _, loud = encoder.embed_windows(voice * 0.3)
    _, quiet = encoder.embed_windows(voice * 0.03)  # 20 dB quieter, both under -30 dBFS
    assert float(np.min(np.sum(loud * quiet, axis=1))) > 0.999


class RecordingSession:
    """Stands in for onnxruntime: records each batch, returns its mean mel as 'embedding'."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.batches: list[np.ndarray] = []

    def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        mels = feeds["mels"]
        if self.keep:
            self.batches.append(mels)
        return [np.repeat(mels.mean(axis=(1, 2))[:, None], EMBEDDING_DIM, axis=1)]


def test_windows_go_through_in_bounded_batches_with_their_own_frames() -> None:
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(16000 * 30) * 0.001).astype(np.float32)  # -60 dBFS
    session = RecordingSession()
    starts, _ = SpeakerEncoder(session, batch_size=8).embed_windows(audio, step_s=0.5)  # type: ignore[arg-type]
    assert len(starts) == 57 and max(len(b) for b in session.batches) == 8
    mels = np.concatenate(session.batches)
    for index in (0, 28, 56):
        first = round(starts[index] * 100)
        gain = window_gains(audio, np.array([first * 160]), 160 * 160)[0]
        expected = mel_frames(audio, first, 160) * np.float32(gain**2)
        np.testing.assert_allclose(mels[index], expected, rtol=1e-4)
    assert gain == pytest.approx(10 ** (30 / 20), rel=0.05)  # brought up to -30 dBFS


def test_long_audio_is_embedded_in_memory_that_does_not_grow_with_its_length() -> None:
    audio = np.random.default_rng(2).standard_normal(16000 * 600).astype(np.float32) * 0.01
    tracemalloc.start()
    try:
        starts, embeddings = SpeakerEncoder(RecordingSession(keep=False)).embed_windows(audio)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(starts) == 1497 and embeddings.shape == (1497, EMBEDDING_DIM)
    # The 10 minutes are 38 MB of float32; the embeddings 1.5 MB; the rest is per batch.
    assert peak < 12e6, f"peak {peak / 1e6:.1f} MB"
