"""Headless sub-commands (``analyze``, ``sentiment``) and what every command shares: the one-line
error format and the effective config with command-line flags as its last layer.

A flag that would change a key IT has locked is refused (the locked value stays) with one line
on stderr, printed once per run however often the config is loaded.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_assist import config as config_module
from agent_assist.config import Config

if TYPE_CHECKING:
    from agent_assist.redact import Redactor

_said: set[str] = set()


def error_line(message: str) -> None:
    print(f"agent-assist: error: {message}", file=sys.stderr)


def note_line(message: str) -> None:
    """One ``agent-assist: ...`` line on stderr, at most once per run."""
    if message not in _said:
        _said.add(message)
        print(f"agent-assist: {message}", file=sys.stderr)


def new_run() -> None:
    """Forget the lines already said (``main`` is one run)."""
    _said.clear()


def load_layered(
    args: argparse.Namespace, flags: Mapping[str, tuple[str, Any]] | None = None
) -> config_module.LoadedConfig:
    """The effective config; ``flags`` maps dotted keys to ``(flag name, value)`` for the flags
    given (value not None). Refused flags are reported on stderr."""
    given = {key: pair for key, pair in (flags or {}).items() if pair[1] is not None}
    with _lock_lines_held():
        loaded = config_module.load_layered(
            Path(args.config) if getattr(args, "config", None) else None,
            flags={key: value for key, (_name, value) in given.items()},
            flag_names={key: name for key, (name, _value) in given.items()},
        )
    for line in (*loaded.notes, *loaded.refused):
        note_line(line)
    return loaded


class _LockLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("config key ")


@contextmanager
def _lock_lines_held() -> Iterator[None]:
    """``config`` logs each locked-key line as a warning, once per load; the command prints
    each line once instead (``note_line``)."""
    logger = logging.getLogger(config_module.__name__)
    held = _LockLines()
    logger.addFilter(held)
    try:
        yield
    finally:
        logger.removeFilter(held)


def load_config(
    args: argparse.Namespace, flags: Mapping[str, tuple[str, Any]] | None = None
) -> Config:
    return load_layered(args, flags).config


def redactor_for(config: Config) -> Redactor | None:
    """The configured redactor, or None when outputs keep PII (``--no-redact``)."""
    if not config.privacy.redact_outputs:
        return None
    from agent_assist.redact import Redactor

    return Redactor.from_config(config)


def no_redact_flag(args: argparse.Namespace) -> tuple[str, bool | None]:
    """``--no-redact`` as a flag for ``privacy.redact_outputs`` (None when not given)."""
    return "--no-redact", (False if getattr(args, "no_redact", False) else None)
