"""The tray icon: its colour follows the customer's mood and the app's state."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from agent_assist.ui import theme as themes
from agent_assist.ui.viewmodels import StatusModel, StatusTone

log = logging.getLogger(__name__)

ICON_SIZE = 64


def render_icon(
    score: float | None,
    uncertain: bool,
    tone: StatusTone,
    size: int = ICON_SIZE,
    *,
    paused: bool = False,
) -> QPixmap:
    """A filled disc in the mood colour, with a mark for the app state that does not rely on
    colour alone: stopped: hollow ring; paused: hollow ring with a pause sign; busy: dashed
    ring; error: disc with '!'."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(4, 4, size - 8, size - 8)
    ring = QPen(QColor("#20242a"), size / 16)
    if tone == "error":
        p.setPen(ring)
        p.setBrush(QColor("#e74c3c"))
        p.drawEllipse(rect)
        mark = QPen(QColor("white"), size / 9)
        mark.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(mark)
        p.drawLine(QPointF(size / 2, size * 0.27), QPointF(size / 2, size * 0.58))
        p.drawPoint(QPointF(size / 2, size * 0.74))
    elif tone == "idle":
        p.setPen(QPen(QColor("#8a94a0"), size / 9))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(rect.adjusted(size / 16, size / 16, -size / 16, -size / 16))
        if paused:
            bar = QPen(QColor("#8a94a0"), size / 9)
            p.setPen(bar)
            for x in (size * 0.42, size * 0.58):
                p.drawLine(QPointF(x, size * 0.34), QPointF(x, size * 0.66))
    else:
        busy = QPen(QColor("#f0a500"), size / 9, Qt.PenStyle.DashLine)
        p.setPen(busy if tone == "busy" else ring)
        p.setBrush(themes.mood_color(score, uncertain))
        p.drawEllipse(rect)
    p.end()
    return pixmap


class Tray(QObject):
    """Wraps QSystemTrayIcon; does nothing visible when the desktop has no tray."""

    activated = Signal()

    def __init__(self, menu: QMenu, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.icon = QSystemTrayIcon(parent)
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._on_activated)
        self.tone: StatusTone = "idle"
        self.paused = False
        self.score: float | None = None
        self.uncertain = False
        self.tooltip = ""
        self._last_error = ""
        self._render()
        if self.available:
            self.icon.show()
        else:
            log.info("no system tray: the overlay's context menu is the way in")

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.activated.emit()

    def show_mood(self, score: float | None, uncertain: bool) -> None:
        self.score, self.uncertain = score, uncertain
        self._render()

    def show_status(self, status: StatusModel) -> None:
        self.tone = status.tone
        self.paused = status.state == "paused"
        self.tooltip = f"agent-assist: {status.text()}"
        self._render()
        if status.tone == "error" and status.text() != self._last_error:
            self._last_error = status.text()
            if self.available and QSystemTrayIcon.supportsMessages():
                self.icon.showMessage(
                    "agent-assist", status.text(), QSystemTrayIcon.MessageIcon.Warning, 8000
                )

    def _render(self) -> None:
        self.pixmap = render_icon(self.score, self.uncertain, self.tone, paused=self.paused)
        self.icon.setIcon(QIcon(self.pixmap))
        self.icon.setToolTip(self.tooltip or "agent-assist")

    def hide(self) -> None:
        self.icon.hide()
