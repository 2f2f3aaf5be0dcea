"""Logging setup: named loggers, a rotating file in the user log dir, warnings on stderr.

Log records never contain transcript text: stages log counts, times, states, ids and file
names only (``tests/test_logs.py`` runs the engine at DEBUG and greps the file), and every line
passes the config's redactor on its way out, so a card number in an error message or a phone
number in a file name is redacted in the file and on stderr (so are digit runs inside hashes).
The log file is user-only (0600) and rotates at 2 MB, keeping 5 old files. faster-whisper's
per-chunk INFO lines are kept out unless the level is DEBUG.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from collections import deque
from io import TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_assist import paths

if TYPE_CHECKING:
    from agent_assist.config import LoadedConfig
    from agent_assist.redact import Redactor

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 2_000_000
BACKUPS = 5
# Libraries that log a line per decoded chunk at INFO; they log warnings only unless we log DEBUG.
CHATTY = ("faster_whisper",)


FILE_ONLY = {"file_only": True}
"""``extra=FILE_ONLY`` keeps a record off stderr (for what the user was already told there)."""


class _NotFileOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


class _Redacting(logging.Formatter):
    """Formats a record with its message and traceback redacted. A formatter, not a filter: it
    runs after every handler filter (the call-name scrubber sees the raw path it replaces)."""

    def __init__(self, fmt: str, redactor: Redactor) -> None:
        super().__init__(fmt)
        self.redactor = redactor

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = self.redactor.redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return self.redactor.redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return self.redactor.redact(super().formatStack(stack_info))


def log_file() -> Path:
    return paths.user_log_dir() / "agent-assist.log"


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """A rotating file that only its user can read, including every rotated file."""

    def _open(self) -> TextIOWrapper:
        old = os.umask(0o077)
        try:
            return super()._open()
        finally:
            os.umask(old)


def setup(
    level: str = "INFO",
    *,
    to_file: bool = True,
    stderr_level: str = "WARNING",
    redactor: Redactor | None = None,
) -> None:
    """Log ``level`` and above to the file; stderr shows ``stderr_level`` and above (never
    less than ``level``). Every line is redacted first (``redactor``, default: the default
    redactor), so personal data that reaches a log message never reaches the file."""
    from agent_assist.redact import Redactor

    redactor = redactor or Redactor()
    root = logging.getLogger()
    root.setLevel(level)
    quiet = logging.getLevelName(level) > logging.DEBUG
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(max(logging.getLevelName(stderr_level), logging.getLevelName(level)))
    console.setFormatter(_Redacting("%(levelname)s %(name)s: %(message)s", redactor))
    console.addFilter(_NotFileOnly())
    root.addHandler(console)
    if to_file:
        try:
            log_file().parent.mkdir(parents=True, exist_ok=True)
            handler = _PrivateRotatingHandler(
                log_file(), maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
        except OSError as error:
            root.warning("cannot write log file %s: %s", log_file(), error.strerror)
            return
        handler.setFormatter(_Redacting(FORMAT, redactor))
        root.addHandler(handler)


def setup_from_config(loaded: LoadedConfig, *, to_file: bool = True) -> None:
    """Log at the effective ``logging.level`` (system ← user ← ``--log-level``, locks honoured),
    redacted by the config's redactor (``privacy.redact_keep`` honoured).

    stderr shows that level too when it came from the command line, else warnings and above."""
    from agent_assist.redact import Redactor

    level = loaded.config.logging.level
    from_flag = loaded.origins.get("logging.level", "").startswith(("flag:", "command line"))
    stderr_level = level if from_flag else "WARNING"
    redactor = Redactor.from_config(loaded.config)
    setup(level, to_file=to_file, stderr_level=stderr_level, redactor=redactor)


def tail(lines: int = 200, path: Path | None = None) -> list[str]:
    """The last ``lines`` lines of the log (across the newest rotated file if needed)."""
    path = path or log_file()
    files = [path.with_name(f"{path.name}.1"), path]
    kept: deque[str] = deque(maxlen=lines)
    for item in files:
        if item.is_file():
            with item.open(encoding="utf-8", errors="replace") as handle:
                kept.extend(line.rstrip("\n") for line in handle)
    return list(kept)
