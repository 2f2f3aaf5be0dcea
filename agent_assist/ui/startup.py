"""A config that does not load at start: list every error, log them, and offer a way out.

The desktop app must not exit with one line on a stderr nobody sees. When the user's file is
at fault the agent can open Settings (the file's valid values are kept, the wrong ones go back
to their defaults) or reset to defaults; either way the broken file is kept next to it as
``config.toml.invalid-<time>``. A broken site (IT) file cannot be fixed by the agent: the dialog
names it and the app quits.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import ValidationError
from PySide6.QtWidgets import QApplication, QMessageBox

from agent_assist import paths
from agent_assist.config import Config, LoadedConfig
from agent_assist.errors import AgentAssistError

log = logging.getLogger(__name__)

_APP: list[QApplication] = []
"""The QApplication made for the dialog (``run_app`` then uses the same one)."""
Choice = Literal["settings", "reset", "quit"]
Ask = Callable[[list[str], Path | None], Choice]


@dataclass(frozen=True)
class Started:
    loaded: LoadedConfig
    open_settings: bool = False


def problems(path: Path, *, system: bool = False) -> list[str]:
    """Every error in one config file ('path: ui.scale: Input should be ...'); [] if fine."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return [f"{path}: cannot be read as TOML ({error})"]
    if system:
        data.pop("locked", None)
    try:
        Config.model_validate(data)
    except ValidationError as error:
        return [f"{path}: {_key(e['loc'])}: {e['msg']}" for e in error.errors()]
    return []


def without_errors(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` less the keys that do not validate (they fall back to their defaults)."""
    for _ in range(100):
        try:
            Config.model_validate(data)
            return data
        except ValidationError as error:
            for item in error.errors():
                _drop(data, item["loc"])
    return {}


def load_for_gui(
    load: Callable[[], LoadedConfig], user_file: Path | None = None, ask: Ask | None = None
) -> Started | None:
    """``load()``, or after a config error the agent's choice; None: quit."""
    try:
        return Started(load())
    except AgentAssistError as error:
        first = str(error)
    user_file = user_file or paths.user_config_file()
    site = problems(paths.system_config_file(), system=True)
    found = site or problems(user_file) or [first]
    for line in found:
        log.error("config: %s", line)
    fixable = not site and user_file.is_file() and bool(problems(user_file))
    choice = (ask or ask_with_dialog)(found, user_file if fixable else None)
    log.info("config problem: the user chose %s", choice)
    if choice == "quit" or not fixable:
        return None
    keep = choice == "settings"
    _set_aside(user_file, keep)
    return Started(load(), open_settings=keep)


def _set_aside(user_file: Path, keep_valid: bool) -> None:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = user_file.with_name(f"{user_file.name}.invalid-{stamp}")
    text = user_file.read_bytes()
    kept.write_bytes(text)
    log.warning("config: the file with errors is kept as %s", kept)
    data: dict[str, Any] = {}
    if keep_valid:
        try:
            data = without_errors(tomllib.loads(text.decode("utf-8")))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
    user_file.write_bytes(tomli_w.dumps(data).encode())


def ask_with_dialog(found: list[str], user_file: Path | None) -> Choice:
    """The start-up dialog: every error, and Open settings / Reset to defaults / Quit."""
    if QApplication.instance() is None:
        QApplication.setApplicationName("agent-assist")
        _APP.append(QApplication([]))
    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("agent-assist: settings problem")
    box.setText("agent-assist cannot start with these settings:")
    box.setInformativeText("\n".join(f"• {line}" for line in found))
    buttons: dict[object, Choice] = {}
    if user_file is not None:
        box.setDetailedText(
            f"Your file {user_file} is kept as {user_file.name}.invalid-<time> either way.\n"
            "Open settings keeps your other values; Reset to defaults starts afresh."
        )
        buttons[box.addButton("Open &settings", QMessageBox.ButtonRole.AcceptRole)] = "settings"
        buttons[box.addButton("&Reset to defaults", QMessageBox.ButtonRole.DestructiveRole)] = (
            "reset"
        )
    else:
        box.setDetailedText("This file is managed by your IT team: please send them this list.")
    quit_button = box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole)
    buttons[quit_button] = "quit"
    box.setEscapeButton(quit_button)
    box.exec()
    return buttons.get(box.clickedButton(), "quit")


def _key(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _drop(data: dict[str, Any], loc: tuple[int | str, ...]) -> None:
    """Remove the ``section.key`` (or the whole section) an error points at."""
    section = data.get(str(loc[0])) if loc else None
    if len(loc) >= 2 and isinstance(section, dict):
        section.pop(loc[1], None)
    elif loc:
        data.pop(str(loc[0]), None)
    else:
        data.clear()
