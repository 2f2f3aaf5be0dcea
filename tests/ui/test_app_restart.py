"""The next Start after Settings: it runs with what the user just saved, on the same models."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from agent_assist import config as config_io
from agent_assist import paths
from agent_assist.config import AsrConfig, Config, with_values
from agent_assist.ui.app import AgentAssistApp
from agent_assist.ui.devices import AudioDevice, DeviceListing
from agent_assist.ui.launch import run_app
from agent_assist.ui.overlay import Overlay
from agent_assist.ui.session import RunnerFactory
from agent_assist.ui.settings import SettingsDialog
from tests.fakes import KeywordSentiment
from tests.live.helpers import EnergyVad, FakeSource, GrowingTranscriber
from tests.ui.conftest import FakeFactory

W = TypeVar("W", bound=QWidget)
DEVICES = (
    AudioDevice(0, "Headset Mic", "ALSA", 1, 0),
    AudioDevice(1, "Monitor of Speakers", "PulseAudio", 2, 0),
)


def open_app(qtbot: QtBot, factory: RunnerFactory) -> AgentAssistApp:
    """The app as ``run_app`` wires it: Settings write the user's file, a start re-reads it."""
    app = AgentAssistApp(
        config_io.load(),
        factory,
        devices=lambda: DeviceListing(DEVICES),
        load_config=lambda: config_io.load_layered().config,
    )
    qtbot.addWidget(app.overlay)
    app.show()
    return app


def save_settings(qtbot: QtBot, app: AgentAssistApp, **choices: str) -> None:
    """Pick ``key=value`` in the real Settings dialog's combo boxes and press Save."""
    dialog = app.open_settings()
    for name, value in choices.items():
        widget = dialog.bindings[name.replace("__", ".")].widget
        assert isinstance(widget, QComboBox)
        index = widget.findData(value)
        assert index >= 0, f"{name}: no {value!r} choice"
        widget.setCurrentIndex(index)
    dialog.accept()
    assert dialog.error.text() == ""


def run_once(qtbot: QtBot, app: AgentAssistApp, started: Callable[[], bool]) -> None:
    app.actions.listen.trigger()
    qtbot.waitUntil(lambda: started() and app.host.runner is not None)
    app.actions.listen.trigger()
    qtbot.waitUntil(lambda: app.host.runner is None and app.overlay.state.status.state == "stopped")


def test_the_app_s_next_start_captures_with_the_device_and_profile_just_saved(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app as ``agent-assist`` runs it (``run_app``, the real live runner factory), driven
    through its own menu: Settings, then Start listening. No sound card: each start records
    the config its runner asked devices for, and ends with "no device"."""
    asked: list[tuple[str, str]] = []

    def no_sources(config: Config, clock: object = None) -> list[FakeSource]:
        asked.append((config.audio.customer_device, config.asr.profile))
        return []

    monkeypatch.setattr("agent_assist.live.runners.import_sounddevice", lambda: None)
    monkeypatch.setattr("agent_assist.live.runners.default_sources", no_sources)
    steps = [
        (lambda: len(asked) == 1 and menu_action("Start listening") is not None, start_after),
        (lambda: len(asked) == 2, QApplication.quit),
    ]
    assert drive(steps) == 0
    assert asked == [("", "fast"), ("Monitor of Speakers", "accurate")]


EARLIER: list[QWidget] = []
"""Top-level widgets that existed before ``drive`` started its app (kept alive here so that
they are told apart by identity): a window an earlier test left open is never the one driven."""


def own_windows(kind: type[W]) -> list[W]:
    """The visible top-level ``kind`` windows of the app that ``drive`` runs."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, kind) and w.isVisible() and not any(w is old for old in EARLIER)
    ]


def menu_action(text: str) -> QAction | None:
    """The overlay's context-menu entry whose text starts with ``text``."""
    overlays = own_windows(Overlay)
    menu = overlays[0].context_menu if overlays else None
    actions = menu.actions() if menu is not None else []
    return next((a for a in actions if a.text().replace("&", "").startswith(text)), None)


