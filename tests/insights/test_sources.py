"""Other inputs: a cluster run's ``calls.parquet`` (call metadata) and ``history stats`` CSV
exports of several agents (aggregates only), written by the real exporters."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from agent_assist.cli import main
from agent_assist.insights import aggregates
from agent_assist.insights.load import load
from agent_assist.store.export import stats_csv
from agent_assist.store.stats import StatsRow
from tests.insights.conftest import CALL_A, CALL_B, CALL_C, NEGATIVE_BELOW, write_call


def test_a_cluster_runs_calls_parquet_gives_the_metadata(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    write_call(run, "c1", CALL_A)
    write_call(run, "c2", CALL_C)
    duckdb.execute(
        "COPY (SELECT * FROM (VALUES ('c1', 'ok', 'ann', 't1', '2026-01-05'), "
        "('c2', 'ok', 'bob', 't2', '2026-01-13')) v(call_id, status, agent, team, date)) "
        f"TO '{run / 'calls.parquet'}' (FORMAT parquet)"
    )
    (run / "utterances.parquet").write_bytes(b"PAR1")  # skipped: the .jsonl files hold it
    loaded = load([run], NEGATIVE_BELOW)
    assert loaded.problems == []
    rows = loaded.con.execute("SELECT call, agent, team, day::VARCHAR FROM calls").fetchall()
    assert rows == [("call-a", "ann", "t1", "2026-01-05"), ("call-c", "bob", "t2", "2026-01-13")]


def _export(folder: Path, agent: str, rows: list[StatsRow]) -> Path:
    path = folder / f"{agent}.csv"
    path.write_text(stats_csv(rows), encoding="utf-8")
    return path


def test_history_stats_exports_per_agent(tmp_path: Path) -> None:
    ann = _export(tmp_path, "ann", [
        StatsRow("2026-W02", 10, 3000.0, -0.2, 600.0, (("slow-down", 4), ("apologise", 2)), 3, 1),
        StatsRow("2026-W03", 30, 3600.0, 0.2, 0.0, (("slow-down", 1),), 1, 3),
    ])  # fmt: skip
    bob = _export(tmp_path, "bob", [StatsRow("2026-W02", 5, 600.0, None, 60.0, (), 0, 0)])
    loaded = load([ann, bob], NEGATIVE_BELOW)
    assert loaded.problems == []
    agents = {r["agent"]: r for r in aggregates.history_agents(loaded, min_calls=20)}
    a = agents["ann"]
    # mood weighted by calls: (10 * -0.2 + 30 * 0.2) / 40 = 0.1; negative 600 s of 6600 s
    assert (a["calls"], a["hours"], a["mean_mood"]) == (40, pytest.approx(6600 / 3600, 1e-3), 0.1)
    assert a["negative_time_share"] == pytest.approx(600 / 6600, abs=1e-4)
    assert (a["used"], a["dismissed"], a["used_share"], a["small"]) == (4, 4, 0.5, False)
    b = agents["bob"]
    assert (b["calls"], b["mean_mood"], b["used_share"], b["small"]) == (5, None, None, True)
    triggers = aggregates.history_triggers(loaded)
    assert triggers == [
        {"id": "slow-down", "fired": 5, "agents": 1},
        {"id": "apologise", "fired": 2, "agents": 1},
    ]


def test_a_report_of_history_exports_alone(tmp_path: Path) -> None:
    ann = _export(tmp_path, "ann", [StatsRow("2026-W02", 3, 300.0, 0.1, 0.0, (), 2, 1)])
    out = tmp_path / "r.html"
    assert main(["report", str(ann), "--out", str(out)]) == 0
    page = out.read_text()
    assert "Agents' call history" in page and "<td>ann</td>" in page


def test_a_history_database_gives_calls_and_feedback(tmp_path: Path) -> None:
    """Feedback marks of a real history database: the customer's mood change in the minute
    after each (call-a used at 21 s: -0.5 -> -0.3; call-b dismissed at 6 s: -0.4 -> +0.2;
    slow-down used at 30 s: no mood after it)."""
    from datetime import UTC, datetime, timedelta

    from agent_assist.store.history import History

    db = tmp_path / "history.sqlite3"
    start = datetime.now(UTC) - timedelta(days=1)
    history = History.open(db)
    a = history.save_call("call-a", start, CALL_A)
    b = history.save_call("call-b", start + timedelta(hours=1), CALL_B)
    history.record_feedback(a, "acknowledge-upset", "used", start + timedelta(seconds=21))
    later = start + timedelta(hours=1)
    history.record_feedback(b, "acknowledge-upset", "dismissed", later + timedelta(seconds=6))
    history.record_feedback(b, "slow-down", "used", later + timedelta(seconds=30))
    history.close()
    loaded = load([db], NEGATIVE_BELOW)
    assert loaded.problems == []
    calls = loaded.con.execute("SELECT call, escalated FROM calls ORDER BY call").fetchall()
    assert calls == [("call-a", True), ("call-b", True)]
    rows = {r["id"]: r for r in aggregates.triggers(loaded)}
    ack = rows["acknowledge-upset"]
    assert (ack["fired"], ack["used"], ack["dismissed"]) == (2, 1, 1)
    assert ack["change_after_used"] == pytest.approx(0.2, abs=1e-4)
    assert ack["change_after_dismissed"] == pytest.approx(0.6, abs=1e-4)
    slow = rows["slow-down"]
    assert (slow["fired"], slow["used"], slow["change_after_used"]) == (1, 1, None)


def test_a_damaged_history_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    db.write_bytes(b"not a database at all" * 100)
    loaded = load([db], NEGATIVE_BELOW)
    assert loaded.problems == [f"{db}: not an agent-assist history database (not SQLite); skipped"]


def test_history_exports_before_the_100_scale_still_read(tmp_path: Path) -> None:
    old = tmp_path / "ann.csv"
    old.write_text(
        "period,calls,duration_s,avg_mood,negative_s,top_triggers,suggestions_used,"
        "suggestions_dismissed\n2026-W02,10,3000.0,-0.250,600.0,slow-down:4,3,1\n",
        encoding="utf-8",
    )
    new = _export(tmp_path, "bob", [StatsRow("2026-W02", 10, 3000.0, -0.25, 0.0, (), 0, 0)])
    assert "avg_customer_mood" in new.read_text() and "-25" in new.read_text()
    loaded = load([old, new], NEGATIVE_BELOW)
    assert loaded.problems == []
    moods = {r["agent"]: r["mean_mood"] for r in aggregates.history_agents(loaded)}
    assert moods == {"ann": -0.25, "bob": -0.25}
