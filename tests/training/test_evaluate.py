import argparse
import json
from pathlib import Path

import pytest

from agent_assist import modelstore
from agent_assist.sentiment.model import MODEL_NAME, OnnxSentimentModel
from training import data, evaluate
from training.data import Example


def test_compare_takes_a_label_and_a_folder() -> None:
    label, folder = evaluate._labelled_dir("quick fine-tune=training/work/quick/model")
    assert (label, folder) == ("quick fine-tune", Path("training/work/quick/model"))


@pytest.mark.parametrize("value", ["training/work/quick/model", "=some/dir", "label="])
def test_compare_without_label_or_folder_is_refused(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="LABEL=DIR"):
        evaluate._labelled_dir(value)


def test_latency_gives_every_compared_model_its_own_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    turns = ["I want my money back.", "Thanks, that fixed it!", "What?", "okay"]
    dev = [Example(text, 1, 5, "meld") for text in turns]
    monkeypatch.setattr(data, "meld", lambda: {"dev": dev})
    committed = modelstore.locate(modelstore.find_spec(MODEL_NAME))
    table = evaluate.Table(["ours", "copy"])

    evaluate.latency({"ours": None, "copy": committed}, 1, table, None)

    rows = {row[0]: row for row in table.rows}
    batch1 = rows["latency batch 1, ms/utterance, median / mean / p95 (1 thread)"]
    assert batch1[1] == "4"
    assert all(cell.count("/") == 2 for cell in batch1[2:4])
    assert batch1[4] == "-"  # VADER has no latency row
    size = (committed / "model.onnx").stat().st_size / 1e6
    assert rows["model.onnx size, MB"][2:4] == (f"{size:.1f}", f"{size:.1f}")


def test_meld_dev_reports_how_many_gold_neutral_turns_are_scored_negative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    turns = [
        ("I want my money back, this is a disgrace!", 0, "anger"),
        ("My account number is on the letter.", 1, "neutral"),
        ("To hear the next message press 6.", 1, "neutral"),
        ("Thanks, that fixed it!", 2, "joy"),
    ]
    dev = [Example(text, sentiment, 5, "meld", raw_emotion=raw) for text, sentiment, raw in turns]
    monkeypatch.setattr(data, "meld", lambda: {"dev": dev})
    model = OnnxSentimentModel.load(None, threads=1)
    table = evaluate.Table(["ours"])

    evaluate.meld_dev({"ours": model}, table, None, {"ours"})

    rows = {row[0]: row for row in table.rows}
    neutral = rows["MELD dev gold-neutral turns scored negative (rate)"]
    assert neutral[1] == "2"
    probs, _ = model.probabilities([text for text, _, _ in turns[1:3]])
    expected = (probs.argmax(1) == 0).mean()
    assert neutral[2] == f"{expected:.3f}"
    assert 0.0 <= float(neutral[3]) <= 1.0  # VADER's rate
    assert rows["  of them scored negative with emotion anger (rate)"][1] == "2"


def test_emotion_is_scored_for_every_model_with_a_trained_emotion_head(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A compared model (the distilled student, the teacher) gets its own emotion cells; one
    whose emotion head is untrained (its config.json calibrates only sentiment) gets n/a."""
    turns = [("I want my money back!", 0, "anger"), ("Okay, the account is open.", 1, "neutral")]
    dev = [
        Example(text, s, e, "meld", raw_emotion=raw)
        for (text, s, raw), e in zip(turns, (0, 5), strict=True)
    ]
    monkeypatch.setattr(data, "meld", lambda: {"dev": dev})
    committed = modelstore.locate(modelstore.find_spec(MODEL_NAME))
    quick = tmp_path / "quick"
    quick.mkdir()
    for name in ("model.onnx", "tokenizer.json"):
        (quick / name).symlink_to(committed / name)
    config = json.loads((committed / "config.json").read_text(encoding="utf-8"))
    config["temperature"] = {"sentiment": config["temperature"]["sentiment"]}
    (quick / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert evaluate.has_emotion(None) and not evaluate.has_emotion(quick)
    models = {
        name: OnnxSentimentModel.load(folder, threads=1)
        for name, folder in (("ours", None), ("copy", committed), ("quick", quick))
    }
    table = evaluate.Table(list(models))

    evaluate.meld_dev(models, table, None, {"ours", "copy"})

    rows = {row[0]: row for row in table.rows}
    emotion = next(row for name, row in rows.items() if name.startswith("MELD dev emotion"))
    assert emotion[2] == emotion[3] != "n/a"
    assert emotion[4:] == ("n/a", "n/a")  # quick, VADER
    anger = rows["  of them scored negative with emotion anger (rate)"]
    assert anger[2] == anger[3] != "n/a" and anger[4] == "n/a"


def test_phone_menu_reports_how_often_instructions_are_scored_negative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = ["Press 7 to delete this message.", "To hear the next message press 6."]
    monkeypatch.setattr(evaluate, "phone_prompts", lambda: texts)
    model = OnnxSentimentModel.load(None, threads=1)
    table = evaluate.Table(["ours", "no emotion"])

    evaluate.phone_menu({"ours": model, "no emotion": model}, table, None, {"ours"})

    negative, anger = table.rows
    probs, emotions = model.probabilities(texts)
    assert negative[1] == "2"
    assert negative[2] == negative[3] == f"{(probs.argmax(1) == 0).mean():.3f}"
    angry = (probs.argmax(1) == 0) & (emotions.argmax(1) == 0)
    assert anger[2:4] == (f"{angry.mean():.3f}", "n/a")
