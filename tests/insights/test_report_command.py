"""``agent-assist report`` end to end: formats, exit status, one line per problem."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest

from agent_assist.cli import main
from tests.insights.conftest import archive_paths


def _run(args: list[str | Path]) -> int:
    return main(["report", *map(str, args)])


def test_html_written_private_and_problems_said(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = archive / "report.html"
    assert _run([*archive_paths(archive), "--out", out]) == 1  # one message had no label
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"agent-assist: warning: {archive / 'messages.csv'}: 1 record(s) unreadable or without "
        "a label; skipped",
        f"agent-assist: report of 3 call(s) and 3 message(s): {out}",
    ]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "<svg" in out.read_text()


def test_clean_input_exits_zero(archive: Path) -> None:
    assert _run([archive / "calls", "--out", archive / "r.html"]) == 0


def test_nothing_readable_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert _run([tmp_path, "--out", out]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"agent-assist: warning: {tmp_path}: no .jsonl results in this folder",
        "agent-assist: warning: no analyze or sentiment results found in the given paths",
        "agent-assist: error: nothing to report: no readable analyze or sentiment results",
    ]
    assert not out.exists()


def test_csv_tables_are_formula_safe(archive: Path) -> None:
    meta = archive / "meta.csv"
    meta.write_text(meta.read_text().replace("call-a,ann", "call-a,=SUM(1)"))
    folder = archive / "tables"
    _run([*archive_paths(archive), "--out", folder, "--format", "csv"])
    names = sorted(p.name for p in folder.iterdir())
    assert "calls.csv" in names and "overview.csv" in names and "by_agent.csv" in names
    with (folder / "calls.csv").open() as handle:
        agents = [row["agent"] for row in csv.DictReader(handle)]
    assert agents == ["'=SUM(1)", "ann", "bob"]


def test_json_has_every_table(archive: Path) -> None:
    out = archive / "r.json"
    _run([archive / "calls", "--out", out, "--format", "json", "--period", "day"])
    body = json.loads(out.read_text())
    assert body["overview"]["calls"] == 3
    assert body["period"] == "day"
    assert {"trends", "by_agent", "by_team", "by_queue", "drivers_calls", "calls"} <= set(body)


def test_without_duckdb_one_line_names_the_extra(
    archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    for name in [m for m in sys.modules if m.startswith("agent_assist.insights")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "duckdb", None)  # as if not installed
    assert _run([archive / "calls", "--out", archive / "r.html"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "agent-assist: error: report needs DuckDB (duckdb is missing): "
        "pip install 'agent-assist[report]'"
    ]


MAIL = "jane.doe@example.com"


def test_the_export_holds_redaction(archive: Path) -> None:
    from tests.insights.conftest import mood, summary, turn, write_call

    leaky = f"broken again, mail {MAIL}"
    calls = archive / "calls"
    for i in range(5):  # often enough for its words to be drivers
        events = [turn("customer", 1, leaky, "negative"), mood(2, -0.9)]
        write_call(calls, f"leak{i}", [*events, summary(f"leak{i} {MAIL}", 5.0, [-0.9])])
    out = archive / "r.json"
    _run([calls, "--out", out, "--format", "json"])
    text = out.read_text()
    assert "jane.doe" not in text and "[EMAIL]" in text
    body = json.loads(text)
    terms = [r["term"] for r in body["drivers_calls"]]
    assert "broken" in terms
    assert not {"jane", "doe", "example", "com"} & {w for t in terms for w in t.split()}