def change_settings(**choices: str) -> None:
    """Open Settings from the menu, set ``section__key=value`` and Save."""
    settings = menu_action("Settings")
    assert settings is not None
    settings.trigger()
    (dialog,) = own_windows(SettingsDialog)
    for name, value in choices.items():
        dialog.bindings[name.replace("__", ".")].set(value)
    dialog.accept()


def start_after() -> None:
    change_settings(audio__customer_device="Monitor of Speakers", asr__profile="accurate")
    start = menu_action("Start listening")
    assert start is not None
    start.trigger()


def test_settings_saved_in_the_dialog_reach_the_next_start(qtbot: QtBot) -> None:
    factory = FakeFactory([])
    app = open_app(qtbot, factory)
    run_once(qtbot, app, lambda: len(factory.runners) == 1)
    assert factory.configs[0].audio.customer_device == ""
    assert factory.configs[0].asr.profile == "fast"
    save_settings(qtbot, app, audio__customer_device="Monitor of Speakers", asr__profile="accurate")
    run_once(qtbot, app, lambda: len(factory.runners) == 2)
    assert factory.configs[1].audio.customer_device == "Monitor of Speakers"
    assert factory.configs[1].asr.profile == "accurate"
    app.shutdown()


def test_the_next_start_reads_the_files_again_so_locks_apply(
    qtbot: QtBot, isolated_dirs: Path
) -> None:
    factory = FakeFactory([])
    app = open_app(qtbot, factory)
    system = isolated_dirs / "system.toml"  # IT locks the profile while the app runs
    system.write_text("[asr]\nprofile = 'accurate'\n[locked]\nkeys = ['asr.profile']\n")
    save_settings(qtbot, app, audio__agent_device="Headset Mic", asr__profile="fast")
    run_once(qtbot, app, lambda: len(factory.runners) == 1)
    assert factory.configs[0].audio.agent_device == "Headset Mic"
    assert factory.configs[0].asr.profile == "accurate"
    assert "profile" not in paths.user_config_file().read_text()
    app.shutdown()


class CountedLoads:
    """Each model class's loader, counted, giving fakes (no model file is read)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.speech: list[str] = []
        self.sentiment = 0
        self.vad = 0
        for target, load in (
            ("agent_assist.asr.whisper.WhisperTranscriber.load", self.load_speech),
            ("agent_assist.sentiment.model.OnnxSentimentModel.load", self.load_sentiment),
            ("agent_assist.vad.silero.SileroVad.load", self.load_vad),
        ):
            monkeypatch.setattr(target, load)
        monkeypatch.setattr("agent_assist.ui.session._MODELS", [], raising=False)  # a fresh process

    def counts(self) -> tuple[list[str], int, int]:
        return self.speech, self.sentiment, self.vad

    def load_speech(self, config: AsrConfig, *args: object) -> FakeWhisper:
        self.speech.append(config.profile)
        return FakeWhisper()

    def load_sentiment(self, *args: object, **options: object) -> KeywordSentiment:
        self.sentiment += 1
        return KeywordSentiment()

    def load_vad(self, *args: object) -> SimpleNamespace:
        self.vad += 1
        return SimpleNamespace(fresh=EnergyVad)


class FakeWhisper(GrowingTranscriber):
    device_message = "on the processor (fake)"

    def for_live(self) -> FakeWhisper:
        return self


def test_starts_share_the_models_and_a_settings_change_reloads_only_what_it_changes(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run_app`` with the real live runner factory, driven through its menu: four starts
    (the second unchanged, the third after a new profile, the fourth after a new device)."""
    loads = CountedLoads(monkeypatch)
    opened: list[tuple[str, FakeSource]] = []
    seen: list[tuple[list[str], int, int]] = []

    def sources(config: Config, clock: object = None) -> list[FakeSource]:
        opened.append((config.audio.customer_device, FakeSource("customer")))
        return [opened[-1][1]]

    monkeypatch.setattr("agent_assist.live.runners.import_sounddevice", lambda: None)
    monkeypatch.setattr("agent_assist.live.runners.default_sources", sources)

    def capturing(count: int) -> Callable[[], bool]:
        return lambda: len(opened) == count and opened[-1][1].opens == 1

    def stopped() -> bool:
        return menu_action("Start listening") is not None

    def trigger(text: str, **settings: str) -> Callable[[], None]:
        def act() -> None:
            seen.append((list(loads.speech), loads.sentiment, loads.vad))
            if settings:
                change_settings(**settings)
            action = menu_action(text)
            assert action is not None, text
            action.trigger()

        return act

    steps = [
        (capturing(1), trigger("Stop listening")),
        (stopped, trigger("Start listening")),
        (capturing(2), trigger("Stop listening")),
        (stopped, trigger("Start listening", asr__profile="accurate")),
        (capturing(3), trigger("Stop listening")),
        (stopped, trigger("Start listening", audio__customer_device="Monitor of Speakers")),
        (capturing(4), trigger("Stop listening")),
        (stopped, QApplication.quit),
    ]
    assert drive(steps) == 0
    assert seen[2] == (["fast"], 1, 1), "the second start loads nothing"
    assert seen[4] == (["fast", "accurate"], 1, 1), "a new profile reloads only Whisper"
    assert loads.counts() == (["fast", "accurate"], 1, 1), "a new device reloads nothing"
    assert [device for device, _ in opened] == [""] * 3 + ["Monitor of Speakers"]


