"""Local call history: one SQLite file in the user data dir, user-only, PII-redacted.

Each saved call keeps its events' JSON (``Event.to_dict``; partial transcripts are dropped,
audio is never stored) and a few per-call figures for ``stats``. History that cannot be
written (read-only file, full disk) turns itself off with a warning instead of raising, so the
caller keeps its events; a corrupt file is moved aside and a new one started.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from agent_assist import paths
from agent_assist.errors import AgentAssistError
from agent_assist.events import (
    CallSummary,
    Event,
    MoodUpdate,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    event_from_dict,
)
from agent_assist.redact import Redactor, redact_event

log = logging.getLogger(__name__)

FILE_NAME = "history.sqlite3"
SCHEMA_VERSION = 2
Period = Literal["day", "week"]
FeedbackAction = Literal["used", "dismissed"]


class HistoryError(AgentAssistError):
    """The history database cannot be read, or an id is unknown."""


@dataclass(frozen=True)
class CallRow:
    id: int
    name: str
    started_at: datetime
    duration: float
    utterances: int
    mood_avg: float | None
    negative_seconds: float
    suggestions: int


@dataclass(frozen=True)
class StatsRow:
    """Aggregates of one day (``2026-11-27``) or ISO week (``2026-W48``); no transcript text."""

    period: str
    calls: int
    duration_s: float
    avg_mood: float | None
    negative_s: float
    top_triggers: tuple[tuple[str, int], ...]
    used: int
    dismissed: int


def default_path() -> Path:
    return paths.user_data_dir() / FILE_NAME


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), timeout=5.0, isolation_level=None, check_same_thread=False)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# --- schema -------------------------------------------------------------------------------


def _migrate_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE calls (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " started_at TEXT NOT NULL, duration REAL NOT NULL, summary TEXT)"
    )
    conn.execute(
        "CREATE TABLE events (call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
        " seq INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,"
        " PRIMARY KEY (call_id, seq))"
    )
    conn.execute("CREATE INDEX calls_started ON calls(started_at)")


def _migrate_v2(conn: sqlite3.Connection) -> None:
    """Per-call figures for ``stats`` (backfilled from stored events) and suggestion feedback."""
    for column in (
        "utterances INTEGER NOT NULL DEFAULT 0",
        "mood_avg REAL",
        "negative_seconds REAL NOT NULL DEFAULT 0",
        "triggers TEXT NOT NULL DEFAULT '[]'",
    ):
        conn.execute(f"ALTER TABLE calls ADD COLUMN {column}")
    conn.execute(
        "CREATE TABLE feedback (id INTEGER PRIMARY KEY,"
        " call_id INTEGER REFERENCES calls(id) ON DELETE SET NULL,"
        " suggestion_id TEXT NOT NULL,"
        " action TEXT NOT NULL CHECK (action IN ('used', 'dismissed')), at TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX feedback_at ON feedback(at)")
    for (call_id,) in conn.execute("SELECT id FROM calls").fetchall():
        rows = conn.execute(
            "SELECT body FROM events WHERE call_id = ? ORDER BY seq", (call_id,)
        ).fetchall()
        figures = _CallFigures.of([event_from_dict(json.loads(body)) for (body,) in rows])
        conn.execute(
            "UPDATE calls SET utterances = ?, mood_avg = ?, negative_seconds = ?, triggers = ?"
            " WHERE id = ?",
            (*figures.columns(), call_id),
        )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_v1, _migrate_v2)
"""``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``."""
assert len(MIGRATIONS) == SCHEMA_VERSION


@dataclass(frozen=True)
class _CallFigures:
    duration: float
    utterances: int
    mood_avg: float | None
    negative_seconds: float
    triggers: tuple[str, ...]
    summary: CallSummary | None

    @classmethod
    def of(cls, events: Sequence[Event]) -> _CallFigures:
        summaries = [e for e in events if isinstance(e, CallSummary)]
        summary = summaries[-1] if summaries else None
        finals = [e for e in events if isinstance(e, TranscriptFinal)]
        moods = [e.score for e in events if isinstance(e, MoodUpdate) and e.speaker == "customer"]
        triggers = tuple(e.id for e in events if isinstance(e, Suggestion))
        ends = [e.end for e in finals] + [e.time for e in events if isinstance(e, MoodUpdate)]
        return cls(
            duration=summary.duration if summary else max(ends, default=0.0),
            utterances=summary.utterances if summary and summary.utterances else len(finals),
            mood_avg=sum(moods) / len(moods) if moods else None,
            negative_seconds=summary.negative_seconds if summary else 0.0,
            triggers=triggers or (summary.suggestions if summary else ()),
            summary=summary,
        )

    def columns(self) -> tuple[int, float | None, float, str]:
        return self.utterances, self.mood_avg, self.negative_seconds, json.dumps(self.triggers)


# --- the store ----------------------------------------------------------------------------


class History:
    """The call history. Create with :meth:`open`; ``enabled`` is False once writing failed."""

    def __init__(self, path: Path, retention_days: int, redactor: Redactor) -> None:
        self.path = path
        self.retention_days = retention_days
        self.enabled = False
        self.problem: str | None = None
        self._redactor = redactor
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._last_retention: datetime | None = None

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        retention_days: int = 30,
        redactor: Redactor | None = None,
    ) -> History:
        history = cls(path or default_path(), retention_days, redactor or Redactor())
        history._start()
        return history

    @property
    def readable(self) -> bool:
        """Whether stored calls can be read (they may be, with ``enabled`` False)."""
        return self._conn is not None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self.enabled = False

    # -- opening ---------------------------------------------------------------------------

    def _start(self) -> None:
        try:
            self._prepare_files()
            self._conn = self._connect_checked()
        except sqlite3.OperationalError as error:
            self._disable(f"cannot open {self.path}: {error}")
            return
        except OSError as error:
            self._disable(f"cannot create {self.path}: {error.strerror or error}")
            return
        except _Corrupt as error:
            self._move_aside(str(error))
            try:
                self._prepare_files()
                self._conn = self._connect_checked()
            except (sqlite3.DatabaseError, OSError, _Corrupt) as again:
                self._disable(f"cannot recreate {self.path}: {again}")
                return
        self.enabled = True
        try:
            self._migrate()
            self.apply_retention()
        except sqlite3.OperationalError as error:
            self._disable(f"cannot write {self.path}: {error}")
        except _NewerSchema as error:
            self._disable(str(error))

    def _prepare_files(self) -> None:
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self.path.chmod(0o600)

    def _connect_checked(self) -> sqlite3.Connection:
        conn = _connect(self.path)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            result = conn.execute("PRAGMA quick_check").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            raise
        except sqlite3.DatabaseError as error:
            conn.close()
            raise _Corrupt(str(error)) from None
        if not result or result[0] != "ok":
            conn.close()
            raise _Corrupt(f"integrity check: {result[0] if result else 'no answer'}")
        for pragma in ("foreign_keys = ON", "secure_delete = ON", "synchronous = NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def _move_aside(self, reason: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.replace(Path(f"{target}{suffix}"))
        log.warning(
            "history database %s is corrupt (%s); moved it to %s and started a new one",
            self.path,
            reason,
            target,
        )

    def _migrate(self) -> None:
        conn = self._db()
        with self._lock, self._transaction():
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            if version > SCHEMA_VERSION:
                raise _NewerSchema(
                    f"{self.path}: schema version {version} is newer than this agent-assist"
                    f" ({SCHEMA_VERSION}); history is off"
                )
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
                log.info("history database %s migrated to version %d", self.path, step + 1)
            if row is None:
                conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            else:
                conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    def _disable(self, reason: str) -> None:
        if self.problem is None:
            log.warning("call history is off: %s", reason)
        self.enabled = False
        self.problem = reason

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise HistoryError(f"history is not available: {self.problem or 'closed'}")
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (disk full)
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _write(self, action: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``action`` in a write transaction; a failure to write turns history off."""
        if not self.enabled:
            return None
        try:
            with self._lock, self._transaction() as conn:
                return action(conn)
        except sqlite3.OperationalError as error:
            self._disable(f"cannot write {self.path}: {error}")
            return None

    # -- writing ---------------------------------------------------------------------------

    def save_call(
        self, call_name: str, started_at: datetime, events: Sequence[Event]
    ) -> int | None:
        """Store one call, redacted. Returns its id, or None when history is (now) off."""
        if not self.enabled:
            return None
        kept = [
            redact_event(e, self._redactor) for e in events if not isinstance(e, TranscriptPartial)
        ]
        figures = _CallFigures.of(kept)
        summary = figures.summary.to_json() if figures.summary else None
        started = _utc_text(started_at)

        def insert(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO calls (name, started_at, duration, summary, utterances, mood_avg,"
                " negative_seconds, triggers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (call_name, started, figures.duration, summary, *figures.columns()),
            )
            call_id = cursor.lastrowid
            assert call_id is not None
            conn.executemany(
                "INSERT INTO events (call_id, seq, type, body) VALUES (?, ?, ?, ?)",
                [(call_id, seq, e.type, e.to_json()) for seq, e in enumerate(kept)],
            )
            conn.execute(
                "UPDATE feedback SET call_id = ? WHERE call_id IS NULL AND at >= ?",
                (call_id, started),
            )
            return call_id

        call_id: int | None = self._write(insert)
        if call_id is not None:
            self._daily_retention()
        return call_id

    def record_feedback(
        self,
        call_id: int | None,
        suggestion_id: str,
        action: FeedbackAction,
        at: datetime,
    ) -> None:
        """Remember that the agent used or dismissed a suggestion (``call_id`` None: live call,
        linked to the call when it is saved)."""
        if action not in ("used", "dismissed"):
            raise ValueError(f"feedback action must be 'used' or 'dismissed', not {action!r}")
        if call_id is not None and self.enabled:
            self.call(call_id)
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO feedback (call_id, suggestion_id, action, at) VALUES (?, ?, ?, ?)",
                (call_id, suggestion_id, action, _utc_text(at)),
            )
        )

    def delete(self, call_id: int) -> bool:
        deleted = self._write(
            lambda conn: conn.execute("DELETE FROM calls WHERE id = ?", (call_id,)).rowcount
        )
        if deleted:
            self._flush_deleted()
        return bool(deleted)

    def purge(self) -> int:
        """Delete every call and all feedback; returns the number of calls deleted."""

        def wipe(conn: sqlite3.Connection) -> int:
            conn.execute("DELETE FROM feedback")
            return int(conn.execute("DELETE FROM calls").rowcount)

        count = self._write(wipe)
        if count is None:
            return 0
        self._flush_deleted(vacuum=True)
        return int(count)

    def apply_retention(self, now: datetime | None = None) -> int:
        """Delete calls (and feedback) older than ``retention_days``; returns calls deleted."""
        now = now or datetime.now(UTC)
        cutoff = _utc_text(now - timedelta(days=self.retention_days))

        def expire(conn: sqlite3.Connection) -> int:
            conn.execute("DELETE FROM feedback WHERE at < ?", (cutoff,))
            return int(conn.execute("DELETE FROM calls WHERE started_at < ?", (cutoff,)).rowcount)

        count = self._write(expire) or 0
        self._last_retention = now
        if count:
            log.info("history: deleted %d call(s) older than %d days", count, self.retention_days)
            self._flush_deleted()
        return count

    def _daily_retention(self) -> None:
        now = datetime.now(UTC)
        if self._last_retention is None or now - self._last_retention >= timedelta(days=1):
            self.apply_retention(now)

    def _flush_deleted(self, vacuum: bool = False) -> None:
        """Move deleted pages out of the WAL (secure_delete has zeroed them in the main file)."""
        try:
            with self._lock:
                conn = self._db()
                if vacuum:
                    conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as error:
            log.warning("history: cannot compact %s: %s", self.path, error)

    # -- reading ---------------------------------------------------------------------------

    def list_calls(self) -> list[CallRow]:
        with self._lock:
            rows = self._db().execute(f"{_CALL_SELECT} ORDER BY started_at DESC, id DESC")
            return [_call_row(row) for row in rows.fetchall()]

    def call(self, call_id: int) -> CallRow:
        with self._lock:
            row = self._db().execute(f"{_CALL_SELECT} WHERE id = ?", (call_id,)).fetchone()
        if row is None:
            raise HistoryError(f"{self.path}: no call with id {call_id}")
        return _call_row(row)

    def events(self, call_id: int) -> list[Event]:
        self.call(call_id)
        with self._lock:
            rows = self._db().execute(
                "SELECT body FROM events WHERE call_id = ? ORDER BY seq", (call_id,)
            )
            return [event_from_dict(json.loads(body)) for (body,) in rows.fetchall()]

    def stats(self, period: Period) -> list[StatsRow]:
        if period not in ("day", "week"):
            raise ValueError(f"period must be 'day' or 'week', not {period!r}")
        with self._lock:
            conn = self._db()
            calls = conn.execute(
                "SELECT started_at, duration, mood_avg, negative_seconds, triggers FROM calls"
            ).fetchall()
            feedback = conn.execute("SELECT at, action FROM feedback").fetchall()
        buckets: dict[str, _Bucket] = {}
        for started, duration, mood, negative, triggers in calls:
            bucket = buckets.setdefault(_period_key(started, period), _Bucket())
            bucket.add_call(duration, mood, negative, json.loads(triggers))
        for at, action in feedback:
            buckets.setdefault(_period_key(at, period), _Bucket()).feedback[action] += 1
        return [buckets[key].row(key) for key in sorted(buckets)]


