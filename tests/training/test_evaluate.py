import argparse
from pathlib import Path

import pytest

from agent_assist import modelstore
from agent_assist.sentiment.model import MODEL_NAME
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
