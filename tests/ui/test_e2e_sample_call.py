"""Integration: the app on the bundled sample call through the real pipeline (real models)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from agent_assist import paths
from agent_assist.config import Config
from agent_assist.core.models import Models
from agent_assist.events import Event
from agent_assist.ui.app import AgentAssistApp
from agent_assist.ui.devices import DeviceListing

pytestmark = pytest.mark.slow


def test_app_shows_the_sample_call(qtbot: QtBot, real_models: Models) -> None:
    from agent_assist.live import FileReplayRunner

    config = Config()

    def factory(config: Config, on_event: Callable[[Event], None]) -> FileReplayRunner:
        return FileReplayRunner(
            paths.sample_call(),
            config,
            on_event,
            realtime=False,
            models=real_models,
        )

    app = AgentAssistApp(
        config,
        factory,
        save_config=lambda c: None,
        devices=lambda: DeviceListing(problem="no audio input devices found"),
    )
    qtbot.addWidget(app.overlay)
    app.show()
    app.start()
    qtbot.waitUntil(lambda: app.record.summary is not None, timeout=240_000)
    qtbot.waitUntil(lambda: app.overlay.state.status.state == "stopped", timeout=30_000)
    state = app.overlay.state
    scores = {m.score for m in app.record.moods["customer"]}
    assert state.mood_changes >= 3 and len(scores) >= 3
    assert state.captions_shown >= 4
    assert app.overlay.customer.caption.text and not app.overlay.customer.caption.provisional
    assert state.suggestions_shown >= 1
    assert state.status.state != "error", state.status.text()
    review = app.open_review()
    assert review.transcript.count() == len(app.record.transcripts) >= 4
    app.shutdown()
