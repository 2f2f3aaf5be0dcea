"""Unit: how OnnxSentimentModel batches texts, with a fake session that echoes its input."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from agent_assist.sentiment.encoding import Encoder
from agent_assist.sentiment.labels import EMOTIONS, SENTIMENTS
from agent_assist.sentiment.model import BATCH, OnnxSentimentModel

TOKENIZER = Path(__file__).resolve().parents[2] / "models" / "sentiment-minilm" / "tokenizer.json"


class EchoSession:
    """Scores each row with its own token count, and records the padded width of each batch."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, int]] = []  # (rows, padded width)

    def get_inputs(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(name=n) for n in ("input_ids", "attention_mask")]

    def run(self, _outputs: None, feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        mask = feed["attention_mask"]
        self.batches.append(mask.shape)
        tokens = mask.sum(1, keepdims=True).astype(np.float32)
        return [np.repeat(tokens, len(SENTIMENTS), 1), np.repeat(tokens, len(EMOTIONS), 1)]


def _model() -> tuple[OnnxSentimentModel, EchoSession, Encoder]:
    session = EchoSession()
    encoder = Encoder.from_file(TOKENIZER, max_length=64, max_context=16)
    return OnnxSentimentModel(session, encoder, use_context=False), session, encoder  # type: ignore[arg-type]


def test_rows_come_back_in_input_order() -> None:
    model, _, encoder = _model()
    texts = [("word " * (i % 37)).strip() for i in range(3 * BATCH + 5)]
    sent, emo = model.probabilities(texts)
    expected = [int(encoder.encode([t]).attention_mask.sum()) for t in texts]
    assert sent[:, 0].tolist() == expected
    assert emo[:, 0].tolist() == expected


def test_batches_group_texts_of_similar_length() -> None:
    model, session, encoder = _model()
    short, long = "no.", "word " * 50
    model.probabilities([short, long] * BATCH)  # alternating: one batch of each once sorted
    widths = [encoder.encode([t]).input_ids.shape[1] for t in (short, long)]
    assert session.batches == [(BATCH, widths[0]), (BATCH, widths[1])]


def test_no_texts_gives_empty_arrays() -> None:
    model, session, _ = _model()
    sent, emo = model.probabilities([])
    assert sent.shape == (0, len(SENTIMENTS)) and emo.shape == (0, len(EMOTIONS))
    assert session.batches == []
