"""Both speaker encoders: on real voices the same speaker is closer than different ones, at
16 kHz and on a noisy 8 kHz line; the manifest's copy loads from the committed folder, and a
missing, broken or tampered file is a one-line ModelError naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_assist import modelstore
from agent_assist.errors import ModelError
from agent_assist.speakers import campplus, encoder
from tests.fakes import app_with_a_corrupt_model
from tests.speakers.voices import similarities, telephone

REPO = Path(__file__).resolve().parents[2]
ENCODERS = {
    "campplus": (campplus.CamppEncoder, campplus.MODEL_NAME, (25e6, 32e6)),
    "ge2e": (encoder.SpeakerEncoder, encoder.MODEL_NAME, (5e6, 7e6)),
}
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
