import argparse
import csv
import io
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_calls import PII, sample_call

from agent_assist import paths
from agent_assist.store.commands import register
from agent_assist.store.history import History


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="agent-assist")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture
def two_calls(data_home: Path) -> list[int]:
    start = datetime.now(UTC) - timedelta(hours=3)
    with History.open() as history:
        ids = [
            history.save_call("morning.wav", start, sample_call()),
            history.save_call("noon.wav", start + timedelta(hours=1), sample_call(("refund",))),
        ]
        history.record_feedback(ids[0], "calm_down", "used", start + timedelta(seconds=5))
    assert all(isinstance(i, int) for i in ids)
    return [i for i in ids if i is not None]


def test_list(two_calls: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["history", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "STARTED", "LENGTH", "UTT", "MOOD", "NAME"]
    assert [line.split()[0] for line in lines[1:]] == [str(two_calls[1]), str(two_calls[0])]
    assert lines[1].endswith("noon.wav") and "-0.40" in lines[1]


def test_show(two_calls: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["history", "show", str(two_calls[0])]) == 0
    out = capsys.readouterr().out
    assert "customer (negative): my card is [CARD] and it was charged twice" in out
    assert ">> suggestion calm_down" in out
    for secret in PII:
        assert secret not in out


@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_export_to_file(
    two_calls: list[int], fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"call.{fmt}"
    assert run(["history", "export", str(two_calls[0]), "--format", fmt, "--out", str(out)]) == 0
    text = out.read_text()
    assert "[CARD]" in text and all(secret not in text for secret in PII)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert str(out) in capsys.readouterr().out


def test_export_to_stdout(two_calls: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["history", "export", str(two_calls[1])]) == 0
    assert json.loads(capsys.readouterr().out)["call"]["name"] == "noon.wav"


def test_delete(two_calls: list[int], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["history", "delete", str(two_calls[0])]) == 0
    assert capsys.readouterr().out.strip() == f"deleted call {two_calls[0]}"
    assert run(["history", "delete", str(two_calls[0])]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"no call with id {two_calls[0]}" in err


@pytest.mark.parametrize("command", ["show", "export", "delete"])
def test_a_bad_id_is_one_line_and_exit_1(
    two_calls: list[int], command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["history", command, "999"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "no call with id 999" in captured.err
    assert captured.out == ""


def test_purge_needs_yes_when_not_interactive(
    two_calls: list[int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(["history", "purge"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert run(["history", "purge", "--yes"]) == 0
    assert capsys.readouterr().out.strip() == "deleted 2 calls"
    assert run(["history", "list"]) == 0
    assert capsys.readouterr().out.strip() == "no stored calls"


def test_purge_asks_on_a_terminal(
    two_calls: list[int], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    assert run(["history", "purge"]) == 1
    assert "nothing deleted" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    assert run(["history", "purge"]) == 0
    assert "deleted 2 calls" in capsys.readouterr().out


def test_stats_with_csv(
    two_calls: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "stats.csv"
    assert run(["history", "stats", "--period", "week", "--csv", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["WEEK", "CALLS", "MOOD"]
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 1
    assert rows[0]["calls"] == "2" and rows[0]["suggestions_used"] == "1"
    assert rows[0]["top_triggers"] == "calm_down:1;refund:1;verify_identity:1"
    text = target.read_text()
    assert "charged" not in text and "[CARD]" not in text


def test_missing_database(data_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["history", "list"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(paths.user_data_dir() / "history.sqlite3") in err
    assert not (paths.user_data_dir() / "history.sqlite3").exists()  # listing creates nothing


def test_db_option(tmp_path: Path, capsys: pytest.CaptureFixture[str], data_home: Path) -> None:
    db = tmp_path / "elsewhere.sqlite3"
    with History.open(db) as history:
        history.save_call("x.wav", datetime.now(UTC), sample_call())
    assert run(["history", "--db", str(db), "list"]) == 0
    assert "x.wav" in capsys.readouterr().out


def test_a_broken_config_is_one_line(
    two_calls: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    paths.user_config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.user_config_file().write_text("[privacy]\nretention_days = 0\n")
    assert run(["history", "list"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "privacy.retention_days" in err
