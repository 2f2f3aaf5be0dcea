"""Every output builds its redactor from the config: ``privacy.redact_keep`` is honoured, and a
card read out in pieces is caught, in listen's printer, the history, its exports, the review
window's export and the overlay."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from agent_assist import cli, config, paths
from agent_assist.cli import listen
from agent_assist.config import Config
from agent_assist.events import CallSummary, Event, PipelineStatus, TranscriptFinal
from agent_assist.redact import Redactor
from agent_assist.store.history import History
from tests.factories import final, summary

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
        final(text, start, start + 1.0, speaker, mood=None) for speaker, start, text in SCRIPT
    ]
    return [*events, summary("call", 12.0, [], utterances=len(SCRIPT))]


def assert_redacted(texts: list[str]) -> None:
    joined = " | ".join(texts)
    assert "ORD-12345678" in joined, joined
    assert "4111" not in joined and "1111" not in joined, joined


@pytest.fixture
def config_file() -> Path:
    path = paths.user_config_file()
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
    assert listen.cmd_listen(args, config.load_layered(config_file), out) == 0
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
    assert list(config.privacy.redact_keep) == KEEP
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
    history = app.keeper.history()
    assert history is not None and app.record.history_id is not None
    stored = [e.text for e in history.events(app.record.history_id) if hasattr(e, "words")]
    assert_redacted(stored)
    assert app.exporter is not None
    path = app.exporter(app.record, "json", tmp_path / "export.json")
    assert_redacted([path.read_text()])


def _app(config: Config, qtbot: QtBot) -> object:
    from agent_assist.ui.app import AgentAssistApp
    from agent_assist.ui.devices import DeviceListing
    from tests.ui.conftest import FakeFactory

    app = AgentAssistApp(
        config,
        FakeFactory([]),
        save_config=lambda c: None,
        devices=lambda: DeviceListing(problem="no audio input devices found"),
    )
    qtbot.addWidget(app.overlay)
    return app


def _with_privacy(config: Config, **values: object) -> Config:
    return config.model_copy(update={"privacy": config.privacy.model_copy(update=values)})


def _stored(app: object) -> list[str]:
    history = app.keeper.history()  # type: ignore[attr-defined]
    call_id = app.record.history_id  # type: ignore[attr-defined]
    assert history is not None and call_id is not None
    return [e.text for e in history.events(call_id) if isinstance(e, TranscriptFinal)]


def test_a_call_ended_without_a_summary_leaves_the_next_call_unarmed(
    config_file: Path, qtbot: QtBot
) -> None:
    """The overlay and the history show one redaction of each event: a call that ended in
    an error (no summary) must not arm the next call's redactor for the overlay alone."""
    from agent_assist import config as config_module

    app: Any = _app(config_module.load(config_file), qtbot)
    app.start()
    app.on_event(TranscriptFinal("agent", 0.0, 1.0, "what's the card number?", 0.9))
    app.on_event(PipelineStatus(state="error", message="the device went away"))
    app.start()
    app.on_event(TranscriptFinal("customer", 1.0, 2.0, "room 12 please", 0.9))
    shown = app.overlay.customer.text()
    app.on_event(CallSummary("call", 3.0, {}, None, None, None, 0.0, {}, utterances=1))
    assert _stored(app) == ["room 12 please"]
    assert "room 12 please" in shown


def test_the_overlay_shows_words_as_said_but_keeps_them_redacted(
    config_file: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    """``redact_overlay`` off: the overlay gets the raw words; the record, the history and the
    export still get the edge's one redaction."""
    from agent_assist import config as config_module

    config = _with_privacy(config_module.load(config_file), redact_overlay=False)
    app: Any = _app(config, qtbot)
    app.start()
    shown = []
    for event in call_events():
        app.on_event(event)
        if isinstance(event, TranscriptFinal) and event.speaker == "customer":
            shown.append(app.overlay.customer.text())
    assert "4111 1111 1111 1111" in shown[0]
    assert_redacted(_stored(app))
    assert_redacted([e.text for e in app.record.transcripts])
    assert _stored(app) == [e.text for e in app.record.transcripts]
    path = app.exporter(app.record, "json", tmp_path / "export.json")
    assert_redacted([path.read_text()])


def test_a_keep_pattern_saved_in_settings_reaches_the_next_calls_history(
    config_file: Path, qtbot: QtBot
) -> None:
    from agent_assist import config as config_module

    config = _with_privacy(config_module.load(config_file), redact_keep=())
    app: Any = _app(config, qtbot)
    app.start()
    for event in call_events():
        app.on_event(event)
    assert "ORD-12345678" not in " ".join(_stored(app))
    app.stop()
    app.config = config_module.load(config_file)  # Settings saved redact_keep
    app.start()
    for event in call_events():
        app.on_event(event)
    assert_redacted(_stored(app))


@pytest.mark.parametrize("out_dir", [False, True], ids=["terminal", "file"])
def test_analyze_writes_each_event_redacted_once_with_the_config(
    out_dir: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from agent_assist.cli.analyze import CallWriter
    from agent_assist.redact import CallRedactor

    redacted: list[Event] = []
    original = CallRedactor.event

    def counted(self: CallRedactor, event: Event) -> Event:
        redacted.append(event)
        return original(self, event)

    monkeypatch.setattr(CallRedactor, "event", counted)
    terminal = io.StringIO()
    folder = tmp_path if out_dir else None
    writer = CallWriter("jsonl", folder, Console(file=terminal), Redactor(KEEP))
    events = call_events()
    stream = writer.stream("call")
    for event in events if stream is not None else ():
        stream(event)
    writer.write_call("call", events, streamed=stream is not None)
    assert redacted == events
    text = (folder / "call.jsonl").read_text() if folder else terminal.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert_redacted([line["text"] for line in lines if line["type"] == "transcript"])


def test_a_cluster_worker_returns_its_call_through_the_configured_edge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent_assist.batch import CallResult
    from agent_assist.cluster import task as cluster_task

    config = Config.model_validate({"privacy": {"redact_keep": KEEP}})
    monkeypatch.setattr(cluster_task, "worker_models", lambda t: (config, None))
    monkeypatch.setattr(
        cluster_task,
        "analyze_one",
        lambda path, models, config, name: CallResult(path, call_events()),
    )
    job = cluster_task.CallTask("call", str(tmp_path / "call.wav"), {}, "fingerprint")
    result = cluster_task.score_call(job)
    assert_redacted([e["text"] for e in result.events if e["type"] == "transcript"])
