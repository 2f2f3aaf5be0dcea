"""The history database's schema: versioned migrations and the per-call figures they store."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent_assist.events import CallSummary, Event, event_from_dict
from agent_assist.figures import last_summary, summary_of

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
TABLES = frozenset({"schema_version", "calls", "events"})
"""Tables every history database has (``feedback`` came with version 2)."""


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
        figures = CallFigures.of([event_from_dict(json.loads(body)) for (body,) in rows])
        conn.execute(
            "UPDATE calls SET utterances = ?, mood_avg = ?, negative_seconds = ?, triggers = ?"
            " WHERE id = ?",
            (*figures.columns(), call_id),
        )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_v1, _migrate_v2)
"""``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``."""
assert len(MIGRATIONS) == SCHEMA_VERSION


@dataclass(frozen=True)
class CallFigures:
    """A call's row in ``calls``: its figures, read from its summary (``figures.summary_of``)."""

    duration: float
    utterances: int
    mood_avg: float | None
    negative_seconds: float
    triggers: tuple[str, ...]
    summary: CallSummary | None
    """The call's own summary event, None when it had none."""

    @classmethod
    def of(cls, events: Sequence[Event]) -> CallFigures:
        figures = summary_of(events)
        return cls(
            duration=figures.duration,
            utterances=figures.utterances,
            mood_avg=figures.mood_avg,
            negative_seconds=figures.negative_seconds,
            triggers=figures.suggestions,
            summary=last_summary(events),
        )

    def columns(self) -> tuple[int, float | None, float, str]:
        return self.utterances, self.mood_avg, self.negative_seconds, json.dumps(self.triggers)


def migrate(conn: sqlite3.Connection, version: int, name: str) -> None:
    """Take the database from ``version`` to ``SCHEMA_VERSION`` (inside the caller's
    transaction) and record the new version."""
    for step in range(version, SCHEMA_VERSION):
        MIGRATIONS[step](conn)
        log.info("history database %s migrated to version %d", name, step + 1)
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    conn.execute("DELETE FROM schema_version")
    conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