def drive(steps: list[tuple[Callable[[], bool], Callable[[], object]]]) -> int:
    """Run ``run_app`` while each step's action runs once its condition holds (polled on the GUI
    thread); returns run_app's exit code. A step left undone after two minutes quits the app.
    Every timer is stopped before returning, so none outlives this test and quits a later one
    (a pending quit of one test's guard used to end a later test's app early)."""
    pending = list(steps)
    poller, guard = QTimer(), QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(QApplication.quit)

    def poll() -> None:
        if pending and pending[0][0]():
            pending.pop(0)[1]()
        if not pending:
            poller.stop()

    poller.timeout.connect(poll)
    poller.start(20)
    guard.start(120_000)
    # Earlier tests' garbage (Qt wrappers among it) is collected now, and no collection runs
    # inside the app's event loop: in the whole suite one did, while this poll listed the
    # windows, and crashed the interpreter (SIGSEGV in "Garbage-collecting", twice in nine
    # runs; never with tests/ui alone).
    gc.collect()
    gc.disable()
    EARLIER[:] = QApplication.topLevelWidgets()
    try:
        return run_app([], config_io.load())
    finally:
        poller.stop()
        guard.stop()
        EARLIER.clear()
        gc.enable()
        assert not pending, f"{len(pending)} of {len(steps)} steps left undone after 2 minutes"


@pytest.mark.slow
def test_the_real_models_are_shared_and_reloaded_by_part() -> None:
    """Integration, real Whisper and ONNX models: what a start gets from the app's cache."""
    from agent_assist.errors import ModelError
    from agent_assist.pipeline import ModelCache

    cache, config = ModelCache(), Config()
    try:
        first = cache.get(config)
    except ModelError as error:
        pytest.skip(f"a model of the manifest is not built yet: {error}")
    again = cache.get(config.model_copy(deep=True))
    assert again.transcriber is first.transcriber and again.sentiment is first.sentiment
    assert again.live_transcriber is first.live_transcriber
    config = with_values(config, {"asr.beam_size": 2})
    speech = cache.get(config)
    assert speech.transcriber is not first.transcriber and speech.sentiment is first.sentiment
    assert speech.transcriber.config.beam == 2  # type: ignore[attr-defined]
    config = with_values(config, {"sentiment.threads": 2})
    sentiment = cache.get(config)
    assert sentiment.sentiment is not first.sentiment
    assert sentiment.transcriber is speech.transcriber
