"""Latency of the committed sentiment model: load time, batch 1 and batch 32 (medians).

    .venv/bin/python bench/sentiment_latency.py [--threads 1] [--rounds 200]

Texts: the real customer snippets of tests/data/sentiment_examples.csv, cycled.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

from agent_assist.sentiment.model import OnnxSentimentModel

EXAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "sentiment_examples.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with EXAMPLES.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    loads = []
    for _ in range(3):
        started = time.perf_counter()
        model = OnnxSentimentModel.load(threads=args.threads)
        loads.append(time.perf_counter() - started)
    model.score(texts)
    single = []
    for i in range(args.rounds):
        started = time.perf_counter()
        model.score([texts[i % len(texts)]])
        single.append((time.perf_counter() - started) * 1000)
    batch = [texts[i % len(texts)] for i in range(32)]
    batched = []
    for _ in range(max(5, args.rounds // 20)):
        started = time.perf_counter()
        model.score(batch)
        batched.append((time.perf_counter() - started) * 1000)
    print(f"threads {args.threads}")
    print(f"load: median {statistics.median(loads):.3f} s")
    print(f"batch 1: median {statistics.median(single):.2f} ms/utterance")
    b32 = statistics.median(batched)
    print(f"batch 32: median {b32:.1f} ms/batch ({b32 / 32:.2f} ms/utterance)")


if __name__ == "__main__":
    main()
