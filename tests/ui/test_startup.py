"""A config that does not load at start: every error listed and logged, and a way out."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from agent_assist import config as config_module
from agent_assist import paths
from agent_assist.cli import main
from agent_assist.ui.startup import ask_with_dialog, load_for_gui, problems

BROKEN = '[ui]\nscale = 9\nopacity = 5.0\ntheme = "light"\n'


def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BROKEN)
    return path


def test_every_error_is_listed(tmp_path: Path) -> None:
    found = problems(broken_file(tmp_path))
    assert len(found) == 2
    assert {f.split(": ")[1] for f in found} == {"ui.scale", "ui.opacity"}


@pytest.mark.parametrize("choice", ["settings", "reset"])
def test_open_settings_keeps_valid_values_and_reset_starts_afresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, choice: str
) -> None:
    user_file = broken_file(tmp_path)
    asked: list[tuple[list[str], Path | None]] = []

    def ask(found: list[str], fixable: Path | None) -> str:
        asked.append((found, fixable))
        return choice

    with caplog.at_level(logging.ERROR, logger="agent_assist.ui.startup"):
        started = load_for_gui(
            lambda: config_module.load_layered(user_file),
            user_file,
            ask,  # type: ignore[arg-type]
        )
    assert started is not None and started.open_settings == (choice == "settings")
    assert asked[0][1] == user_file and len(asked[0][0]) == 2
    assert sum("ui.scale" in r.message or "ui.opacity" in r.message for r in caplog.records) == 2
    ui = started.loaded.config.ui
    assert (ui.scale, ui.opacity) == (1.0, 0.92)
    assert ui.theme == ("light" if choice == "settings" else "dark")
    (kept,) = tmp_path.glob("config.toml.invalid-*")
    assert kept.read_text() == BROKEN, "nothing the agent wrote is lost"


def test_quit_and_a_broken_site_file_cannot_be_fixed_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_file = broken_file(tmp_path)
    load = lambda: config_module.load_layered(user_file)  # noqa: E731
    assert load_for_gui(load, user_file, lambda found, fixable: "quit") is None
    site = paths.system_config_file()
    site.write_text("[asr]\nbeam_size = -1\n")
    user_file.write_text("")
    asked: list[Path | None] = []
    choose = lambda found, fixable: asked.append(fixable) or "reset"  # noqa: E731
    assert load_for_gui(load, user_file, choose) is None
    assert asked == [None] and site.read_text().startswith("[asr]")


def test_the_dialog_lists_the_errors_and_offers_settings(qtbot: QtBot, tmp_path: Path) -> None:
    seen: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.informativeText())
        (button,) = [b for b in box.buttons() if "settings" in b.text()]
        button.click()

    QTimer.singleShot(100, click)
    found = problems(broken_file(tmp_path))
    assert ask_with_dialog(found, tmp_path / "config.toml") == "settings"
    assert "ui.scale" in seen[0] and "ui.opacity" in seen[0]


def test_desktop_app_shows_the_dialog_instead_of_exiting(qtbot: QtBot, tmp_path: Path) -> None:
    user_file = broken_file(tmp_path)
    shown: list[str] = []

    def quit_dialog() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, quit_dialog)
            return
        shown.append(box.informativeText())
        (button,) = [b for b in box.buttons() if "Quit" in b.text()]
        button.click()

    QTimer.singleShot(50, quit_dialog)
    assert main(["--config", str(user_file)]) == 2
    assert shown and "ui.scale" in shown[0]
