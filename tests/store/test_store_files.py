"""Opening an existing history database for the ``history`` commands: reading changes nothing,
a foreign or corrupt file is an error naming it and is left as it was."""

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_calls import NOON, sample_call, write_v1_database

from agent_assist.store import database as database_module
from agent_assist.store import files as files_module
from agent_assist.store.history import SCHEMA_VERSION, History, HistoryError


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file in ``folder`` (and the folder): mode, mtime and bytes."""
    state = {".": (folder.stat().st_mode, 0, b"")}
    for item in sorted(folder.iterdir()):
        info = item.lstat()
        data = item.read_bytes() if stat.S_ISREG(info.st_mode) else b""
        state[item.name] = (info.st_mode, info.st_mtime_ns, data)
    return state


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A history database with two calls in a folder others may read (0755, file 0644)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "h.sqlite3"
    with History.open(path, retention_days=3650) as history:
        history.save_call("recent", datetime.now(UTC) - timedelta(days=2), sample_call())
        history.save_call("old", datetime.now(UTC) - timedelta(days=100), sample_call())
        history.record_feedback(1, "calm_down", "used", datetime.now(UTC) - timedelta(days=2))
    folder.chmod(0o755)
    path.chmod(0o644)
    return path


def test_reading_changes_nothing(shared: Path) -> None:
    before = snapshot(shared.parent)
    with History.open_existing(shared, retention_days=3650) as history:
        assert not history.enabled and history.readable
        assert [c.name for c in history.list_calls()] == ["recent", "old"]
        assert history.events(1) and history.stats("week")
    assert snapshot(shared.parent) == before


def test_reading_hides_calls_past_retention_without_deleting_them(shared: Path) -> None:
    before = snapshot(shared.parent)
    with History.open_existing(shared, retention_days=30) as history:
        assert [c.name for c in history.list_calls()] == ["recent"]
        with pytest.raises(HistoryError, match="no call with id 2"):
            history.events(2)
        assert sum(row.calls for row in history.stats("day")) == 1
    assert snapshot(shared.parent) == before


def test_reading_sees_what_a_running_app_has_not_checkpointed(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History.open(path, retention_days=3650) as app:
        app.save_call("live", NOON, sample_call())
        assert Path(f"{path}-wal").exists()
        with History.open_existing(path, retention_days=3650) as reader:
            assert [c.name for c in reader.list_calls()] == ["live"]


def test_an_old_schema_is_upgraded_in_memory_only(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    write_v1_database(path, 3, "v1 call")
    before = snapshot(tmp_path)
    with History.open_existing(path, retention_days=3650) as history:
        assert [(c.id, c.name) for c in history.list_calls()] == [(3, "v1 call")]
        version = history._db().execute("SELECT version FROM schema_version").fetchone()[0]
    assert version == SCHEMA_VERSION and snapshot(tmp_path) == before


def write_foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("write", [False, True])
@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p.write_text("my notes\n" * 50), "not an agent-assist history database"),
        (write_foreign_sqlite, "not an agent-assist history database"),
        (lambda p: p.mkdir(), "not a regular file"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.symlink_to(p), "cannot read"),
        (lambda p: None, "no history database at"),
    ],
    ids=["text", "other-sqlite", "folder", "fifo", "link-loop", "missing"],
)
def test_a_foreign_file_is_an_error_naming_it_and_left_alone(tmp_path, make, needle, write):
    path = tmp_path / "h.sqlite3"
    make(path)
    before = snapshot(tmp_path)
    with pytest.raises(HistoryError) as info:
        History.open_existing(path, write=write)
    message = str(info.value)
    assert str(path) in message and needle in message and "\n" not in message
    assert snapshot(tmp_path) == before


def corrupt(path: Path) -> bytes:
    with History.open(path, retention_days=3650) as history:
        for i in range(20):
            history.save_call(f"c{i}", NOON, sample_call())
    data = bytearray(path.read_bytes())
    data[2 * 4096 : 4 * 4096] = b"\xa5" * (2 * 4096)
    path.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.parametrize("write", [False, True])
def test_a_corrupt_database_is_reported_not_replaced(tmp_path: Path, write: bool) -> None:
    path = tmp_path / "h.sqlite3"
    corrupt(path)
    before = snapshot(tmp_path)
    with pytest.raises(HistoryError, match=f"^{path}: history database is corrupt"):
        History.open_existing(path, write=write)
    assert snapshot(tmp_path) == before


def test_a_read_only_database_reads_and_refuses_writes_clearly(
    shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # we run as root, so file modes cannot make a database read-only; the URI can
    real = files_module.connect_existing
    monkeypatch.setattr(
        database_module, "connect_existing", lambda path, mode: real(path, mode.replace("rw", "ro"))
    )
    with History.open_existing(shared, retention_days=3650) as history:
        assert len(history.list_calls()) == 2
    with pytest.raises(HistoryError) as info:
        History.open_existing(shared, write=True, retention_days=30)
    assert str(info.value).startswith(f"cannot write {shared}: the database is read-only")


def test_the_app_says_read_only_not_cannot_create(
    shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_access = os.access
    monkeypatch.setattr(
        database_module.os, "access", lambda p, m: False if Path(p) == shared else real_access(p, m)
    )
    with History.open(shared) as history:
        assert not history.enabled
        assert history.problem == f"cannot write {shared}: the file is read-only"
