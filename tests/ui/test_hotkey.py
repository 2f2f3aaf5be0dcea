"""The global shortcut on a real X server: typed while another window has focus, it puts the
overlay in keyboard mode, and the number keys then act on the cards (keyboard only)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from agent_assist.ui.hotkey import parse
from tests.ui.xvfb import xvfb

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import time
    from PySide6.QtWidgets import QApplication, QLineEdit
    app = QApplication([])
    from agent_assist.config import UiConfig
    from agent_assist.ui.hotkey import GlobalHotkey
    from agent_assist.ui.overlay import Overlay
    from tests.ui import scenario
    from tests.ui.xvfb import press

    other = QLineEdit("another application")
    other.show(); other.activateWindow(); other.setFocus()
    overlay = Overlay(UiConfig(), 3)
    overlay.move(700, 40)
    overlay.show()
    for event in scenario.escalating():
        overlay.show_event(event)
    acted = []
    overlay.feedback.connect(lambda sid, action: acted.append((sid, action)))
    hotkey = GlobalHotkey("Ctrl+Alt+K")
    hotkey.pressed.connect(lambda: overlay.set_keyboard_mode(True))
    print("start:", repr(hotkey.start()), flush=True)

    def wait(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    def type_keys(*names):
        press(*names)
        wait(0.8)

    wait(1.0)
    print("before:", overlay.keyboard_mode, flush=True)
    type_keys("Control_L", "Alt_L", "k")
    print("after:", overlay.keyboard_mode, flush=True)
    type_keys("2")
    print("acted:", acted, flush=True)
    hotkey.stop()
    """
)


def test_parse_names_the_problem(qapp: QApplication) -> None:
    assert parse("Ctrl+Alt+K") == ("k", 4 | 8)
    assert parse("Meta+F9") == ("F9", 64)
    with pytest.raises(ValueError, match="needs Ctrl, Alt or Meta"):
        parse("K")


@pytest.mark.slow
def test_global_shortcut_enters_keyboard_mode_on_x11() -> None:
    with xvfb("1280x720", window_manager=True) as env:
        env["PYTHONPATH"] = str(ROOT)
        result = subprocess.run(
            [sys.executable, "-c", CHILD],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "start: ''" in out
    assert "before: False" in out and "after: True" in out
    assert "acted: [('supervisor-request', 'used')]" in out
