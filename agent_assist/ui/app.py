"""The desktop app: wires the engine's runner, the bridge, overlay, tray, settings and review."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from agent_assist import config as config_io
from agent_assist.config import Config
from agent_assist.edge import OutputEdge
from agent_assist.errors import AgentAssistError
from agent_assist.events import (
    CallSummary,
    Event,
    EventHandler,
    MoodUpdate,
    PipelineStatus,
    dispatch,
)
from agent_assist.tables import OutputError
from agent_assist.ui import theme as themes
from agent_assist.ui.actions import AppActions
from agent_assist.ui.bridge import EventBridge
from agent_assist.ui.devices import DeviceProvider, query_devices
from agent_assist.ui.export import configured_exporter, export_record
from agent_assist.ui.hotkey import GlobalHotkey
from agent_assist.ui.keeper import CallKeeper
from agent_assist.ui.overlay import Overlay
from agent_assist.ui.review import Exporter, ReviewWindow, fit_on_screen
from agent_assist.ui.session import (
    RunnerFactory,
    RunnerHost,
)
from agent_assist.ui.settings import SettingsDialog
from agent_assist.ui.state import load_state, save_state
from agent_assist.ui.tray import Tray
from agent_assist.ui.viewmodels import CallRecord, remember_position

log = logging.getLogger(__name__)

ENDED_STATES = {"stopped", "error"}
DEVICE_STATES = {"no_device", "device_lost"}
"""A device state ends the run only without a role: a lost side alone is retried by the runner."""


class AgentAssistApp(QObject):
    """The app's controller; widgets only render what it forwards."""

    def __init__(
        self,
        config: Config,
        runner_factory: RunnerFactory,
        *,
        save_config: Callable[[Config], object] = config_io.save,
        locked: frozenset[str] = frozenset(),
        devices: DeviceProvider = query_devices,
        exporter: Exporter | None = export_record,
        load_config: Callable[[], Config] | None = None,
    ) -> None:
        """``load_config`` re-reads the effective config after Settings saved it (locks
        apply); None: the dialog's config is used as it is."""
        super().__init__()
        self.config = config
        self.save_config = save_config
        self.load_config = load_config
        self.ui_state = load_state(legacy_positions=config.ui.positions)
        self.locked = locked
        self.devices = devices
        self.exporter = configured_exporter(config) if exporter is export_record else exporter
        self.bridge = EventBridge(self)
        self.host = RunnerHost(runner_factory, self.bridge.post)
        self.actions = AppActions(self)
        self.tray = Tray(self.actions.build_menu(), self)
        self.overlay = Overlay(
            config.ui, config.guidance.max_visible, tray_available=self.tray.available
        )
        self.overlay.context_menu = self.actions.build_menu(self.overlay)
        self.record = CallRecord()
        self.last_record: CallRecord | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.review_window: ReviewWindow | None = None
        self.keeper = CallKeeper(config, self._notify)
        self.edge = self._edge(self.record)
        self._runs: dict[int, tuple[CallRecord, OutputEdge]] = {}
        self._handler = _AppEvents(self)
        self.hotkey: GlobalHotkey | None = None
        self._connect()

    # wiring -------------------------------------------------------------------------------
    def _connect(self) -> None:
        self.bridge.received.connect(self.on_event)
        a = self.actions
        a.listen.toggled.connect(lambda on: self.start() if on else self.stop())
        a.pause.toggled.connect(self.set_paused)
        a.show_overlay.toggled.connect(self.set_overlay_visible)
        a.compact.toggled.connect(self._set_compact)
        a.click_through.toggled.connect(self._set_click_through)
        a.keyboard.triggered.connect(lambda: self.overlay.set_keyboard_mode(True))
        a.settings.triggered.connect(self.open_settings)
        a.review.triggered.connect(self.open_review)
        a.quit.triggered.connect(self.quit)
        self.tray.activated.connect(lambda: a.show_overlay.toggle())
        self.overlay.feedback.connect(self.on_feedback)
        self.overlay.moved.connect(self.on_moved)
        for action, value in (
            (a.compact, self.config.ui.compact),
            (a.click_through, self.config.ui.click_through),
        ):
            action.setChecked(value)
        a.click_through.setEnabled(self.tray.available)
        if not self.tray.available:
            a.show_overlay.setEnabled(False)

    def show(self) -> None:
        self.overlay.restore_position(self.ui_state.positions)
        self.set_overlay_visible(True)
        if not self.tray.available:
            self._notify("no system tray: right-click the overlay")
        self.start_hotkey()

    def start_hotkey(self) -> None:
        """The global shortcut into keyboard mode (why there is none goes to the log)."""
        if self.hotkey is not None:
            self.hotkey.stop()
        shortcut = self.config.ui.keyboard_shortcut
        self.hotkey = GlobalHotkey(shortcut, self)
        self.hotkey.pressed.connect(lambda: self.overlay.set_keyboard_mode(True))
        problem = self.hotkey.start()
        self.actions.show_keyboard_shortcut("" if problem else shortcut)
        if problem:
            log.warning("no global keyboard shortcut: %s", problem)

    # pipeline -----------------------------------------------------------------------------
    def start(self) -> None:
        if self.host.active:
            return
        self.record = CallRecord(started_at=datetime.now(UTC))
        self.overlay.reset()
        self.edge = self._edge(self.record)
        run = self.host.start(self.config)
        if run is not None:
            self._runs = {n: call for n, call in self._runs.items() if n >= run - 1}
            self._runs[run] = (self.record, self.edge)
        self.actions.set_running(True, False)

    def stop(self) -> None:
        self.host.stop()
        self.actions.set_running(False, False)

    def set_paused(self, paused: bool) -> None:
        self.host.set_paused(paused)

    def on_event(self, event: Event, run: int | None = None) -> None:
        """Every engine event, on the GUI thread, out through its call's edge. ``run`` None
        (the app's own notices) or the run on screen: the overlay and the app react. The late
        end of the call before (its last words and summary, after a quick Stop and Start)
        goes to that call's record and history only; older events are dropped."""
        if run is None or run == self.host.generation:
            self.edge(event)
            dispatch(event, self._handler)
            return
        if run not in self._runs:
            log.debug("dropped a %s of run %d", type(event).__name__, run)
            return
        record, edge = self._runs[run]
        edge(event)
        if isinstance(event, CallSummary):
            self._keep(record, event)

    def _edge(self, record: CallRecord) -> OutputEdge:
        """A call's output edge: one redaction (the config's, ``redact_keep`` honoured) for
        the overlay, the call record, its history row and exports. The overlay gets the words
        as said when ``privacy.redact_overlay`` is off; everything kept is redacted. Only the
        call on screen paints the overlay."""

        def paint(event: Event) -> None:
            if record is self.record:
                self.overlay.show_event(event)

        edge = OutputEdge.from_config(self.config, [record.add], redact=True)
        edge.add_sink(paint, raw=not self.config.privacy.redact_overlay)
        return edge

    def _on_status(self, event: PipelineStatus) -> None:
        self.tray.show_status(self.overlay.state.status)
        if event.state in ENDED_STATES or (event.state in DEVICE_STATES and event.role is None):
            self.host.finished()
            self.actions.set_running(False, False)
        elif event.state == "paused":
            self.actions.set_running(True, True)
        elif event.state in ("listening", "behind"):
            self.actions.set_running(True, False)
        self.actions.set_waiting(self.overlay.state.status.waiting_for_devices)

    def _on_summary(self, summary: CallSummary) -> None:
        self._keep(self.record, summary)

    def _keep(self, record: CallRecord, summary: CallSummary) -> None:
        """A call ended: it becomes the one to review, and goes to history when that is on."""
        self.last_record = record
        self.keeper.save_call(record, summary)
        if self.review_window is not None and self.review_window.isVisible():
            self.review_window.show_session_record(record)

    # feedback, history, position ----------------------------------------------------------
    def on_feedback(self, suggestion_id: str, action: str) -> None:
        feedback = self.overlay.state.deck.feedback
        if feedback and feedback[-1].suggestion_id == suggestion_id:
            self.record.feedback.append(feedback[-1])
        self.keeper.save_feedback(suggestion_id, action)

    def _notify(self, message: str) -> None:
        """A one-line notice in the status line and the tray (posted: never re-entrant)."""
        self.bridge.post(PipelineStatus(state="info", message=message))

    def on_moved(self, screen: str, x: int, y: int) -> None:
        self.ui_state.positions = remember_position(self.ui_state.positions, screen, x, y)
        try:
            save_state(self.ui_state)
        except (OSError, OutputError) as error:
            log.warning("cannot save the overlay position: %s", error)

    def _save(self) -> None:
        try:
            self.save_config(self.config)
        except Exception as error:  # noqa: BLE001
            log.warning("cannot save config: %s", error)
            self._notify(f"settings not saved: {error}")

    # views --------------------------------------------------------------------------------
    def set_overlay_visible(self, visible: bool) -> None:
        if not visible and not self.tray.available:
            visible = True
        self.overlay.setVisible(visible)
        was = self.actions.show_overlay.blockSignals(True)
        self.actions.show_overlay.setChecked(visible)
        self.actions.show_overlay.blockSignals(was)

    def _set_compact(self, on: bool) -> None:
        self.overlay.set_compact(on)
        self.config = config_io.with_values(self.config, {"ui.compact": on})
        self._save()

    def _set_click_through(self, on: bool) -> None:
        self.overlay.set_click_through(on)
        self.config = config_io.with_values(self.config, {"ui.click_through": on})
        self._save()

    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            dialog = SettingsDialog(
                self.config, locked=self.locked, devices=self.devices, save=self.save_config
            )
            dialog.saved.connect(self.apply_config)
            dialog.finished.connect(self._settings_closed)
            self.settings_dialog = dialog
        self.overlay.set_on_top(False)
        self.settings_dialog.show()
        self._fit(self.settings_dialog)
        self.settings_dialog.raise_()
        self.settings_dialog.activateWindow()
        return self.settings_dialog

    def _settings_closed(self) -> None:
        self.settings_dialog = None
        self._own_window_closed()

    def _own_window_closed(self, review_closing: bool = False) -> None:
        """The overlay is on top again once none of the app's own windows is open."""
        review = self.review_window
        review_open = review is not None and review.isVisible() and not review_closing
        if self.settings_dialog is None and not review_open:
            self.overlay.set_on_top(True)

    def _fit(self, window: QWidget) -> None:
        screen = window.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            fit_on_screen(window, screen.availableGeometry())

    def apply_config(self, config: Config) -> None:
        """New settings: the look applies now; engine settings on the next start."""
        config = self._effective(config)
        engine_changed = any(
            getattr(config, s) != getattr(self.config, s)
            for s in ("asr", "audio", "vad", "sentiment", "mood", "guidance")
        )
        self.config = config
        self.keeper.reconfigure(config)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            themes.apply_app_theme(app, config.ui.theme, config.ui.scale)
        self.overlay.state.deck.max_visible = config.guidance.max_visible
        self.overlay.apply_ui(config.ui)
        if self.hotkey is not None and self.hotkey.shortcut != config.ui.keyboard_shortcut:
            self.start_hotkey()
        for action, value in (
            (self.actions.compact, config.ui.compact),
            (self.actions.click_through, config.ui.click_through),
        ):
            was = action.blockSignals(True)
            action.setChecked(value)
            action.blockSignals(was)
        if engine_changed and self.host.active:
            self._notify("new settings apply when listening restarts")

    def _effective(self, saved: Config) -> Config:
        """The config as the layered loader now reads it (IT's locks apply), else ``saved``."""
        if self.load_config is None:
            return saved
        try:
            return self.load_config()
        except AgentAssistError as error:
            log.warning("cannot re-read the saved settings: %s", error)
            self._notify(f"settings: {error}")
            return saved

    def open_review(self) -> ReviewWindow:
        record = self.last_record or self.record
        if self.review_window is None:
            self.review_window = ReviewWindow(
                record,
                theme_name=self.config.ui.theme,
                exporter=self.exporter,
                history=self.keeper.history(),
            )
            self.review_window.closed.connect(lambda: self._own_window_closed(True))
        else:
            self.review_window.history = self.keeper.history()
            self.review_window.show_session_record(record)
        self.overlay.set_on_top(False)
        self.review_window.show()
        self.review_window.raise_()
        self.review_window.activateWindow()
        return self.review_window

    def quit(self) -> None:
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def shutdown(self) -> None:
        if self.hotkey is not None:
            self.hotkey.stop()
        self.overlay.hide()
        self.tray.hide()
        for window in (self.settings_dialog, self.review_window):
            if window is not None:
                window.close()
        self.host.shutdown()
        self.keeper.close()


class _AppEvents(EventHandler):
    """What the app does beyond the overlay for each event type."""

    def __init__(self, app: AgentAssistApp) -> None:
        self.app = app

    def on_mood(self, event: MoodUpdate) -> None:
        if event.speaker == "customer":
            self.app.tray.show_mood(event.score, event.uncertain)

    def on_status(self, event: PipelineStatus) -> None:
        self.app._on_status(event)

    def on_summary(self, event: CallSummary) -> None:
        self.app._on_summary(event)
