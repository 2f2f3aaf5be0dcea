"""Latency of the sentiment model: load time, batch 1 and batch 32 (medians).

    .venv/bin/python bench/sentiment_latency.py [--threads 1] [--rounds 200] [--against DIR]

Texts: the real customer snippets of tests/data/sentiment_examples.csv, cycled. ``--against``
measures another model directory (an earlier build) in the same run, calls alternating, so
the two are compared on the same machine state.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

from agent_assist.sentiment.model import OnnxSentimentModel

EXAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "sentiment_examples.csv"


def load(model_dir: Path | None, threads: int) -> tuple[OnnxSentimentModel, float]:
    loads = []
    for _ in range(3):
        started = time.perf_counter()
        model = OnnxSentimentModel.load(model_dir, threads=threads)
        loads.append(time.perf_counter() - started)
    return model, statistics.median(loads)


def timed_ms(model: OnnxSentimentModel, texts: list[str]) -> float:
    started = time.perf_counter()
    model.score(texts)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--against", type=Path, help="another model directory, same run")
    args = parser.parse_args()
    with EXAMPLES.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    dirs: list[Path | None] = [None] if args.against is None else [None, args.against]
    models = {str(d or "committed"): load(d, args.threads) for d in dirs}
    single: dict[str, list[float]] = {name: [] for name in models}
    batched: dict[str, list[float]] = {name: [] for name in models}
    batch = [texts[i % len(texts)] for i in range(32)]
    for model, _ in models.values():
        model.score(texts)
    for i in range(args.rounds):
        for name, (model, _) in models.items():
            single[name].append(timed_ms(model, [texts[i % len(texts)]]))
    for _ in range(max(5, args.rounds // 20)):
        for name, (model, _) in models.items():
            batched[name].append(timed_ms(model, batch))
    print(f"threads {args.threads}")
    for name, (_, load_s) in models.items():
        b32 = statistics.median(batched[name])
        print(
            f"{name}: load median {load_s:.3f} s; batch 1 median"
            f" {statistics.median(single[name]):.2f} ms/utterance; batch 32 median"
            f" {b32:.1f} ms/batch ({b32 / 32:.2f} ms/utterance)"
        )


if __name__ == "__main__":
    main()
