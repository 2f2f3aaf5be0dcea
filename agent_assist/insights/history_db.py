"""Calls and suggestion feedback of a local history database (``history.sqlite3``), read-only.

Each stored call becomes a ``CallSource`` (its stored, redacted events), so the report treats it
like an analyzed call; each used / dismissed mark that belongs to a call becomes a ``feedback``
row with its time in the call (seconds from the call's start)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path
from typing import Any

from agent_assist.errors import AgentAssistError
from agent_assist.insights.callevents import CallSource

log = logging.getLogger(__name__)
Feedback = tuple[str, str, str, float]
"""(call source id, suggestion id, "used" | "dismissed", seconds from the call's start)"""


def read_history(path: Path, problems: list[str]) -> tuple[list[CallSource], list[Feedback]]:
    from agent_assist.store.history import History

    try:
        history = History.open_existing(path)
    except AgentAssistError as error:
        problems.append(f"{error}; skipped")
        return [], []
    try:
        sources = []
        starts: dict[int, dt.datetime] = {}
        for row in history.list_calls():
            events = history.events(row.id)
            data = "".join(event.to_json() + "\n" for event in events).encode()
            local = row.started_at.astimezone().replace(tzinfo=None)
            sources.append(CallSource(f"{path}#{row.id}", row.name, local, data))
            starts[row.id] = row.started_at
    finally:
        history.close()
    return sources, _feedback(path, starts, problems)


def _feedback(path: Path, starts: dict[int, dt.datetime], problems: list[str]) -> list[Feedback]:
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
            rows: list[Any] = conn.execute(
                "SELECT call_id, suggestion_id, action, at FROM feedback "
                "WHERE call_id IS NOT NULL ORDER BY id"
            ).fetchall()
    except sqlite3.Error as error:
        if "no such table" not in str(error):  # an older database has no feedback yet
            problems.append(f"{path}: cannot read its suggestion feedback ({error})")
        return []
    out = []
    for call_id, suggestion, action, at in rows:
        if call_id in starts:
            seconds = (dt.datetime.fromisoformat(at) - starts[call_id]).total_seconds()
            out.append((f"{path}#{call_id}", suggestion, action, seconds))
    return out
