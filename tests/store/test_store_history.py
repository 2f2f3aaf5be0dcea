import json
import logging
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_calls import CARD, EMAIL, NOON, PHONE, PII, sample_call, write_v1_database

from agent_assist import paths
from agent_assist.events import (
    MoodUpdate,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    event_from_dict,
)
from agent_assist.redact import Redactor
from agent_assist.store import database as database_module
from agent_assist.store.history import SCHEMA_VERSION, History, HistoryError


def raw_dump(path: Path) -> bytes:
    """Every byte of the database, its WAL and shared memory."""
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    )


def test_default_location_is_the_user_data_dir(data_home: Path) -> None:
    with History.open() as history:
        assert history.path == paths.user_data_dir() / "history.sqlite3"
        assert history.path.is_relative_to(data_home)
        assert history.enabled
        mode = history._db().execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_files_are_user_only(data_home: Path) -> None:
    with History.open() as history:
        history.save_call("call", NOON, sample_call())
        files = [Path(f"{history.path}{s}") for s in ("", "-wal", "-shm")]
        assert stat.S_IMODE(history.path.parent.stat().st_mode) == 0o700
        for file in files:
            if file.exists():
                assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_round_trip_is_redacted_and_complete(tmp_path: Path) -> None:
    events = sample_call()
    with History.open(tmp_path / "h.sqlite3", retention_days=3650) as history:
        call_id = history.save_call("sample.wav", NOON, events)
        assert call_id is not None
        back = history.events(call_id)
        [row] = history.list_calls()
        path = history.path
    stored = [e for e in events if not isinstance(e, TranscriptPartial)]
    assert [type(e) for e in back] == [type(e) for e in stored]
    finals = [e for e in back if isinstance(e, TranscriptFinal)]
    assert finals[0].text == "my card is [CARD] and it was charged twice"
    assert finals[2].text == "call me back on [PHONE] or mail [EMAIL]"
    assert "".join(w.text for w in finals[0].words).strip() == finals[0].text
    suggestion = next(e for e in back if isinstance(e, Suggestion))
    assert suggestion.evidence[0].detail == "card [CARD]"
    # everything that is not text comes back as it went in
    moods = [e for e in back if isinstance(e, MoodUpdate)]
    assert moods == [e for e in stored if isinstance(e, MoodUpdate)]
    assert (row.id, row.name, row.started_at, row.utterances) == (call_id, "sample.wav", NOON, 3)
    assert row.duration == 12.0 and row.negative_seconds == 5.0 and row.suggestions == 2
    assert row.mood_avg == pytest.approx(-0.4)
    dump = raw_dump(path)
    for secret in (CARD, PHONE, EMAIL, "4111 1111", "jane.doe"):
        assert secret.encode() not in dump
    assert b"[CARD]" in dump


def test_the_callers_events_are_untouched(tmp_path: Path) -> None:
    events = sample_call()
    before = [e.to_dict() for e in events]
    with History.open(tmp_path / "h.sqlite3") as history:
        history.save_call("c", NOON, events)
    assert [e.to_dict() for e in events] == before


def test_keep_patterns_reach_the_store(tmp_path: Path) -> None:
    from store_calls import final

    events = [final("customer", 0.0, "order ORD-12345678 and account 87654321", "neutral")]
    with History.open(tmp_path / "h.sqlite3", redactor=Redactor([r"ORD-\d+"])) as history:
        call_id = history.save_call("c", NOON, events)
        assert call_id is not None
        [back] = history.events(call_id)
    assert isinstance(back, TranscriptFinal)
    assert back.text == "order ORD-12345678 and account [NUMBER]"


