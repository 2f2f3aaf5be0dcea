"""What the desktop app remembers between runs that is not a setting: window positions.

It lives in the user's state folder (``paths.user_state_dir()/ui-state.json``), never in
``config.toml``: moving the overlay does not rewrite the user's settings. The file is written
atomically (a temporary file renamed over it). An old config's ``ui.positions`` is read once,
when there is no state file yet, and moved here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_assist import paths
from agent_assist.tables import OutputError, write_private

log = logging.getLogger(__name__)

FILE_NAME = "ui-state.json"
Positions = dict[str, list[int]]


@dataclass
class UiState:
    positions: Positions = field(default_factory=dict)
    """Overlay position per screen name; the last key is the most recent."""


def state_file() -> Path:
    return paths.user_state_dir() / FILE_NAME


def load_state(path: Path | None = None, legacy_positions: Positions | None = None) -> UiState:
    """The saved state. Without a state file, ``legacy_positions`` (an old config's
    ``ui.positions``) are taken and written to it; an unreadable file gives the defaults."""
    path = path or state_file()
    if not path.exists():
        state = UiState(_positions(legacy_positions or {}))
        if state.positions:
            log.info("moving window positions from config.toml to %s", path)
            try:
                save_state(state, path)
            except (OSError, OutputError) as error:
                log.warning("cannot save the overlay position: %s", error)
        return state
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.warning("%s: cannot read UI state, using defaults (%s)", path, error)
        return UiState()
    return UiState(_positions(data.get("positions") if isinstance(data, dict) else None))


def save_state(state: UiState, path: Path | None = None) -> None:
    """Write ``state`` atomically; raises OutputError when the folder cannot be written."""
    path = path or state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, json.dumps({"positions": state.positions}, indent=1))


def _positions(value: Any) -> Positions:
    """Only well-formed entries (screen name → [x, y] integers); the rest is dropped."""
    if not isinstance(value, dict):
        return {}
    return {
        str(name): [int(point[0]), int(point[1])]
        for name, point in value.items()
        if isinstance(point, list)
        and len(point) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in point)
    }
