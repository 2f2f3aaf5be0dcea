"""Window positions are UI state in the user's state folder, not settings in config.toml."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from agent_assist import config as config_io
from agent_assist import paths
from agent_assist.config import Config
from agent_assist.ui.app import AgentAssistApp
from agent_assist.ui.devices import DeviceListing
from tests.ui import scenario
from tests.ui.conftest import FakeFactory


def open_app(qtbot: QtBot) -> AgentAssistApp:
    app = AgentAssistApp(
        config_io.load(),
        FakeFactory(scenario.full_call()),
        devices=lambda: DeviceListing(problem="no audio input devices found"),
    )
    qtbot.addWidget(app.overlay)
    app.show()
    return app


def screen_name() -> str:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    return screen.name()


def test_moving_the_overlay_leaves_config_toml_alone_and_is_restored(qtbot: QtBot) -> None:
    user_file = paths.user_config_file()
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text("[ui]\ntheme = 'light'\n")
    app = open_app(qtbot)
    app.overlay.move(40, 30)
    app.overlay.save_position()
    app.shutdown()
    assert user_file.read_text() == "[ui]\ntheme = 'light'\n"
    from agent_assist.ui.state import state_file

    stored = json.loads(state_file().read_text())
    assert stored == {"positions": {screen_name(): [40, 30]}}
    assert state_file().parent == paths.user_state_dir()
    again = open_app(qtbot)
    assert (again.overlay.x(), again.overlay.y()) == (40, 30)
    again.shutdown()


def test_an_old_config_s_positions_are_moved_once_and_no_longer_saved(qtbot: QtBot) -> None:
    from agent_assist.ui.state import load_state

    user_file = paths.user_config_file()
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text(f"[ui]\npositions = {{ {json.dumps(screen_name())} = [60, 50] }}\n")
    app = open_app(qtbot)
    assert (app.overlay.x(), app.overlay.y()) == (60, 50)
    assert load_state().positions == {screen_name(): [60, 50]}
    app.actions.compact.trigger()  # a settings save rewrites config.toml
    app.shutdown()
    assert "positions" not in user_file.read_text() and "compact = true" in user_file.read_text()
    again = open_app(qtbot)
    assert (again.overlay.x(), again.overlay.y()) == (60, 50)
    again.shutdown()


def test_an_unreadable_state_file_gives_defaults_and_is_replaced(isolated_dirs: Path) -> None:
    from agent_assist.ui.state import UiState, load_state, save_state, state_file

    path = state_file()
    path.parent.mkdir(parents=True)
    for text in ("{not json", '{"positions": {"DP-1": [1, "2"], "HDMI-1": [3, 4, 5]}}', "[]"):
        path.write_text(text)
        assert load_state(legacy_positions={"DP-1": [7, 8]}) == UiState()
    save_state(UiState({"DP-1": [1, 2]}))
    assert load_state().positions == {"DP-1": [1, 2]}
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "no temporary left"


def test_saving_a_config_never_writes_positions(isolated_dirs: Path) -> None:
    config = Config.model_validate({"ui": {"positions": {"DP-1": [1, 2]}, "theme": "light"}})
    path = config_io.save(config)
    assert path.read_text() == '[ui]\ntheme = "light"\n'


def test_a_state_folder_that_cannot_be_written_keeps_the_moved_positions(tmp_path: Path) -> None:
    from agent_assist.ui.state import load_state

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    state = load_state(blocked / "ui-state.json", legacy_positions={"DP-1": [5, 6]})
    assert state.positions == {"DP-1": [5, 6]}
    assert blocked.read_text() == "not a folder"