class _Corrupt(Exception):
    pass


class _NewerSchema(Exception):
    pass


_CALL_SELECT = (
    "SELECT id, name, started_at, duration, utterances, mood_avg, negative_seconds, triggers"
    " FROM calls"
)


def _call_row(row: tuple[Any, ...]) -> CallRow:
    call_id, name, started, duration, utterances, mood, negative, triggers = row
    return CallRow(
        id=call_id,
        name=name,
        started_at=datetime.fromisoformat(started),
        duration=duration,
        utterances=utterances,
        mood_avg=mood,
        negative_seconds=negative,
        suggestions=len(json.loads(triggers)),
    )


def _period_key(utc_text: str, period: Period) -> str:
    local = datetime.fromisoformat(utc_text).astimezone()
    if period == "day":
        return local.date().isoformat()
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


class _Bucket:
    def __init__(self) -> None:
        self.calls = 0
        self.duration = 0.0
        self.moods: list[float] = []
        self.negative = 0.0
        self.triggers: Counter[str] = Counter()
        self.feedback: Counter[str] = Counter()

    def add_call(
        self, duration: float, mood: float | None, negative: float, triggers: list[str]
    ) -> None:
        self.calls += 1
        self.duration += duration
        self.negative += negative
        if mood is not None:
            self.moods.append(mood)
        self.triggers.update(triggers)

    def row(self, period: str) -> StatsRow:
        top = sorted(self.triggers.items(), key=lambda item: (-item[1], item[0]))[:3]
        return StatsRow(
            period=period,
            calls=self.calls,
            duration_s=round(self.duration, 1),
            avg_mood=round(sum(self.moods) / len(self.moods), 3) if self.moods else None,
            negative_s=round(self.negative, 1),
            top_triggers=tuple(top),
            used=self.feedback["used"],
            dismissed=self.feedback["dismissed"],
        )
