"""``analyze --cluster`` on a real multi-process Dask cluster, with real models and real speech.

One scenario (``scenario.py``) runs inside a loopback-only network namespace under strace: a
local reference run, a cluster run interrupted (client SIGKILLed), the same run resumed with a
worker SIGKILLed in its middle, and a manifest run on ``--cluster local --ship-audio``. The
tests below each check one promise against what it left behind.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.cluster.archive import BAD, build_archive
from tests.offline import harness

pytestmark = pytest.mark.slow

SCENARIO = Path(__file__).with_name("scenario.py")
MANIFEST = [
    ("archive/jfk_whole.flac", "C-0001", "Ana", "billing", "2026-11-02T09:15:00"),
    ("archive/sample_part2.flac", "C-0002", "Ben", "retention", "2026-11-02T09:40:00"),
    ("archive/uhuh_5551234567.flac", "C-0003", "Ana", "billing", "2026-11-02T10:05:00"),
]
RUN_LINE = re.compile(r"(\d+) call\(s\) analysed, (\d+) skipped, (\d+) failed")
LOADS_LINE = re.compile(r"models loaded (\d+) time\(s\) in (\d+) worker process")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("cluster")
    calls = build_archive(work / "archive")
    with (work / "manifest.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "call_id", "agent", "queue", "started_at"])
        writer.writerows(MANIFEST)
    run = harness.start("cluster", harness.python_argv(str(SCENARIO), str(work)), work / "run")
    finished = run.finish(timeout=1500)
    assert finished.returncode == 0, finished.explain()
    report = json.loads((work / "scenario.json").read_text())
    return {"work": work, "calls": calls, "report": report, "finished": finished}


def _err(scenario: dict[str, Any], step: str) -> str:
    return (scenario["work"] / f"{step}.err").read_text(errors="replace")


def _events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_cluster_results_equal_the_local_results(scenario: dict[str, Any]) -> None:
    work = scenario["work"]
    ref = sorted(p.name for p in (work / "ref").glob("*.jsonl"))
    assert len(ref) == len(scenario["calls"]) == 12
    assert "uhuh_[PHONE].jsonl" in ref  # the phone number in the file name is redacted
    assert sorted(p.name for p in (work / "out").glob("*.jsonl")) == ref
    for name in ref:
        assert (work / "out" / name).read_text() == (work / "ref" / name).read_text(), name


def test_a_killed_worker_leaves_every_call_done_exactly_once(scenario: dict[str, Any]) -> None:
    report, out = scenario["report"], scenario["work"] / "out"
    assert report["worker_killed_while_running"], _err(scenario, "resumed")
    assert report["resumed_rc"] == 1  # the two bad files
    analysed, skipped, failed = map(int, RUN_LINE.search(_err(scenario, "resumed")).groups())
    assert skipped == report["done_before_resume"]
    assert analysed + skipped == 12 and failed == len(BAD)
    assert not [p.name for p in out.rglob("*.tmp")]
    assert sorted(p.stem for p in (out / ".done").iterdir()) == sorted(
        p.stem for p in out.glob("*.jsonl")
    )
    for result in out.glob("*.jsonl"):
        kinds = [event["type"] for event in _events(result)]
        assert kinds.count("summary") == 1 and kinds[-1] == "summary", result.name
    with (out / "summary.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["call"] for row in rows) == sorted(
        [p.stem for p in out.glob("*.jsonl")] + ["broken", "empty"]
    )


def test_an_interrupted_run_is_resumed_not_redone(scenario: dict[str, Any]) -> None:
    report = scenario["report"]
    assert report["interrupted_while_running"], _err(scenario, "interrupted")
    assert report["interrupted_rc"] != 0
    assert 2 <= report["done_before_resume"] < 12  # 3 results seen, the last maybe unmarked


def test_bad_files_go_to_failures_csv_one_line_each(scenario: dict[str, Any]) -> None:
    with (scenario["work"] / "out" / "failures.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {row["call"]: row["error"] for row in rows} == {
        "broken": "broken: not an audio file, or a format that cannot be read",
        "empty": "empty: file is empty",
    }
    assert str(scenario["work"]) not in (scenario["work"] / "out" / "failures.csv").read_text()


def test_a_manifest_run_carries_its_metadata_and_ships_the_audio(
    scenario: dict[str, Any],
) -> None:
    work = scenario["work"]
    out = work / "manifest-out"
    assert scenario["report"]["manifest_rc"] == 0, _err(scenario, "manifest")
    with (out / "summary.csv").open() as handle:
        rows = {row["call"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == ["C-0001", "C-0002", "C-0003"]
    assert rows["C-0002"]["agent"] == "Ben" and rows["C-0002"]["queue"] == "retention"
    calls = pq.read_table(out / "calls.parquet").to_pylist()
    assert [(c["call_id"], c["agent"], c["started_at"]) for c in calls] == [
        (m[1], m[2], m[4]) for m in MANIFEST
    ]
    utterances = pq.read_table(out / "utterances.parquet").to_pylist()
    assert {u["call_id"] for u in utterances} == {"C-0001", "C-0002", "C-0003"}
    # the same events as the local run, the call named by its manifest id
    for path, call_id, *_ in MANIFEST:
        ref_name = "uhuh_[PHONE]" if "5551234567" in path else Path(path).stem
        ref = _events(work / "ref" / f"{ref_name}.jsonl")
        ref[-1]["call"] = call_id
        assert _events(out / f"{call_id}.jsonl") == ref
    spoken = sum(1 for u in utterances if u["call_id"] == "C-0001")
    assert spoken == sum(1 for e in _events(out / "C-0001.jsonl") if e["type"] == "transcript")


def test_each_worker_loads_the_models_once(scenario: dict[str, Any]) -> None:
    loads, processes = map(int, LOADS_LINE.search(_err(scenario, "manifest")).groups())
    assert 1 <= processes <= 2 and loads == processes


def test_the_whole_cluster_run_connects_to_loopback_only(scenario: dict[str, Any]) -> None:
    finished = scenario["finished"]
    inet = [a for a in finished.attempts if a.family in ("AF_INET", "AF_INET6")]
    assert len(inet) > 10  # the trace saw the cluster's own traffic
    assert finished.forbidden == [], finished.explain()


def test_every_cluster_process_listens_on_loopback_only(scenario: dict[str, Any]) -> None:
    """``dask scheduler/worker --no-dashboard`` still serve HTTP (health, metrics) on 0.0.0.0
    unless given ``--dashboard-address 127.0.0.1:0``; ``--cluster local`` binds 127.0.0.1."""
    report = scenario["report"]
    assert len(report["listening"]) >= 4  # scheduler + its HTTP, 2 workers (+ their HTTP)
    assert len(report["listening_local"]) > len(report["listening"])
    for address in report["listening"] + report["listening_local"]:
        assert address.startswith("127.0.0.1:"), report
