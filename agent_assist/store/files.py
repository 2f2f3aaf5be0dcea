"""The history database's files: opening an existing one without creating it, telling a
history database from a foreign file, and the corrupt copies moved aside."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import urllib.parse
from pathlib import Path

from agent_assist.errors import AgentAssistError

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"


class HistoryError(AgentAssistError):
    """The history database cannot be read, or an id is unknown."""


def connect_existing(path: Path, mode: str) -> sqlite3.Connection:
    """Open ``path`` without ever creating it: ``mode`` is ``ro`` or ``rw`` (or ``ro`` plus
    ``&immutable=1`` for a read-only folder where SQLite cannot make its WAL index)."""
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode={mode}"
    return sqlite3.connect(
        uri, uri=True, timeout=5.0, isolation_level=None, check_same_thread=False
    )


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Read ``path`` leaving no trace: with its WAL when a writer has one open, else as an
    immutable file (SQLite would otherwise leave new -wal and -shm files behind)."""
    if os.path.lexists(f"{path}-wal"):
        try:
            conn = connect_existing(path, "ro")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:  # no WAL index and a folder we cannot write
            conn.close()
    return connect_existing(path, "ro&immutable=1")


def corrupt_copies(path: Path) -> list[Path]:
    """Corrupt databases moved aside from ``path`` (``<name>.corrupt-<stamp>``, with WAL/SHM)."""
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


def remove_corrupt_copies(path: Path) -> int:
    """Delete the corrupt copies moved aside from ``path``; returns how many files went.

    At once, not after ``retention_days``: no call in an unreadable file can be dated, so
    keeping it would keep calls past their retention, and agent-assist cannot read it back."""
    removed = 0
    for copy in corrupt_copies(path):
        try:
            copy.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError as error:
            log.warning("history: cannot delete %s: %s", copy, error.strerror or error)
    if removed:
        log.info("history: deleted %d unreadable history file(s) moved aside", removed)
    return removed


def plain(error: sqlite3.Error) -> str:
    text = str(error)
    return f"the database is read-only ({text})" if "readonly" in text else text


def check_existing(path: Path) -> None:
    """Raise ``HistoryError`` unless ``path`` is a regular file that may be a SQLite history."""
    if not os.path.lexists(path):
        raise HistoryError(f"no history database at {path} (turn on privacy.history)")
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise HistoryError(f"{path}: not a history database (not a regular file)")
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise HistoryError(f"{path}: cannot read ({error.strerror or error})") from None
    if header and header != SQLITE_HEADER:
        raise HistoryError(f"{path}: not an agent-assist history database (not SQLite)")
