"""The speaker encoder: the committed ONNX model on real speech, and its windowing."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist import modelstore
from agent_assist.audio.resample import resample
from agent_assist.errors import ModelError
from agent_assist.speakers.encoder import (
    EMBEDDING_DIM,
    MODEL_FILE,
    MODEL_NAME,
    SpeakerEncoder,
    window_gains,
)
from agent_assist.speakers.features import mel_frames
from tests.fakes import app_with_a_corrupt_model

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
REFERENCE = Path(__file__).resolve().parent / "data" / "reference_jfk.npz"
CLIPS = ("jfk", "librivox_ill_disposed", "mfa_uhuh")


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    return SpeakerEncoder.load()


@pytest.fixture(scope="module")
def clips() -> dict[str, np.ndarray]:
    """Three real speakers: J. F. Kennedy, a LibriVox reader, the MFA corpus's speaker."""
    out = {}
    for name in CLIPS:
        audio, rate = sf.read(str(DATA / f"{name}.flac"), dtype="float32")
        assert rate == 16000
        out[name] = audio
    return out


def _telephone(audio: np.ndarray, seed: int) -> np.ndarray:
    """8 kHz, with hiss 20 dB under the speech: what a phone line gives."""
    narrow = resample(audio, 16000, 8000)
    noise = np.random.default_rng(seed).standard_normal(len(narrow)).astype(np.float32)
    noise *= np.sqrt(np.mean(narrow**2)) / 10
    return narrow + noise


def _similarities(encoder: SpeakerEncoder, clips: dict, sr: int) -> tuple[list, list]:
    """Cosine similarities of same-speaker and different-speaker half-clip embeddings."""
    halves = {}
    for name, audio in clips.items():
        middle = len(audio) // 2
        halves[name] = [encoder.embed(audio[:middle], sr), encoder.embed(audio[middle:], sr)]
    same = [float(a @ b) for a, b in halves.values()]
    names = list(halves)
    different = [
        float(x @ y)
        for i, first in enumerate(names)
        for second in names[i + 1 :]
        for x in halves[first]
        for y in halves[second]
    ]
    return same, different


@pytest.mark.slow
def test_manifest_model_verifies_and_loads_from_the_committed_folder() -> None:
    spec = modelstore.find_spec(MODEL_NAME)
    path = modelstore.locate_file(spec, MODEL_FILE)
    assert path == REPO / "models" / MODEL_NAME / MODEL_FILE
    assert 5e6 < path.stat().st_size < 7e6


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
def test_same_speaker_is_closer_than_different_speakers(
    encoder: SpeakerEncoder, clips: dict
) -> None:
    same, different = _similarities(encoder, clips, 16000)
    assert min(same) > max(different) + 0.05, (same, different)


@pytest.mark.slow
def test_same_speaker_is_closer_on_8_khz_audio_with_line_noise(
    encoder: SpeakerEncoder, clips: dict
) -> None:
    phone = {name: _telephone(audio, seed) for seed, (name, audio) in enumerate(clips.items())}
    same, different = _similarities(encoder, phone, 8000)
    assert min(same) > max(different) + 0.05, (same, different)


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


def test_missing_or_corrupt_model_file_is_a_one_line_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        SpeakerEncoder.load(tmp_path / "none.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes((REPO / "models" / MODEL_NAME / MODEL_FILE).read_bytes()[:40_000])
    with pytest.raises(ModelError) as caught:
        SpeakerEncoder.load(broken)
    assert str(broken) in str(caught.value) and "\n" not in str(caught.value)


def test_corrupt_bundled_copy_fails_the_manifest_checksum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    onnx = app_with_a_corrupt_model(root, MODEL_NAME, MODEL_FILE)
    monkeypatch.setenv("AGENT_ASSIST_HOME", str(root))
    with pytest.raises(ModelError, match="checksum mismatch") as caught:
        SpeakerEncoder.load()
    assert str(onnx) in str(caught.value) and "\n" not in str(caught.value)
