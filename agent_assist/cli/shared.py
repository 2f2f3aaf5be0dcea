"""What every command shares: the one-line message formats, the command-line flags that set
config keys, and the effective config they give.

``main`` loads the config once per run, with the flags given as its last, recorded layer
(``config show`` names each such value's flag), and passes the ``LoadedConfig`` to the command.
A flag that would change a key IT has locked is refused (the locked value stays): ``main`` says
so in one line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_assist import config as config_module
from agent_assist import logs
from agent_assist.config import Config, LoadedConfig

if TYPE_CHECKING:
    from agent_assist.redact import Redactor

log = logging.getLogger(__name__)
Flags = dict[str, tuple[str, Any]]
"""Dotted config key → (flag name, value given or None when the flag was not given)."""
Handler = Callable[[argparse.Namespace, LoadedConfig], int]
"""A command: its parsed arguments and the run's effective config → exit status."""


def error_line(message: str) -> None:
    print(f"agent-assist: error: {message}", file=sys.stderr)


def note_line(message: str) -> None:
    """One ``agent-assist: ...`` line on stderr."""
    print(f"agent-assist: {message}", file=sys.stderr)


def user_file(args: argparse.Namespace) -> Path | None:
    """The ``--config FILE`` given, else None (the user's default file)."""
    given = getattr(args, "config", None)
    return Path(given) if given else None


def global_flags(args: argparse.Namespace) -> Flags:
    """The flags every command has (before the command's name) that set a config key."""
    return {"logging.level": ("--log-level", getattr(args, "log_level", None))}


def command_flags(args: argparse.Namespace) -> Flags:
    """The chosen command's flags that set config keys (its ``config_flags`` default)."""
    flags: Callable[[argparse.Namespace], Flags] | None = getattr(args, "config_flags", None)
    return flags(args) if flags else {}


def load(args: argparse.Namespace, flags: Flags) -> LoadedConfig:
    """Defaults ← system file ← user file (``--config``) ← the ``flags`` given."""
    given = {key: pair for key, pair in flags.items() if pair[1] is not None}
    return config_module.load_layered(
        user_file(args),
        flags={key: value for key, (_name, value) in given.items()},
        flag_names={key: name for key, (name, _value) in given.items()},
    )


def say_notes(loaded: LoadedConfig) -> None:
    """Each note (locked keys a file tried to change) and refused flag: once on stderr, and in
    the log file."""
    for line in (*loaded.notes, *loaded.refused):
        note_line(line)
        log.warning("config: %s", line, extra=logs.FILE_ONLY)


def redactor_for(config: Config) -> Redactor | None:
    """The configured redactor, or None when outputs keep PII (``--no-redact``)."""
    if not config.privacy.redact_outputs:
        return None
    from agent_assist.redact import Redactor

    return Redactor.from_config(config)


def no_redact_flag(args: argparse.Namespace) -> tuple[str, bool | None]:
    """``--no-redact`` as a flag for ``privacy.redact_outputs`` (None when not given)."""
    return "--no-redact", (False if getattr(args, "no_redact", False) else None)
