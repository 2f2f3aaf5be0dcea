"""The CAM++ speaker encoder (the one diarization uses): the committed ONNX model against the
torch network's reference output, on real speech, and its windowing."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from agent_assist.audio.resample import resample
from agent_assist.speakers.campplus import EMBEDDING_DIM, CamppEncoder
from agent_assist.speakers.fbank import log_fbank, normalised

REPO = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).resolve().parent / "data" / "reference_campplus_jfk.npz"


@pytest.fixture(scope="module")
def encoder() -> CamppEncoder:
    return CamppEncoder.load()


@pytest.mark.slow
def test_onnx_matches_the_torch_network_on_reference_frames(encoder: CamppEncoder) -> None:
    with np.load(REFERENCE) as data:
        head, expected = data["head"], data["embeddings"]
    got = encoder.embed_frames(normalised(np.stack([head[:158], head[158:316]])))
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.slow
def test_numpy_front_end_and_onnx_match_the_reference_end_to_end(
    encoder: CamppEncoder, clips: dict
) -> None:
    with np.load(REFERENCE) as data:
        expected = data["embeddings"]
    frames = log_fbank(clips["jfk"])[:316]
    got = encoder.embed_frames(normalised(np.stack([frames[:158], frames[158:]])))
    np.testing.assert_allclose(got, expected, atol=1e-4)
    _, windows = encoder.embed_windows(clips["jfk"][: 317 * 160 + 240], window_s=1.58, step_s=1.58)
    np.testing.assert_allclose(windows, expected, atol=1e-4)


@pytest.mark.slow
def test_window_grid_times_and_norms(encoder: CamppEncoder, clips: dict) -> None:
    jfk = clips["jfk"]  # 11.0 s: 1,098 frames
    starts, embeddings = encoder.embed_windows(jfk, window_s=1.6, step_s=0.4)
    np.testing.assert_allclose(starts, np.arange(24) * 0.4, atol=1e-9)
    assert embeddings.shape == (24, EMBEDDING_DIM) and embeddings.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    narrow_starts, narrow = encoder.embed_windows(resample(jfk, 16000, 8000), sr=8000)
    np.testing.assert_allclose(narrow_starts, starts)
    assert narrow.shape == embeddings.shape
    short_starts, short = encoder.embed_windows(jfk[16000:28000])  # 0.75 s: one window
    assert list(short_starts) == [0.0] and short.shape == (1, EMBEDDING_DIM)
    none_starts, none = encoder.embed_windows(jfk[:1000])
    assert len(none_starts) == 0 and none.shape == (0, EMBEDDING_DIM)
    with pytest.raises(ValueError, match="float audio"):
        encoder.embed_windows((jfk * 32767).astype(np.int16))


class RecordingSession:
    """Stands in for onnxruntime: records each batch, returns its mean frame as 'embedding'."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.batches: list[np.ndarray] = []

    def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        frames = feeds["fbank"]
        if self.keep:
            self.batches.append(frames)
        return [np.repeat(frames.std(axis=(1, 2))[:, None], EMBEDDING_DIM, axis=1) + 1.0]


def test_windows_go_through_in_bounded_batches_with_their_own_frames() -> None:
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(16000 * 30) * 0.01).astype(np.float32)
    session = RecordingSession()
    starts, _ = CamppEncoder(session, batch_size=4).embed_windows(audio, step_s=0.5)  # type: ignore[arg-type]
    assert len(starts) == 57 and max(len(b) for b in session.batches) == 4
    sent = np.concatenate(session.batches)
    whole = log_fbank(audio)
    for index in (0, 28, 56):
        first = round(starts[index] * 100)
        expected = normalised(whole[first : first + 160])
        np.testing.assert_allclose(sent[index], expected, atol=1e-3)
        assert np.abs(sent[index].mean(axis=0)).max() < 1e-4  # each window less its mean


def test_long_audio_is_embedded_in_memory_that_does_not_grow_with_its_length() -> None:
    audio = np.random.default_rng(2).standard_normal(16000 * 600).astype(np.float32) * 0.01
    tracemalloc.start()
    try:
        starts, embeddings = CamppEncoder(RecordingSession(keep=False)).embed_windows(audio)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(starts) == 1496 and embeddings.shape == (1496, EMBEDDING_DIM)  # whole frames
    # The 10 minutes are 38 MB of float32 and all their frames would be 19 MB more; the
    # frames of a batch of windows are framed and filtered alone.
    assert peak < 12e6, f"peak {peak / 1e6:.1f} MB"
