"""The whole app with a fake runner that emits real events from its own thread."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox
from pytestqt.qtbot import QtBot

from agent_assist import paths
from agent_assist.config import Config
from agent_assist.events import CallSummary, Event, PipelineStatus, TranscriptFinal
from agent_assist.ui.app import AgentAssistApp
from agent_assist.ui.devices import AudioDevice, DeviceListing
from agent_assist.ui.launch import run_app
from agent_assist.ui.overlay import Overlay
from agent_assist.ui.session import demo_runner_factory, live_runner_factory
from tests.ui import scenario
from tests.ui.conftest import FakeFactory, FakeRunner


def make(
    qtbot: QtBot, factory: Callable | None = None, config: Config | None = None
) -> tuple[AgentAssistApp, list[Config]]:
    saved: list[Config] = []
    app = AgentAssistApp(
        config or Config(),
        factory or FakeFactory(scenario.full_call()),
        save_config=lambda c: saved.append(c.model_copy(deep=True)),
        devices=lambda: DeviceListing(problem="no audio input devices found"),
    )
    qtbot.addWidget(app.overlay)
    app.show()
    return app, saved


def finished(app: AgentAssistApp) -> Callable[[], bool]:
    return lambda: app.record.summary is not None and app.overlay.state.status.state == "stopped"


def test_a_call_shows_mood_captions_and_suggestions(qtbot: QtBot) -> None:
    factory = FakeFactory(scenario.full_call())
    app, _ = make(qtbot, factory)
    app.actions.listen.trigger()
    qtbot.waitUntil(finished(app))
    state = app.overlay.state
    assert state.mood_changes == 8 and state.captions_shown == 8 and state.suggestions_shown == 3
    assert app.overlay.meter.mood.number == "+35"
    assert "sorting this out" in app.overlay.customer.text()
    assert app.overlay.cards == [], "cards retire at the end of the call"
    assert len(app.record.suggestions) == 3, "the review keeps them"
    runner = factory.runners[0]
    assert runner.worker_ident not in (None, threading.get_ident())
    assert app.last_record is app.record and len(app.record.transcripts) == 8
    assert not app.host.active and not app.actions.listen.isChecked()
    assert app.tray.tone == "idle"
    app.shutdown()


def test_restart_starts_a_fresh_call(qtbot: QtBot) -> None:
    factory = FakeFactory(scenario.full_call())
    app, _ = make(qtbot, factory)
    app.start()
    qtbot.waitUntil(finished(app))
    first = app.record
    app.start()
    qtbot.waitUntil(lambda: len(factory.runners) == 2)
    qtbot.waitUntil(finished(app))
    assert app.record is not first and len(app.record.transcripts) == 8
    app.shutdown()


def test_no_tray_the_overlay_menu_is_the_way_in(qtbot: QtBot) -> None:
    app, _ = make(qtbot)
    assert not app.tray.available
    assert app.overlay.isVisible()
    app.set_overlay_visible(False)
    assert app.overlay.isVisible()
    assert not app.actions.show_overlay.isEnabled()
    assert not app.actions.click_through.isEnabled()
    menu = app.overlay.context_menu
    assert menu is not None
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    for expected in (
        "Start listening",
        "Pause for privacy",
        "Settings…",
        "Review last call…",
        "Quit",
    ):
        assert expected in texts
    qtbot.waitUntil(lambda: "no system tray" in app.overlay.status.text())
    app.shutdown()


def test_pipeline_errors_show_in_status_line_and_tray(qtbot: QtBot) -> None:
    def failing(config: Config, on_event: object) -> object:
        raise ImportError("cannot import name 'LiveRunner' from 'agent_assist.pipeline'")

    app, _ = make(qtbot, failing)
    app.actions.listen.trigger()
    qtbot.waitUntil(lambda: app.overlay.state.status.state == "error")
    assert "not available in this build" in app.overlay.status.text()
    assert app.tray.tone == "error" and "LiveRunner" in app.tray.tooltip
    assert not app.actions.listen.isChecked() and not app.host.active
    app.shutdown()


def test_live_capture_missing_is_a_status_not_a_crash(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "agent_assist.live", None)
    app, _ = make(qtbot, live_runner_factory())
    app.start()
    qtbot.waitUntil(lambda: app.overlay.state.status.state == "error")
    assert "not available in this build (import of agent_assist.live" in app.overlay.status.text()
    app.shutdown()


def test_pipeline_error_event_from_the_worker(qtbot: QtBot) -> None:
    events = [PipelineStatus("loading", "loading speech model (fast)"),
              PipelineStatus("error", "models/base.en: checksum mismatch")]  # fmt: skip
    app, _ = make(qtbot, FakeFactory(events))
    app.start()
    qtbot.waitUntil(lambda: app.overlay.state.status.state == "error")
    assert "checksum mismatch" in app.overlay.status.text()
    assert "checksum mismatch" in app.tray.tooltip
    app.shutdown()


def test_pause_for_privacy(qtbot: QtBot) -> None:
    factory = FakeFactory([PipelineStatus("listening", "listening")])
    app, _ = make(qtbot, factory)
    app.start()
    qtbot.waitUntil(
        lambda: app.overlay.state.status.state == "listening" and app.host.runner is not None
    )
    assert app.actions.pause.isEnabled()
    app.actions.pause.trigger()
    qtbot.waitUntil(lambda: app.overlay.state.status.state == "paused")
    assert factory.runners[0].paused == [True]
    assert app.tray.tone == "idle" and app.actions.pause.isChecked()
    app.actions.pause.trigger()
    qtbot.waitUntil(lambda: app.overlay.state.status.state == "listening")
    app.actions.listen.trigger()
    qtbot.waitUntil(lambda: factory.runners[0].stopped.is_set())
    qtbot.waitUntil(lambda: app.overlay.state.status.state == "stopped")
    app.shutdown()


def test_feedback_and_call_go_to_history_when_on(qtbot: QtBot, isolated_dirs: Path) -> None:
    from agent_assist.store.history import History

    config = Config.model_validate({"privacy": {"history": True}})
    app, _ = make(qtbot, FakeFactory(scenario.escalating()), config=config)
    app.start()
    qtbot.waitUntil(lambda: len(app.overlay.cards) == 3)
    app.overlay.cards[0].used.click()
    app.overlay.cards[0].dismiss.click()
    for event in scenario.full_call()[len(scenario.escalating()) :]:
        app.on_event(event)
    assert [(f.suggestion_id, f.action) for f in app.record.feedback] == [
        (scenario.REPEAT.id, "used"),
        (scenario.MANAGER.id, "dismissed"),
    ]
    app.shutdown()
    with History.open() as history:
        calls = history.list_calls()
        assert len(calls) == 1 and calls[0].name == "sample_call"
        assert app.record.history_id == calls[0].id
        assert len(history.events(calls[0].id)) > 8
        (day,) = history.stats("day")
        assert (day.used, day.dismissed) == (1, 1)


def test_history_off_writes_nothing(qtbot: QtBot, isolated_dirs: Path) -> None:
    app, _ = make(qtbot, FakeFactory(scenario.escalating()))
    app.start()
    qtbot.waitUntil(lambda: len(app.overlay.cards) == 3)
    app.overlay.cards[0].used.click()
    for event in scenario.full_call()[len(scenario.escalating()) :]:
        app.on_event(event)
    app.shutdown()
    assert not list(isolated_dirs.rglob("*.sqlite*")) and not list(isolated_dirs.rglob("*.db"))


def test_redacted_overlay(qtbot: QtBot) -> None:
    events = [scenario.line("customer", 1.0, 3.0, "my card is 4111 1111 1111 1111", "neutral")]
    app, _ = make(
        qtbot, FakeFactory(events), Config.model_validate({"privacy": {"redact_overlay": True}})
    )
    app.start()
    qtbot.waitUntil(lambda: app.overlay.state.captions_shown == 1)
    assert "[CARD]" in app.overlay.customer.text() and "4111" not in app.overlay.customer.text()
    app.shutdown()


def test_moving_the_overlay_saves_its_position(qtbot: QtBot) -> None:
    from agent_assist.ui.state import load_state

    app, saved = make(qtbot)
    app.overlay.moved.emit("DP-2", 1950, 40)
    app.overlay.moved.emit("HDMI-1", 10, 20)
    assert load_state().positions == {"DP-2": [1950, 40], "HDMI-1": [10, 20]}
    assert not saved, "a position is UI state, not a setting"
    app.actions.compact.trigger()
    assert saved[-1].ui.compact and app.overlay.ui.compact
    app.shutdown()


def test_settings_apply_and_save(qtbot: QtBot) -> None:
    app, saved = make(qtbot)
    dialog = app.open_settings()
    assert dialog.device_problem.isVisible()
    theme = dialog.bindings["ui.theme"].widget
    assert isinstance(theme, QComboBox)
    theme.setCurrentIndex(theme.findData("high-contrast"))
    agent = dialog.bindings["ui.show_agent_caption"].widget
    assert isinstance(agent, QCheckBox)
    agent.setChecked(False)
    dialog.accept()
    assert saved[-1].ui.theme == "high-contrast"
    assert app.overlay.theme.name == "high-contrast" and not app.overlay.agent.isVisible()
    assert app.config.ui.theme == "high-contrast"
    app.shutdown()


def test_review_last_call(qtbot: QtBot) -> None:
    app, _ = make(qtbot)
    assert app.open_review().transcript.count() == 0
    app.start()
    qtbot.waitUntil(finished(app))
    review = app.open_review()
    assert review.transcript.count() == 8 and review.record.summary is not None
    assert review.export_buttons["html"].isEnabled()
    app.shutdown()


def test_demo_factory_replays_the_sample_call_silently_without_output(qtbot: QtBot) -> None:
    no_output = lambda: DeviceListing((AudioDevice(0, "Mic", "ALSA", 1, 0),))  # noqa: E731
    runner: Any = demo_runner_factory(no_output)(Config(), lambda e: None)
    assert runner.path == paths.sample_call() and runner.path.is_file()
    assert runner.realtime and not runner.audible


def test_run_app_returns_when_quit(qtbot: QtBot) -> None:
    seen: list[Overlay] = []

    def check() -> None:
        overlays = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, Overlay) and w.isVisible()
        ]
        if overlays and overlays[0].state.suggestions_shown:
            seen.append(overlays[0])
            QApplication.quit()
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(0, check)
    assert run_app([], Config(), runner_factory=FakeFactory(scenario.full_call())) == 0
    assert seen and seen[0].state.mood_changes > 0 and not seen[0].isVisible()


def test_overlay_steps_back_while_settings_or_review_are_open(qtbot: QtBot) -> None:
    app, _ = make(qtbot)
    on_top = Qt.WindowType.WindowStaysOnTopHint
    assert app.overlay.windowFlags() & on_top
    dialog = app.open_settings()
    qtbot.waitExposed(dialog)
    assert not app.overlay.windowFlags() & on_top
    area = dialog.screen().availableGeometry()
    assert area.contains(dialog.frameGeometry())
    review = app.open_review()
    dialog.reject()
    assert not app.overlay.windowFlags() & on_top, "review is still open"
    review.close()
    assert app.overlay.windowFlags() & on_top and app.overlay.isVisible()
    app.shutdown()


def test_no_sound_card_says_so_in_the_menu_and_status(qtbot: QtBot) -> None:
    app, _ = make(qtbot, FakeFactory([]))
    app.actions.set_running(True, False)
    app.on_event(PipelineStatus("starting", "starting live capture"))
    for side in ("customer", "agent"):
        app.on_event(PipelineStatus("no_device", f"cannot open the {side} device", role=side))  # type: ignore[arg-type]
    assert app.actions.listen.text() == "Stop &listening (no audio device yet)"
    text = app.overlay.status.text()
    assert "agent and customer sides" in text and "Settings › Audio" in text
    app.on_event(PipelineStatus("listening", "capturing", role="customer"))
    assert app.actions.listen.text() == "Stop &listening"
    app.shutdown()


def test_a_start_right_after_a_stop_keeps_listening(qtbot: QtBot) -> None:
    """Stop, then Start at once: the old run's "stopped" arrives after the new start and must
    not end it (the agent clicked twice; the second click's run stays on)."""
    factory = FakeFactory([])
    app, _ = make(qtbot, factory)
    app.actions.listen.trigger()
    qtbot.waitUntil(lambda: app.host.runner is not None)
    app.actions.listen.trigger()
    app.actions.listen.trigger()
    qtbot.waitUntil(lambda: len(factory.runners) == 2 and app.host.runner is not None)
    qtbot.wait(300)  # the first run's "stopped" is delivered by now
    assert factory.runners[0].stopped.is_set()
    assert not factory.runners[1].stopped.is_set(), "the new run was stopped"
    assert app.host.active and app.actions.listen.isChecked()
    assert app.overlay.state.status.state != "stopped"
    app.shutdown()


class EndsOnStop(FakeRunner):
    """A runner like the live one: its last words and the summary come while it stops."""

    def __init__(self, ending: list[Event], on_event: Callable[[Event], None]) -> None:
        super().__init__([], on_event)
        self.ending = ending

    def stop(self) -> None:
        super().stop()
        for event in self.ending:
            self.on_event(event)


def test_the_late_end_of_a_call_goes_to_that_call_not_the_next(
    qtbot: QtBot, isolated_dirs: Path
) -> None:
    """Stop, then Start at once, while the first call still ends: its last transcript and its
    summary go to its own record and history row, never to the new call or its overlay."""
    from agent_assist.store.history import History

    ending = [e for e in scenario.full_call() if isinstance(e, TranscriptFinal | CallSummary)]
    runners: list[EndsOnStop] = []

    def factory(config: Config, on_event: Callable[[Event], None]) -> EndsOnStop:
        runners.append(EndsOnStop(ending if not runners else [], on_event))
        return runners[-1]

    config = Config.model_validate({"privacy": {"history": True}})
    app, _ = make(qtbot, factory, config=config)
    app.start()
    qtbot.waitUntil(lambda: app.host.runner is not None)
    first = app.record
    app.actions.listen.trigger()
    app.actions.listen.trigger()
    qtbot.waitUntil(lambda: len(runners) == 2 and first.summary is not None)
    assert app.record is not first and app.record.transcripts == []
    assert len(first.transcripts) == len(ending) - 1
    assert app.last_record is first and app.overlay.state.captions_shown == 0
    assert app.host.active
    app.shutdown()
    with History.open() as history:
        (call,) = history.list_calls()
        assert call.id == first.history_id
