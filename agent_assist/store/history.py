"""Local call history: one SQLite file in the user data dir, user-only, PII-redacted.

Each saved call keeps its events' JSON (``Event.to_dict``; partial transcripts are dropped,
audio is never stored) and a few per-call figures for ``stats``.

Two ways in. The app opens its history with :meth:`History.open`: it creates the file (0600,
folder 0700); history that cannot be written (read-only file, full disk) turns itself off with
a warning instead of raising, so the caller keeps its events; a corrupt file is deleted and a
new one started (see :func:`remove_corrupt_copies` for why at once).
The ``history`` commands use :meth:`History.open_existing`: an existing history database only,
never created, moved or re-permissioned; read commands open it read-only and change nothing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from agent_assist import paths
from agent_assist.edge import OutputEdge
from agent_assist.events import Event, TranscriptPartial, event_from_dict
from agent_assist.redact import Redactor
from agent_assist.store.database import HistoryDatabase, utc_text
from agent_assist.store.files import HistoryError, remove_corrupt_copies
from agent_assist.store.schema import MIGRATIONS, SCHEMA_VERSION, CallFigures
from agent_assist.store.stats import Bucket, Period, StatsRow, period_key

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "CallRow", "History", "HistoryError", "StatsRow"]

log = logging.getLogger(__name__)

FILE_NAME = "history.sqlite3"
FeedbackAction = Literal["used", "dismissed"]


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


def default_path() -> Path:
    return paths.user_data_dir() / FILE_NAME


# --- the store ----------------------------------------------------------------------------


class History(HistoryDatabase):
    """The call history. Create with :meth:`open` (the app) or :meth:`open_existing` (the
    ``history`` commands); ``enabled`` is False once writing failed, and always when read-only."""

    def __init__(self, path: Path, retention_days: int, redactor: Redactor) -> None:
        super().__init__(path, retention_days)
        self._redactor = redactor

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

    @classmethod
    def open_existing(
        cls,
        path: Path,
        *,
        write: bool = False,
        retention_days: int = 30,
        redactor: Redactor | None = None,
    ) -> History:
        """An existing history database, for the ``history`` commands.

        Never creates, moves or re-permissions anything. ``write`` False: read-only, nothing
        changes (an older schema is upgraded in memory; calls past retention are hidden).
        ``write`` True: for delete and purge; retention is applied. Raises ``HistoryError``
        naming the file when it is missing, not a history database, corrupt, newer than this
        version or (``write``) read-only."""
        history = cls(path, retention_days, redactor or Redactor())
        try:
            history._start_existing(write)
        except BaseException:
            history.close()
            raise
        return history

    # -- writing ---------------------------------------------------------------------------

    def save_call(
        self,
        call_name: str,
        started_at: datetime,
        events: Sequence[Event],
        *,
        redacted: bool = False,
    ) -> int | None:
        """Store one call, redacted. ``redacted``: the events come out of the call's output
        edge, redacted once already (with the config the call ran with); else they pass an
        edge with this history's redactor now. Returns its id, or None when history is off."""
        if not self.enabled:
            return None
        kept = [e for e in events if not isinstance(e, TranscriptPartial)]
        if not redacted:
            kept = OutputEdge(self._redactor).pass_all(kept)
        figures = CallFigures.of(kept)
        summary = figures.summary.to_json() if figures.summary else None
        started = utc_text(started_at)

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
                (call_id, suggestion_id, action, utc_text(at)),
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
        remove_corrupt_copies(self.path)
        return int(count)

    # -- reading ---------------------------------------------------------------------------

    def list_calls(self) -> list[CallRow]:
        with self._lock:
            rows = self._db().execute(
                f"{_CALL_SELECT} ORDER BY started_at DESC, id DESC", (self._hide_before,)
            )
            return [_call_row(row) for row in rows.fetchall()]

    def call(self, call_id: int) -> CallRow:
        with self._lock:
            row = (
                self._db()
                .execute(f"{_CALL_SELECT} AND id = ?", (self._hide_before, call_id))
                .fetchone()
            )
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
                " WHERE started_at >= ?",
                (self._hide_before,),
            ).fetchall()
            feedback = conn.execute(
                "SELECT at, action FROM feedback WHERE at >= ?", (self._hide_before,)
            ).fetchall()
        buckets: dict[str, Bucket] = {}
        for started, duration, mood, negative, triggers in calls:
            bucket = buckets.setdefault(period_key(started, period), Bucket())
            bucket.add_call(duration, mood, negative, json.loads(triggers))
        for at, action in feedback:
            buckets.setdefault(period_key(at, period), Bucket()).feedback[action] += 1
        return [buckets[key].row(key) for key in sorted(buckets)]


_CALL_SELECT = (
    "SELECT id, name, started_at, duration, utterances, mood_avg, negative_seconds, triggers"
    " FROM calls WHERE started_at >= ?"
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
