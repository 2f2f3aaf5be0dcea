"""The streaming Silero VAD on real speech (integration: the ONNX model from faster-whisper)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist.config import VadConfig
from agent_assist.contracts import Utterance
from agent_assist.core.models import Models
from agent_assist.errors import ModelError
from agent_assist.vad.segmenter import Segmenter
from agent_assist.vad.silero import FRAME_SAMPLES, SileroVad

pytestmark = pytest.mark.slow
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def vad(real_models: Models) -> SileroVad:
    """A stream of the app's Silero session (each ``vad_factory()`` call is a fresh one)."""
    stream = real_models.vad_factory()
    assert isinstance(stream, SileroVad)
    return stream


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    audio, _ = sf.read(DATA / "jfk.flac", dtype="float32")
    return audio


def _probabilities(vad: SileroVad, audio: np.ndarray) -> np.ndarray:
    vad.reset()
    usable = len(audio) // FRAME_SAMPLES * FRAME_SAMPLES
    return np.array([vad(frame) for frame in audio[:usable].reshape(-1, FRAME_SAMPLES)])


def test_speech_scores_high_and_silence_low(vad: SileroVad, jfk: np.ndarray) -> None:
    speech = _probabilities(vad, jfk)
    assert speech.max() > 0.9
    assert np.mean(speech > 0.5) > 0.5
    quiet = _probabilities(vad, np.zeros(32_000, dtype=np.float32))
    assert quiet.max() < 0.1
    hiss = np.random.default_rng(0).standard_normal(32_000).astype(np.float32) * 0.003
    assert _probabilities(vad, hiss).max() < 0.3


def test_streaming_equals_faster_whisper_batch_run(vad: SileroVad, jfk: np.ndarray) -> None:
    from faster_whisper.vad import get_vad_model

    usable = len(jfk) // FRAME_SAMPLES * FRAME_SAMPLES
    batch = np.asarray(get_vad_model()(jfk[:usable])).ravel()
    np.testing.assert_allclose(_probabilities(vad, jfk), batch, atol=1e-5)


def test_state_resets_and_streams_are_independent(vad: SileroVad, jfk: np.ndarray) -> None:
    first = _probabilities(vad, jfk)
    np.testing.assert_array_equal(_probabilities(vad, jfk), first)
    other = vad.fresh()
    vad.reset()
    interleaved = []
    for frame in jfk[: 100 * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES):
        other(np.zeros(FRAME_SAMPLES, dtype=np.float32))
        interleaved.append(vad(frame))
    np.testing.assert_array_equal(interleaved, first[:100])


def test_rejects_a_wrong_frame_size(vad: SileroVad) -> None:
    with pytest.raises(ValueError):
        vad(np.zeros(480, dtype=np.float32))


def test_missing_or_corrupt_model_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        SileroVad.load(tmp_path / "none.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(ModelError) as caught:
        SileroVad.load(broken)
    assert str(broken) in str(caught.value) and "\n" not in str(caught.value)


def test_segmenter_with_silero_finds_the_speech_in_a_real_clip(
    vad: SileroVad, jfk: np.ndarray
) -> None:
    vad.reset()
    pad = np.zeros(32_000, dtype=np.float32)
    audio = np.concatenate([pad, jfk, pad])
    segmenter = Segmenter("customer", vad, VadConfig())
    out = []
    for start in range(0, len(audio), 1024):
        out.extend(segmenter.accept(audio[start : start + 1024]))
    out.extend(segmenter.finish())
    found = [u for u in out if isinstance(u, Utterance)]
    assert 2 <= len(found) <= 6
    # The speech sits between 2.3 s and 12.8 s of the padded clip; the segments cover it.
    assert 2.0 <= found[0].start <= 2.4
    assert 12.4 <= found[-1].end <= 13.0
    assert sum(u.end - u.start for u in found) > 8.0
    vad.reset()
    quiet = Segmenter("customer", vad, VadConfig())
    assert quiet.accept(np.zeros(5 * 16_000, dtype=np.float32)) == [] and quiet.finish() == []
