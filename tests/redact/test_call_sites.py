"""Every output builds its redactor from the config: ``privacy.redact_keep`` is honoured, and a
card read out in pieces is caught, in listen's printer, the history, its exports, the review
window's export and the overlay."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from agent_assist import cli
from agent_assist.cli import listen
from agent_assist.config import Config
from agent_assist.events import CallSummary, Event, PipelineStatus, TranscriptFinal
from agent_assist.redact import Redactor
from agent_assist.store.history import History

KEEP = ["ORD-[0-9]+"]
SCRIPT = [
    ("customer", 0.0, "my order is ORD-12345678, card 4111 1111 1111 1111"),
    ("agent", 4.0, "and the card number again please?"),
    ("customer", 6.0, "4111"),
    ("customer", 7.5, "1111"),
    ("customer", 9.0, "1111"),
    ("customer", 10.5, "1111"),
]


def call_events() -> list[Event]:
    events: list[Event] = [
        TranscriptFinal(speaker, start, start + 1.0, text, 0.9)  # type: ignore[arg-type]
        for speaker, start, text in SCRIPT
    ]
    summary = CallSummary("call", 12.0, {}, None, None, None, 0.0, {}, utterances=len(SCRIPT))
    return [*events, summary]


def assert_redacted(texts: list[str]) -> None:
    joined = " | ".join(texts)
    assert "ORD-12345678" in joined, joined
    assert "4111" not in joined and "1111" not in joined, joined


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATA", "CONFIG", "STATE", "CACHE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    path = tmp_path / "config" / "agent-assist" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(
        '[privacy]\nredact_keep = ["ORD-[0-9]+"]\nhistory = true\nredact_overlay = true\n'
    )
    return path


class ScriptedRunner:
    def __init__(self, config: Config, on_event: listen.EventSink) -> None:
        self.on_event = on_event

    def start(self) -> None:
        for event in call_events():
            self.on_event(event)
        self.on_event(PipelineStatus(state="stopped", message="stopped"))

    def stop(self) -> None:
        pass

    def is_running(self) -> bool:
        return False


def test_listen_prints_with_the_configured_per_call_redactor(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listen, "make_runner", ScriptedRunner)
    out = io.StringIO()
    args = cli.build_parser().parse_args(["--config", str(config_file), "listen", "--seconds", "1"])
    assert listen.cmd_listen(args, out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert_redacted([line["text"] for line in lines if line["type"] == "transcript"])


def test_history_and_its_export_use_the_configured_redactor(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    redactor = Redactor.from_config(Config.model_validate({"privacy": {"redact_keep": KEEP}}))
    with History.open(db, redactor=redactor) as history:
        from datetime import UTC, datetime

        call_id = history.save_call("call", datetime.now(UTC), call_events())
        assert call_id is not None
        stored = [e.text for e in history.events(call_id) if isinstance(e, TranscriptFinal)]
    assert_redacted(stored)
    capsys.readouterr()
    assert cli.main(["history", "--db", str(db), "export", str(call_id), "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert_redacted([json.dumps(exported)])


def test_the_app_redacts_overlay_history_and_export_with_the_config(
    config_file: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    from agent_assist import config as config_module
    from agent_assist.ui.app import AgentAssistApp
    from agent_assist.ui.devices import DeviceListing
    from tests.ui import scenario
    from tests.ui.conftest import FakeFactory

    config = config_module.load(config_file)
    assert config.privacy.redact_keep == KEEP
    app = AgentAssistApp(
        config,
        FakeFactory(scenario.full_call()),
        save_config=lambda c: None,
        devices=lambda: DeviceListing(problem="no audio input devices found"),
    )
    qtbot.addWidget(app.overlay)
    shown = []
    for event in call_events():
        app.on_event(event)
        if isinstance(event, TranscriptFinal) and event.speaker == "customer":
            shown.append(app.overlay.customer.text())
    assert_redacted(shown)
    history = app.history()
    assert history is not None and app.record.history_id is not None
    stored = [e.text for e in history.events(app.record.history_id) if hasattr(e, "words")]
    assert_redacted(stored)
    assert app.exporter is not None
    path = app.exporter(app.record, "json", tmp_path / "export.json")
    assert_redacted([path.read_text()])
