"""Integration: the committed int8 ONNX model, loaded offline through the model manifest."""

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from agent_assist import modelstore
from agent_assist.core.models import Models
from agent_assist.errors import ModelError
from agent_assist.sentiment.labels import EMOTIONS, SENTIMENTS
from agent_assist.sentiment.model import FILES, MODEL_NAME, OnnxSentimentModel
from tests.fakes import app_with_a_corrupt_model

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO / "models" / MODEL_NAME
EXAMPLES = REPO / "tests" / "data" / "sentiment_examples.csv"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model(real_models: Models) -> OnnxSentimentModel:
    """The manifest's entry, checksum verified, as the app loads it."""
    assert isinstance(real_models.sentiment, OnnxSentimentModel)
    return real_models.sentiment


def test_manifest_entry_verifies_and_points_at_the_committed_folder() -> None:
    spec = modelstore.find_spec(MODEL_NAME)
    assert spec.kind == "sentiment"
    assert modelstore.locate(spec) == MODEL_DIR
    assert modelstore.check(spec).ok


def test_scores_are_probabilities_over_the_fixed_labels(model: OnnxSentimentModel) -> None:
    [result] = model.score(["I've been on hold for an hour and nobody can help me"])
    assert tuple(result.scores) == SENTIMENTS
    assert tuple(result.emotion_scores) == EMOTIONS
    assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert sum(result.emotion_scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert result.label == max(result.scores, key=result.scores.__getitem__)
    assert result.emotion == max(result.emotion_scores, key=result.emotion_scores.__getitem__)


def test_batches_keep_input_order(model: OnnxSentimentModel) -> None:
    texts = [row["text"] for row in _examples()] * 3  # 72 texts: more than one batch of 32
    together = model.score(texts)
    assert len(together) == len(texts)
    for i in (0, 13, 40, 71):
        [alone] = model.score([texts[i]])
        assert alone.label == together[i].label
        # dynamic int8 quantisation scales activations per batch: scores move (<0.1) with batching
        assert alone.scores["negative"] == pytest.approx(together[i].scores["negative"], abs=0.1)


def test_edge_case_texts_never_crash(model: OnnxSentimentModel) -> None:
    texts = [
        "",
        "   ",
        "x" * 5000,
        "this is not ok " * 400,
        "😡😡😡",
        "c'est vraiment nul",
        "um uh",
    ]
    results = model.score(texts)
    assert [r.label in SENTIMENTS for r in results] == [True] * len(texts)
    assert model.score([]) == []


def test_contexts_are_accepted(model: OnnxSentimentModel) -> None:
    results = model.score(["no.", "fine."], ["can you hold for a moment", None])
    assert len(results) == 2


def test_ranks_real_angry_customers_below_happy_ones(model: OnnxSentimentModel) -> None:
    rows = _examples()
    valence = np.array([r.valence for r in model.score([row["text"] for row in rows])])
    negative = np.array([row["label"] == "negative" for row in rows])
    assert negative.sum() >= 10 and (~negative).sum() >= 10
    pairs = valence[negative][:, None] < valence[~negative][None, :]
    assert pairs.mean() >= 0.9  # ranking AUC
    labels = [r.label for r in model.score([row["text"] for row in rows])]
    hits = [lab == row["label"] for lab, row in zip(labels, rows, strict=True)]
    assert np.mean(hits) >= 0.75


def test_missing_file_is_a_one_line_model_error(tmp_path: Path) -> None:
    copy = tmp_path / MODEL_NAME
    shutil.copytree(MODEL_DIR, copy)
    (copy / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="tokenizer.json") as error:
        OnnxSentimentModel.load(copy)
    assert "\n" not in str(error.value)


def test_corrupt_onnx_file_is_a_one_line_model_error(tmp_path: Path) -> None:
    copy = tmp_path / MODEL_NAME
    shutil.copytree(MODEL_DIR, copy)
    onnx = copy / "model.onnx"
    onnx.write_bytes(onnx.read_bytes()[:50_000])
    with pytest.raises(ModelError, match="model.onnx") as error:
        OnnxSentimentModel.load(copy)
    assert "\n" not in str(error.value)


def test_corrupt_copy_fails_the_manifest_checksum(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    app_with_a_corrupt_model(root, MODEL_NAME, "model.onnx")
    monkeypatch.setenv("AGENT_ASSIST_HOME", str(root))
    with pytest.raises(ModelError, match="checksum mismatch") as error:
        OnnxSentimentModel.load()
    assert "\n" not in str(error.value)


def _examples() -> list[dict[str, str]]:
    with EXAMPLES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def custom_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "custom-sentiment"
    shutil.copytree(MODEL_DIR, folder)
    return folder


def sums_of(folder: Path) -> dict[str, str]:
    return {name: modelstore.sha256_of(folder / name) for name in FILES}


def run_sentiment_cli(tmp_path: Path, sentiment_toml: str, capsys) -> tuple[int, str, str]:
    from agent_assist.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f"[sentiment]\n{sentiment_toml}")
    lines = tmp_path / "lines.txt"
    lines.write_text("I am very angry about this bill\n")
    code = main(["--config", str(config), "sentiment", str(lines)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_custom_model_without_checksums_is_refused(tmp_path: Path, capsys) -> None:
    folder = custom_copy(tmp_path)
    code, out, err = run_sentiment_cli(tmp_path, f"model_path = '{folder}'\n", capsys)
    assert code != 0 and out == ""
    assert f"sentiment.model_path: custom model {folder} has no checksum for model.onnx" in err
    assert "sentiment.model_sha256" in err and err.count("\n") == 1


def test_an_altered_custom_model_is_refused(tmp_path: Path, capsys) -> None:
    folder = custom_copy(tmp_path)
    sums = sums_of(folder)
    onnx = folder / "model.onnx"
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx.write_bytes(bytes(data))
    table = ", ".join(f'"{name}" = "{digest}"' for name, digest in sums.items())
    toml = f"model_path = '{folder}'\nmodel_sha256 = {{ {table} }}\n"
    code, out, err = run_sentiment_cli(tmp_path, toml, capsys)
    assert code != 0 and out == ""
    assert f"checksum mismatch for {onnx}" in err and err.count("\n") == 1


def test_a_custom_model_with_matching_checksums_scores_like_the_bundled_one(
    tmp_path: Path, model: OnnxSentimentModel
) -> None:
    from agent_assist.config import SentimentConfig

    folder = custom_copy(tmp_path)
    config = SentimentConfig(model_path=str(folder), model_sha256=sums_of(folder))
    custom = OnnxSentimentModel.from_config(config)
    text = ["this is the third time I am calling about the same problem"]
    assert custom.score(text)[0].scores == model.score(text)[0].scores
    (folder / "tokenizer.json").write_text("{}")
    with pytest.raises(ModelError, match="tokenizer.json") as error:
        OnnxSentimentModel.from_config(config)
    assert "\n" not in str(error.value)
