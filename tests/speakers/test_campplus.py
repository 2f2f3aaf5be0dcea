"""The CAM++ speaker encoder (the one diarization uses): the committed ONNX model against the
torch network's reference output, on real speech, and its windowing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agent_assist.speakers.campplus import EMBEDDING_DIM, CamppEncoder
from agent_assist.speakers.fbank import log_fbank, normalised
from tests.speakers.voices import RecordingSession

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


def test_windows_go_through_in_bounded_batches_with_their_own_frames() -> None:
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(16000 * 30) * 0.01).astype(np.float32)
    session = RecordingSession(EMBEDDING_DIM)
    starts, _ = CamppEncoder(session, batch_size=4).embed_windows(audio, step_s=0.5)  # type: ignore[arg-type]
    assert len(starts) == 57 and max(len(b) for b in session.batches) == 4
    sent = np.concatenate(session.batches)
    whole = log_fbank(audio)
    for index in (0, 28, 56):
        first = round(starts[index] * 100)
        expected = normalised(whole[first : first + 160])
        np.testing.assert_allclose(sent[index], expected, atol=1e-3)
        assert np.abs(sent[index].mean(axis=0)).max() < 1e-4  # each window less its mean