def test_unknown_ids(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        with pytest.raises(HistoryError, match="no call with id 42"):
            history.events(42)
        with pytest.raises(HistoryError, match="no call with id 42"):
            history.record_feedback(42, "x", "used", NOON)
        assert history.delete(42) is False


def test_delete_and_purge_remove_the_text(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3", retention_days=3650) as history:
        first = history.save_call("first", NOON, sample_call())
        second = history.save_call("second", NOON + timedelta(hours=1), sample_call())
        assert first is not None and second is not None
        assert history.delete(first) is True
        assert [c.id for c in history.list_calls()] == [second]
        history.record_feedback(second, "calm_down", "used", NOON)
        assert history.purge() == 1
        assert history.list_calls() == []
        assert history.stats("day") == []
        path = history.path
    assert b"charged twice" not in raw_dump(path)


def test_retention_deletes_old_calls_and_feedback(tmp_path: Path) -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with History.open(tmp_path / "h.sqlite3", retention_days=30) as history:
        old = history.save_call("old", now - timedelta(days=31), sample_call())
        recent = history.save_call("recent", now - timedelta(days=29), sample_call())
        history.record_feedback(old, "calm_down", "dismissed", now - timedelta(days=31))
        history.record_feedback(recent, "calm_down", "used", now - timedelta(days=29))
        assert history.apply_retention(now) == 1
        assert [c.name for c in history.list_calls()] == ["recent"]
        rows = history.stats("week")
        assert (sum(r.used for r in rows), sum(r.dismissed for r in rows)) == (1, 0)
        assert history.apply_retention(now) == 0
        with pytest.raises(HistoryError):
            history.events(old or -1)


def test_retention_runs_when_the_history_opens(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History.open(path, retention_days=3650) as history:
        history.save_call("ancient", datetime.now(UTC) - timedelta(days=400), sample_call())
        history.save_call("fresh", datetime.now(UTC) - timedelta(days=1), sample_call())
    with History.open(path, retention_days=365) as history:
        assert [c.name for c in history.list_calls()] == ["fresh"]


def test_feedback_of_a_live_call_is_linked_when_it_is_saved(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3", retention_days=3650) as history:
        history.record_feedback(None, "calm_down", "used", NOON + timedelta(seconds=4))
        history.record_feedback(None, "verify_identity", "dismissed", NOON + timedelta(seconds=5))
        call_id = history.save_call("live", NOON, sample_call())
        linked = (
            history._db()
            .execute("SELECT COUNT(*) FROM feedback WHERE call_id = ?", (call_id,))
            .fetchone()[0]
        )
        with pytest.raises(ValueError, match="used"):
            history.record_feedback(None, "x", "liked", NOON)  # type: ignore[arg-type]
    assert linked == 2


def test_stats_per_day_and_week_have_no_transcript_text(tmp_path: Path) -> None:
    monday = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    with History.open(tmp_path / "h.sqlite3", retention_days=3650) as history:
        history.save_call("a", monday, sample_call(("calm_down", "verify_identity")))
        history.save_call("b", monday + timedelta(hours=2), sample_call(("calm_down",)))
        history.save_call("c", monday + timedelta(days=1), sample_call(()))
        history.save_call("d", monday + timedelta(days=7), sample_call(("refund",)))
        history.record_feedback(None, "calm_down", "used", monday + timedelta(hours=1))
        history.record_feedback(None, "calm_down", "dismissed", monday + timedelta(hours=1))
        history.record_feedback(None, "refund", "used", monday + timedelta(days=7, hours=1))
        days = history.stats("day")
        weeks = history.stats("week")
    assert [(r.period, r.calls) for r in days] == [
        ("2026-11-23", 2),
        ("2026-11-24", 1),
        ("2026-11-30", 1),
    ]
    first = days[0]
    assert first.top_triggers == (("calm_down", 2), ("verify_identity", 1))
    assert (first.used, first.dismissed) == (1, 1)
    assert first.avg_mood == pytest.approx(-0.4)
    assert first.negative_s == 10.0 and first.duration_s == 24.0
    assert [(r.period, r.calls, r.used) for r in weeks] == [("2026-W48", 3, 1), ("2026-W49", 1, 1)]
    text = json.dumps([r.__dict__ for r in days + weeks])
    for word in ("charged", "sorry", "[CARD]", *PII):
        assert word not in text


def test_a_v1_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    write_v1_database(path)
    with History.open(path, retention_days=3650) as history:
        version = history._db().execute("SELECT version FROM schema_version").fetchone()[0]
        [row] = history.list_calls()
        [day] = history.stats("day")
        history.record_feedback(7, "calm_down", "used", NOON)
    assert version == SCHEMA_VERSION == 2
    assert (row.id, row.utterances, row.suggestions) == (7, 3, 2)
    assert row.mood_avg == pytest.approx(-0.4)
    assert day.top_triggers == (("calm_down", 1), ("verify_identity", 1))


def test_a_newer_schema_turns_history_off(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "h.sqlite3"
    History.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    with caplog.at_level(logging.WARNING), History.open(path) as history:
        assert not history.enabled
        assert history.save_call("c", NOON, sample_call()) is None
    assert "schema version 99 is newer" in caplog.text
    with pytest.raises(HistoryError, match="schema version 99 is newer"):
        History.open_existing(path)


def test_a_corrupt_database_is_deleted_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "h.sqlite3"
    junk = b"this is not sqlite at all \x00\xff" * 200
    path.write_bytes(junk)
    with caplog.at_level(logging.WARNING), History.open(path) as history:
        assert history.enabled
        assert history.save_call("new", NOON, sample_call()) is not None
        assert len(history.list_calls()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite3"]
    assert junk not in path.read_bytes()
    assert f"{path} is corrupt" in caplog.text and "deleted it" in caplog.text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def aside_copies(path: Path) -> list[Path]:
    """Corrupt copies as an older agent-assist left them: moved aside, with transcripts."""
    copies = []
    for stamp in ("20250101T000000Z", "20261201T101010Z"):
        copy = path.with_name(f"{path.name}.corrupt-{stamp}")
        copy.write_bytes(b"SQLite format 3\x00 ... " + CARD.encode())
        Path(f"{copy}-wal").write_bytes(PHONE.encode())
        copies += [copy, Path(f"{copy}-wal")]
    return copies


def test_retention_deletes_corrupt_copies_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    History.open(path, retention_days=3650).close()
    copies = aside_copies(path)
    unrelated = tmp_path / "h.sqlite3.backup"
    unrelated.write_text("mine")
    with History.open(path, retention_days=3650) as history:
        assert not any(copy.exists() for copy in copies)
        aside_copies(path)
        history.apply_retention()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite3", "h.sqlite3.backup"]


def test_purge_deletes_corrupt_copies_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History.open(path, retention_days=3650) as history:
        history.save_call("c", NOON, sample_call())
        copies = aside_copies(path)
        assert history.purge() == 1
    assert not any(copy.exists() for copy in copies)


def test_a_damaged_page_is_detected(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "h.sqlite3"
    with History.open(path, retention_days=3650) as history:
        for i in range(20):
            history.save_call(f"c{i}", NOON, sample_call())
        history._db().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page : 4 * page] = b"\xa5" * (2 * page)  # overwrite b-tree pages, keep the header
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING), History.open(path) as history:
        assert history.enabled and history.list_calls() == []
    assert list(tmp_path.glob("h.sqlite3.corrupt-*")) == []
    assert "is corrupt" in caplog.text


def _read_only(path: Path) -> sqlite3.Connection:
    # we run as root, so file modes cannot make a database read-only; the URI can
    return sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )


def test_a_read_only_database_turns_history_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "h.sqlite3"
    with History.open(path, retention_days=3650) as history:
        history.save_call("before", NOON, sample_call())
    monkeypatch.setattr(database_module, "connect", _read_only)
    events = sample_call()
    with caplog.at_level(logging.WARNING), History.open(path, retention_days=3650) as history:
        assert not history.enabled
        assert history.save_call("after", NOON, events) is None
        history.record_feedback(None, "calm_down", "used", NOON)  # no exception either
        assert [c.name for c in history.list_calls()] == ["before"]  # reading still works
    assert "call history is off" in caplog.text and "readonly" in caplog.text
    assert len(events) == len(sample_call())


def test_a_full_disk_turns_history_off(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with History.open(tmp_path / "h.sqlite3", retention_days=3650) as history:
        conn = history._db()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 1}")  # SQLite's own "disk is full"
        big = sample_call() * 50
        with caplog.at_level(logging.WARNING):
            assert history.save_call("big", NOON, big) is None
        assert not history.enabled
        assert history.save_call("small", NOON, sample_call()) is None
        assert history.list_calls() == []
    assert "full" in caplog.text
    assert len(big) == len(sample_call()) * 50


def test_an_unwritable_folder_turns_history_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING), History.open(blocker / "h.sqlite3") as history:
        assert not history.enabled and not history.readable
        assert history.save_call("c", NOON, sample_call()) is None
        with pytest.raises(HistoryError, match="not available"):
            history.list_calls()
    assert "call history is off" in caplog.text


def test_no_audio_and_no_partials_are_stored(tmp_path: Path) -> None:
    with History.open(tmp_path / "h.sqlite3") as history:
        call_id = history.save_call("c", NOON, sample_call())
        conn = history._db()
        types = {t for (t,) in conn.execute("SELECT DISTINCT type FROM events")}
        columns = [
            (table, column[2])
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for column in conn.execute(f"PRAGMA table_info({table})")
        ]
        bodies = [json.loads(b) for (b,) in conn.execute("SELECT body FROM events")]
    assert call_id is not None
    assert "partial" not in types
    assert all(kind.upper() != "BLOB" for _, kind in columns)
    assert all(event_from_dict(b).to_dict() == b for b in bodies)


def test_a_call_stored_before_the_summary_had_mood_avg_shows_one_average(tmp_path: Path) -> None:
    """A summary written by an older version has no ``mood_avg``: the row, the history export
    and the review window's record all show the one average counted from its events."""
    from agent_assist.store.export import export_call
    from agent_assist.ui.viewmodels import CallRecord

    path = tmp_path / "old.sqlite3"
    write_v1_database(path)
    with History.open(path, retention_days=3650) as history:
        [row] = history.list_calls()
        exported = json.loads(export_call(history, row.id, "json"))
        record = CallRecord.from_events(history.events(row.id))
    assert row.mood_avg == pytest.approx(-0.4)
    assert exported["summary"]["mood_avg"] == pytest.approx(row.mood_avg)
    assert exported["call"]["mood_avg"] == pytest.approx(row.mood_avg)
    assert record.figures.mood_avg == pytest.approx(row.mood_avg)
    assert record.summary is not None and record.summary.mood_avg is None  # as stored
