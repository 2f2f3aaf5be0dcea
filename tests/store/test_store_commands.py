import csv
import io
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_calls import PII, sample_call

from agent_assist import logs, paths
from agent_assist.cli import main
from agent_assist.store.history import History


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    finally:
        logs.setup("WARNING", to_file=False)


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
    assert lines[1].endswith("noon.wav") and " -40 " in lines[1], "the app's -100..+100 scale"


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
    assert run(["history", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "privacy.retention_days" in err


def folder_state(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        item.name: (item.stat().st_mode, item.stat().st_mtime_ns, item.read_bytes())
        for item in sorted(folder.iterdir())
    } | {".": (folder.stat().st_mode, 0, b"")}


@pytest.fixture
def shared_db(tmp_path: Path, data_home: Path) -> Path:
    folder = tmp_path / "team"
    folder.mkdir()
    db = folder / "calls.sqlite3"
    with History.open(db, retention_days=3650) as history:
        history.save_call("x.wav", datetime.now(UTC), sample_call())
    folder.chmod(0o755)
    db.chmod(0o644)
    return db


@pytest.mark.parametrize(
    "command",
    [["list"], ["show", "1"], ["export", "1"], ["stats"], ["stats", "--period", "week"]],
)
def test_read_commands_change_nothing(
    shared_db: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = folder_state(shared_db.parent)
    assert run(["history", "--db", str(shared_db), *command]) == 0
    assert capsys.readouterr().err == ""
    assert folder_state(shared_db.parent) == before


@pytest.mark.parametrize(
    "command", [["list"], ["show", "1"], ["stats"], ["delete", "1"], ["purge", "--yes"]]
)
def test_a_foreign_file_is_an_error_and_kept(
    tmp_path: Path, data_home: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "files" / "notes.txt"  # the run's log file is under tmp_path too
    notes.parent.mkdir()
    notes.write_text("call the bank about card 4111 1111 1111 1111\n" * 40)
    before = folder_state(notes.parent)
    assert run(["history", "--db", str(notes), *command]) == 1
    err = capsys.readouterr().err
    assert err == f"history: {notes}: not an agent-assist history database (not SQLite)\n"
    assert folder_state(notes.parent) == before


def test_purge_deletes_corrupt_copies_even_without_a_database(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = paths.user_data_dir() / "history.sqlite3"
    db.parent.mkdir(parents=True)
    copy = db.with_name("history.sqlite3.corrupt-20260101T000000Z")
    copy.write_bytes(b"SQLite format 3\x00 charged twice 4111 1111 1111 1111")
    Path(f"{copy}-wal").write_bytes(b"wal")
    assert run(["history", "purge", "--yes"]) == 0
    assert "deleted 2 unreadable history file(s)" in capsys.readouterr().out
    assert list(db.parent.iterdir()) == []


def test_purge_deletes_the_database_and_its_corrupt_copies(
    two_calls: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    db = paths.user_data_dir() / "history.sqlite3"
    copy = db.with_name("history.sqlite3.corrupt-20260101T000000Z")
    copy.write_bytes(b"SQLite format 3\x00 charged twice")
    assert run(["history", "purge", "--yes"]) == 0
    assert "deleted 2 calls" in capsys.readouterr().out
    assert not copy.exists()
