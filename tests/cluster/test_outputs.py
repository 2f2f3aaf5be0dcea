"""A cluster run's folder: what counts as done, per-call files, summary/failures and parquet."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import stat
from pathlib import Path

import pyarrow.parquet as pq

from agent_assist.cluster.calls import ClusterCall
from agent_assist.cluster.columnar import write_parquet
from agent_assist.cluster.outputs import RunFolder
from agent_assist.events import CallSummary, Sentiment, TranscriptFinal, event_from_dict

SUM = "a" * 64


def _events(call_id: str) -> list[dict]:
    said = TranscriptFinal(
        speaker="customer", start=0.5, end=2.0, text="=cancel it", confidence=0.9,
        sentiment=Sentiment("negative", {"negative": 0.8, "neutral": 0.15, "positive": 0.05}, ""),
    )  # fmt: skip
    summary = CallSummary(
        call=call_id, duration=3.0, talk_share={"customer": 1.0}, mood_start=-0.2,
        mood_end=-0.5, mood_min=-0.6, negative_seconds=1.5, sentiment_counts={"negative": 1},
        suggestions=("empathy",), utterances=1,
    )  # fmt: skip
    return [said.to_dict(), summary.to_dict()]


def test_a_run_removes_the_temporary_files_a_killed_run_left(tmp_path):
    out = tmp_path / "out"
    (out / ".done").mkdir(parents=True)
    left = [out / ".x.jsonl.k2j4.tmp", out / ".done" / ".x.json.t24m.tmp", out / ".a.csv.7.tmp"]
    for path in left:
        path.write_text("{half a line")
    (out / "y.jsonl").write_text("{}\n")

    RunFolder(out, "cfg1")

    assert not [p for p in left if p.exists()]
    assert (out / "y.jsonl").read_text() == "{}\n"


def test_a_call_is_done_only_for_its_input_and_config_with_both_files(tmp_path):
    call = ClusterCall(tmp_path / "x.wav", "x")
    folder = RunFolder(tmp_path / "out", "cfg1")
    assert not folder.is_done(call, SUM)
    folder.write_result(call, SUM, _events("x"))
    assert folder.is_done(call, SUM)
    assert not folder.is_done(call, "b" * 64)  # the file changed
    assert not RunFolder(tmp_path / "out", "cfg2").is_done(call, SUM)  # the config changed
    folder.result_path(call).unlink()  # a result lost: done no more
    assert not folder.is_done(call, SUM)


def test_a_result_written_without_its_mark_is_not_done(tmp_path):
    """A run stopped between the two writes analyses the call again."""
    call = ClusterCall(tmp_path / "x.wav", "x")
    folder = RunFolder(tmp_path / "out", "cfg")
    folder.write_result(call, SUM, _events("x"))
    (tmp_path / "out" / ".done" / "x.json").unlink()
    assert not folder.is_done(call, SUM)
    (tmp_path / "out" / ".done" / "x.json").write_text("{not json")
    assert not folder.is_done(call, SUM)


def test_results_are_private_and_match_local_jsonl_lines(tmp_path):
    call = ClusterCall(tmp_path / "x.wav", "x")
    folder = RunFolder(tmp_path / "out", "cfg")
    folder.write_result(call, SUM, _events("x"))
    text = folder.result_path(call).read_text()
    assert text == "".join(e.to_json() + "\n" for e in folder.events(call))
    assert stat.S_IMODE(os.stat(folder.result_path(call)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "out").st_mode) == 0o700


def test_tables_carry_every_call_metadata_and_failures(tmp_path):
    calls = [
        ClusterCall(tmp_path / "a.wav", "A", metadata={"agent": "Ana", "team": "blue"}),
        ClusterCall(tmp_path / "b.wav", "B", "name redacted", {"agent": "Ben"}),
    ]
    folder = RunFolder(tmp_path / "out", "cfg")
    folder.write_result(calls[0], SUM, _events("A"))
    failed = {"B": "B: file is empty"}
    summary = folder.write_tables(calls, failed)
    write_parquet(folder.out_dir, calls, failed, folder.events)
    with summary.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["call"], r["status"], r["agent"], r["team"]) for r in rows] == [
        ("A", "ok", "Ana", "blue"), ("B", "failed", "Ben", "")
    ]  # fmt: skip
    assert rows[0]["suggestions"] == "empathy" and rows[1]["note"] == "name redacted"
    failures = (tmp_path / "out" / "failures.csv").read_text().splitlines()
    assert failures == ["call,error", "B,B: file is empty"]
    table = pq.read_table(tmp_path / "out" / "calls.parquet").to_pylist()
    assert [(r["call_id"], r["status"], r["agent"], r["team"]) for r in table] == [
        ("A", "ok", "Ana", "blue"), ("B", "failed", "Ben", None)
    ]  # fmt: skip
    assert table[0]["suggestions"] == ["empathy"] and table[0]["mood_min"] == -0.6
    assert table[1]["error"] == "B: file is empty" and table[1]["duration"] is None
    said = pq.read_table(tmp_path / "out" / "utterances.parquet").to_pylist()
    assert said == [{
        "call_id": "A", "speaker": "customer", "start": 0.5, "end": 2.0, "text": "=cancel it",
        "confidence": 0.9, "reliable": True, "sentiment": "negative", "negative": 0.8,
        "neutral": 0.15, "positive": 0.05, "emotion": "",
    }]  # fmt: skip
    for name in ("calls.parquet", "utterances.parquet", "summary.csv", "failures.csv"):
        assert stat.S_IMODE(os.stat(tmp_path / "out" / name).st_mode) == 0o600
    assert "'=cancel it" not in summary.read_text()  # no transcript text in the summary


def test_a_later_run_without_failures_removes_failures_csv(tmp_path):
    call = ClusterCall(tmp_path / "a.wav", "A")
    folder = RunFolder(tmp_path / "out", "cfg")
    folder.write_tables([call], {"A": "A: file is empty"})
    folder.forget(call)
    folder.write_result(call, SUM, _events("A"))
    folder.write_tables([call], {})
    assert not (tmp_path / "out" / "failures.csv").exists()
    assert not list(Path(tmp_path / "out").glob(".*.tmp"))
    assert json.loads((tmp_path / "out" / ".done" / "A.json").read_text())["config"] == "cfg"


def test_the_calls_table_takes_a_call_s_last_summary_as_the_summary_csv_does(tmp_path):
    call = ClusterCall(tmp_path / "a.wav", "A")
    folder = RunFolder(tmp_path / "out", "cfg")
    events = _events("A")
    final = event_from_dict(events[-1])
    assert isinstance(final, CallSummary)
    earlier = dataclasses.replace(final, duration=1.0, utterances=0)
    folder.write_result(call, SUM, [earlier.to_dict(), *events])
    summary = folder.write_tables([call], {})
    write_parquet(folder.out_dir, [call], {}, folder.events)
    (row,) = pq.read_table(tmp_path / "out" / "calls.parquet").to_pylist()
    with summary.open() as handle:
        (csv_row,) = list(csv.DictReader(handle))
    assert row["duration"] == 3.0 and float(csv_row["duration"]) == 3.0
