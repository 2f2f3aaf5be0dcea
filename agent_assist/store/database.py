"""The history database's life cycle: opening (the app's way and the commands' way), checking,
migrating, transactions, retention and closing. ``History`` adds the calls themselves."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from agent_assist.store.files import (
    HistoryError,
    check_existing,
    connect_existing,
    connect_read_only,
    plain,
    remove_corrupt_copies,
)
from agent_assist.store.schema import SCHEMA_VERSION, TABLES, migrate

log = logging.getLogger(__name__)


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), timeout=5.0, isolation_level=None, check_same_thread=False)


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class _Corrupt(Exception):
    pass


class _NewerSchema(Exception):
    pass


class HistoryDatabase:
    """One history file and its connection; ``enabled`` is False once writing failed, and
    always when opened read-only."""

    def __init__(self, path: Path, retention_days: int) -> None:
        self.path = path
        self.retention_days = retention_days
        self.enabled = False
        self.problem: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._last_retention: datetime | None = None
        self._hide_before = ""
        """Read-only: calls (and feedback) before this UTC time are past retention; not shown."""

    @property
    def readable(self) -> bool:
        """Whether stored calls can be read (they may be, with ``enabled`` False)."""
        return self._conn is not None

    def __enter__(self) -> Self:
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
        except PermissionError as error:
            verb = "write" if self.path.exists() else "create"
            self._disable(f"cannot {verb} {self.path}: {error.strerror or error}")
            return
        except OSError as error:
            self._disable(f"cannot create {self.path}: {error.strerror or error}")
            return
        except _Corrupt as error:
            self._discard_corrupt(str(error))
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
            self._disable(f"cannot write {self.path}: {plain(error)}")
        except (_NewerSchema, HistoryError) as error:
            self._disable(str(error))

    def _start_existing(self, write: bool) -> None:
        check_existing(self.path)
        try:
            self._conn = self._connect_existing(write)
            version = self._version()
            if write:
                self.enabled = True
                self._migrate()
                self.apply_retention()
                if self.problem:
                    raise HistoryError(self.problem)
            else:
                if version < SCHEMA_VERSION:
                    self._conn = self._upgraded_copy(version)
                cutoff = datetime.now(UTC) - timedelta(days=self.retention_days)
                self._hide_before = utc_text(cutoff)
        except sqlite3.OperationalError as error:
            raise HistoryError(f"cannot write {self.path}: {plain(error)}") from None
        except sqlite3.DatabaseError as error:
            raise HistoryError(f"{self.path}: history database is corrupt ({error})") from None
        except (_Corrupt, _NewerSchema) as error:
            raise HistoryError(f"{self.path}: {error}") from None

    def _connect_existing(self, write: bool) -> sqlite3.Connection:
        conn = connect_read_only(self.path)  # checked first: a failed check leaves no trace
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()
        except BaseException:
            conn.close()
            raise
        if not result or result[0] != "ok":
            conn.close()
            raise _Corrupt(f"history database is corrupt ({result[0] if result else 'no answer'})")
        if write:
            conn.close()
            conn = connect_existing(self.path, "rw")
        conn.execute("PRAGMA foreign_keys = ON")
        if write:
            for pragma in ("secure_delete = ON", "synchronous = NORMAL"):
                conn.execute(f"PRAGMA {pragma}")
        return conn

    def _upgraded_copy(self, version: int) -> sqlite3.Connection:
        """An in-memory copy of the database at the current schema (reading never migrates)."""
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._db().backup(memory)
        self._db().close()
        memory.execute("BEGIN")
        migrate(memory, version, f"{self.path} (in memory)")
        memory.execute("COMMIT")
        return memory

    def _version(self) -> int:
        """The schema version; 0 for an empty database. Raises ``HistoryError`` for a database
        that is not ours and ``_NewerSchema`` for one from a newer agent-assist."""
        conn = self._db()
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not tables:
            return 0
        if not tables >= TABLES:
            raise HistoryError(f"{self.path}: not an agent-assist history database")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        version = int(row[0]) if row and row[0] is not None else 0
        if version > SCHEMA_VERSION:
            raise _NewerSchema(
                f"{self.path}: schema version {version} is newer than this agent-assist"
                f" ({SCHEMA_VERSION}); history is off"
            )
        return version

    def _prepare_files(self) -> None:
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise PermissionError(13, "the file is read-only", str(self.path))
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self.path.chmod(0o600)

    def _connect_checked(self) -> sqlite3.Connection:
        conn = connect(self.path)
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

    def _discard_corrupt(self, reason: str) -> None:
        """Move the corrupt database aside (freeing its name at once), then delete the copy:
        no call in it can be read back, or dated for retention."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                source.replace(Path(f"{target}{suffix}"))
        remove_corrupt_copies(self.path)
        log.warning(
            "history database %s is corrupt (%s); deleted it and started a new one",
            self.path,
            reason,
        )

    def _migrate(self) -> None:
        conn = self._db()
        with self._lock, self._transaction():
            version = self._version()
            if version < SCHEMA_VERSION:
                migrate(conn, version, str(self.path))

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
            self._disable(f"cannot write {self.path}: {plain(error)}")
            return None

    def apply_retention(self, now: datetime | None = None) -> int:
        """Delete calls (and feedback) older than ``retention_days``; returns calls deleted."""
        now = now or datetime.now(UTC)
        cutoff = utc_text(now - timedelta(days=self.retention_days))

        def expire(conn: sqlite3.Connection) -> int:
            conn.execute("DELETE FROM feedback WHERE at < ?", (cutoff,))
            return int(conn.execute("DELETE FROM calls WHERE started_at < ?", (cutoff,)).rowcount)

        count = self._write(expire) or 0
        self._last_retention = now
        if self.enabled:
            remove_corrupt_copies(self.path)
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
