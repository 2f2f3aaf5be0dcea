"""The tray icon's colour follows the mood and the state; no tray is a normal desktop."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QMenu, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from agent_assist.events import PipelineStatus
from agent_assist.ui.tray import Tray, render_icon
from agent_assist.ui.viewmodels import MOOD_GREEN, MOOD_GREY, MOOD_RED, StatusModel


def centre(score: float | None, uncertain: bool, tone: str) -> tuple[int, int, int, int]:
    image = render_icon(score, uncertain, tone).toImage()  # type: ignore[arg-type]
    c = image.pixelColor(image.width() // 2, image.height() // 3)
    return c.red(), c.green(), c.blue(), c.alpha()


def test_icon_colour_follows_mood(qapp: object) -> None:
    assert centre(-1.0, False, "ok")[:3] == MOOD_RED
    assert centre(1.0, False, "ok")[:3] == MOOD_GREEN
    assert centre(-1.0, True, "ok")[:3] == MOOD_GREY
    assert centre(None, False, "ok")[:3] == MOOD_GREY


def test_icon_marks_state(qapp: object) -> None:
    assert centre(0.8, False, "idle")[3] == 0  # hollow ring when stopped or paused
    error = render_icon(0.8, False, "error").toImage()
    beside_mark = error.pixelColor(error.width() // 3, error.height() // 2)
    assert beside_mark.red() > 200 and beside_mark.green() < 100
    mark = error.pixelColor(error.width() // 2, error.height() // 2)
    assert (mark.red(), mark.green(), mark.blue()) == (255, 255, 255)
    busy = render_icon(0.8, False, "busy").toImage()
    rim = busy.pixelColor(busy.width() // 2, 4)
    assert (rim.red(), rim.green()) == (240, 165)


def test_paused_and_stopped_differ_in_shape_not_only_colour(qapp: object) -> None:
    stopped = render_icon(0.8, False, "idle").toImage()
    paused = render_icon(0.8, False, "idle", paused=True).toImage()
    at = (round(stopped.width() * 0.42), stopped.height() // 2)
    assert stopped.pixelColor(*at).alpha() == 0 and paused.pixelColor(*at).alpha() > 200
    busy = render_icon(0.8, False, "busy").toImage()
    ok = render_icon(0.8, False, "ok").toImage()
    centre_, radius = 32, 28
    rim = [
        (round(centre_ + radius * math.cos(a / 20)), round(centre_ + radius * math.sin(a / 20)))
        for a in range(126)
    ]
    assert len({busy.pixelColor(x, y).alpha() > 0 for x, y in rim}) == 2, "a dashed ring"
    assert len({ok.pixelColor(x, y).alpha() > 0 for x, y in rim}) == 1


def test_tray_without_system_tray(qtbot: QtBot) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen
    menu = QMenu()
    tray = Tray(menu)
    assert not tray.available
    status = StatusModel()
    status.update(PipelineStatus("error", "speech model missing: base.en"))
    tray.show_status(status)
    tray.show_mood(-0.7, False)
    assert tray.tooltip == "agent-assist: Error · speech model missing: base.en"
    assert tray.icon.toolTip() == tray.tooltip
    assert tray.pixmap.toImage().pixelColor(20, 32).green() < 100
