"""The app's commands as QActions, shared by the tray menu and the overlay's context menu."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget


class AppActions(QObject):
    """One QAction per command; the app connects ``triggered``/``toggled``, menus only show them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.listen = self._make(
            "Start &listening", "Start or stop listening to the call", checkable=True
        )
        self.pause = self._make(
            "&Pause for privacy", "Stop transcribing until resumed", checkable=True
        )
        self.show_overlay = self._make("Show &overlay", "Show or hide the overlay", checkable=True)
        self.compact = self._make("&Compact overlay", "Smaller overlay", checkable=True)
        self.click_through = self._make(
            "Click-&through overlay", "Mouse clicks pass through the overlay", checkable=True
        )
        self.keyboard = self._make(
            "Use overlay with &keyboard", "Give the overlay keyboard focus (Esc to leave)"
        )
        self.settings = self._make("&Settings…", "Open the settings")
        self.review = self._make("&Review last call…", "Open the post-call review")
        self.quit = self._make("&Quit", "Quit agent-assist")
        self.quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.pause.setEnabled(False)

    def _make(self, text: str, tip: str, *, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        return action

    def build_menu(self, parent: QWidget | None = None, *, with_view: bool = True) -> QMenu:
        menu = QMenu(parent)
        menu.setAccessibleName("agent-assist menu")
        menu.addAction(self.listen)
        menu.addAction(self.pause)
        menu.addSeparator()
        menu.addAction(self.show_overlay)
        if with_view:
            menu.addAction(self.compact)
            menu.addAction(self.click_through)
            menu.addAction(self.keyboard)
        menu.addSeparator()
        menu.addAction(self.settings)
        menu.addAction(self.review)
        menu.addSeparator()
        menu.addAction(self.quit)
        return menu

    def show_keyboard_shortcut(self, shortcut: str) -> None:
        """Name the global shortcut in the menu entry (none: the entry alone)."""
        text = "Use overlay with &keyboard"
        self.keyboard.setText(f"{text}\t{shortcut}" if shortcut else text)

    def set_running(self, running: bool, paused: bool) -> None:
        """Reflect the pipeline's state in the check marks without re-triggering them."""
        for action, value in ((self.listen, running), (self.pause, paused)):
            was = action.blockSignals(True)
            action.setChecked(value)
            action.blockSignals(was)
        self.pause.setEnabled(running)
        self.listen.setText("Stop &listening" if running else "Start &listening")

    def set_waiting(self, waiting: bool) -> None:
        """Listening is on but no audio device captures: say so in the menu entry."""
        if waiting and self.listen.isChecked():
            self.listen.setText("Stop &listening (no audio device yet)")
        elif self.listen.isChecked():
            self.listen.setText("Stop &listening")
