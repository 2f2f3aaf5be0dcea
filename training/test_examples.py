"""Write tests/data/sentiment_examples.csv: real, strongly rated customer snippets (MIT).

Clearly negative (mean rating <= -2.6) and clearly positive (>= +2.8) Amazon customer snippets
of the Hutto sets, the first ones of 25..110 characters in file order. Not used for training
(the Hutto sets are evaluation only).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import data  # noqa: E402

PICK = (("amazonReviewSnippets", 12),)


def main() -> None:
    data.fetch()
    out = ROOT / "tests" / "data" / "sentiment_examples.csv"
    rows = []
    for name, count in PICK:
        path = data.CACHE / "hutto_ICWSM_2014" / f"{name}_GroundTruth.txt"
        lines = [line.rstrip("\n").split("\t") for line in path.open(encoding="latin-1")]
        lines = [p for p in lines if len(p) >= 3 and 25 < len(p[2]) < 110 and "http" not in p[2]]
        for label, keep in (("negative", lambda r: r <= -2.6), ("positive", lambda r: r >= 2.8)):
            picked = [p for p in lines if keep(float(p[1]))][:count]
            rows += [
                (label, p[2], p[1], f"vaderSentiment 3.3.2 hutto_ICWSM_2014/{name} id {p[0]}")
                for p in picked
            ]
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("label", "text", "mean_rating", "source"))
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
