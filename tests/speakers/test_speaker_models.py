"""Both speaker encoders: on real voices the same speaker is closer than different ones, at
16 kHz and on a noisy 8 kHz line; their window grid; memory that does not grow with the audio;
the manifest's copy loads from the committed folder, and a missing, broken or tampered file is
a one-line ModelError naming it."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from agent_assist import modelstore
from agent_assist.audio.resample import resample
from agent_assist.errors import ModelError
from agent_assist.speakers import campplus, encoder
from tests.fakes import app_with_a_corrupt_model
from tests.speakers.voices import RecordingSession, similarities, telephone

REPO = Path(__file__).resolve().parents[2]
ENCODERS = {
    "campplus": (campplus.CamppEncoder, campplus.MODEL_NAME, (25e6, 32e6)),
    "ge2e": (encoder.SpeakerEncoder, encoder.MODEL_NAME, (5e6, 7e6)),
}
DIMS = {"campplus": campplus.EMBEDDING_DIM, "ge2e": encoder.EMBEDDING_DIM}
MODEL_FILE = "model.onnx"
MARGIN = {"campplus": 0.1, "ge2e": 0.05}
"""How much closer the least alike halves of one voice are than the most alike two voices."""


@pytest.mark.slow
@pytest.mark.parametrize("model", ENCODERS)
def test_same_speaker_is_closer_than_different_speakers(model: str, clips: dict) -> None:
    same, different = similarities(ENCODERS[model][0].load(), clips, 16000)
    assert min(same) > max(different) + MARGIN[model], (same, different)


@pytest.mark.slow
@pytest.mark.parametrize("model", ENCODERS)
def test_same_speaker_is_closer_on_8_khz_audio_with_line_noise(model: str, clips: dict) -> None:
    phone = {name: telephone(audio, seed) for seed, (name, audio) in enumerate(clips.items())}
    same, different = similarities(ENCODERS[model][0].load(), phone, 8000)
    assert min(same) > max(different) + 0.05, (same, different)


@pytest.mark.slow
@pytest.mark.parametrize("model", ENCODERS)
def test_window_grid_times_and_norms(model: str, clips: dict) -> None:
    embedder, dim = ENCODERS[model][0].load(), DIMS[model]
    jfk = clips["jfk"]  # 11.0 s
    starts, embeddings = embedder.embed_windows(jfk, window_s=1.6, step_s=0.4)
    np.testing.assert_allclose(starts, np.arange(24) * 0.4, atol=1e-9)
    assert embeddings.shape == (24, dim) and embeddings.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    narrow_starts, narrow = embedder.embed_windows(resample(jfk, 16000, 8000), sr=8000)
    np.testing.assert_allclose(narrow_starts, starts)
    assert narrow.shape == embeddings.shape
    short_starts, short = embedder.embed_windows(jfk[16000:28000])  # 0.75 s: one window
    assert list(short_starts) == [0.0] and short.shape == (1, dim)
    none_starts, none = embedder.embed_windows(jfk[:100])
    assert len(none_starts) == 0 and none.shape == (0, dim)
    with pytest.raises(ValueError, match="float audio"):
        embedder.embed_windows((jfk * 32767).astype(np.int16))


@pytest.mark.parametrize(("model", "windows"), [("campplus", 1496), ("ge2e", 1497)])
def test_long_audio_is_embedded_in_memory_that_does_not_grow_with_its_length(
    model: str, windows: int
) -> None:
    audio = np.random.default_rng(2).standard_normal(16000 * 600).astype(np.float32) * 0.01
    embedder = ENCODERS[model][0](RecordingSession(DIMS[model], keep=False))  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        starts, embeddings = embedder.embed_windows(audio)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(starts) == windows and embeddings.shape == (windows, DIMS[model])
    # The 10 minutes are 38 MB of float32 and all their frames 19 MB or more, the embeddings
    # 1.5 MB: the frames of a batch of windows are computed alone.
    assert peak < 12e6, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.slow
@pytest.mark.parametrize("model", ENCODERS)
def test_manifest_model_verifies_and_loads_from_the_committed_folder(model: str) -> None:
    _, name, (smallest, largest) = ENCODERS[model]
    path = modelstore.locate_file(modelstore.find_spec(name), MODEL_FILE)
    assert path == REPO / "models" / name / MODEL_FILE
    assert smallest < path.stat().st_size < largest


@pytest.mark.parametrize("model", ENCODERS)
def test_missing_or_corrupt_model_file_is_a_one_line_model_error(
    tmp_path: Path, model: str
) -> None:
    kind, name, _ = ENCODERS[model]
    with pytest.raises(ModelError, match="not found"):
        kind.load(tmp_path / "none.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes((REPO / "models" / name / MODEL_FILE).read_bytes()[:40_000])
    with pytest.raises(ModelError) as caught:
        kind.load(broken)
    assert str(broken) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("model", ENCODERS)
def test_corrupt_bundled_copy_fails_the_manifest_checksum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    kind, name, _ = ENCODERS[model]
    root = tmp_path / "app"
    onnx = app_with_a_corrupt_model(root, name, MODEL_FILE)
    monkeypatch.setenv("AGENT_ASSIST_HOME", str(root))
    with pytest.raises(ModelError, match="checksum mismatch") as caught:
        kind.load()
    assert str(onnx) in str(caught.value) and "\n" not in str(caught.value)
