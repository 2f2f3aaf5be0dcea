"""Logging setup: named loggers, a rotating file in the user log dir, warnings on stderr.

Log records never contain transcript text; stages log counts, times and states only.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from agent_assist import paths

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_file() -> Path:
    return paths.user_log_dir() / "agent-assist.log"


def setup(level: str = "INFO", *, to_file: bool = True, stderr_level: str = "WARNING") -> None:
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(min(logging.getLevelName(stderr_level), logging.getLevelName(level)))
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)
    if to_file:
        try:
            log_file().parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                log_file(), maxBytes=2_000_000, backupCount=5, encoding="utf-8"
            )
        except OSError as error:
            root.warning("cannot write log file %s: %s", log_file(), error.strerror)
            return
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
