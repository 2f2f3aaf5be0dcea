"""``devices`` and ``listen`` with fakes (no PortAudio needed)."""

from __future__ import annotations

import io
import json
import threading
import time

from agent_assist.cli import build_parser, listen
from agent_assist.cli.entry import load_once
from agent_assist.cli.shared import say_notes
from agent_assist.config import LoadedConfig
from agent_assist.errors import DeviceError
from agent_assist.events import Event, PipelineStatus, TranscriptFinal, TranscriptPartial
from agent_assist.live import LiveRunner
from tests.live.helpers import FakeSource, fake_models, speech_pattern
from tests.live.test_capture import DEVICES, FakeSd


def run(*argv: str, out: io.StringIO) -> int:
    """The command as ``main`` runs it (the config loaded once, its notes said), into ``out``."""
    args = build_parser().parse_args(argv)
    loaded = load_once(args)
    assert isinstance(loaded, LoadedConfig), loaded
    say_notes(loaded)
    return int(args.func(args, loaded, out))


def test_devices_lists_inputs_with_hints_and_the_automatic_choice(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(listen, "import_sounddevice", lambda: FakeSd(DEVICES, 3))
    out = io.StringIO()
    assert run("devices", out=out) == 0
    text = out.getvalue()
    assert "Monitor of Built-in Audio Analog Stereo" in text and "loopback?" in text
    assert "Speakers" not in text.split("customer:")[0]
    assert "customer: 2 Monitor of Built-in Audio Analog Stereo (automatic)" in text
    assert "agent: 3 USB Headset Mic (automatic)" in text
    out = io.StringIO()
    assert run("devices", "--json", out=out) == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["loopback"] for r in records] == [False, True, False]
    assert records[2]["hostapi"] == "JACK" and records[2]["default_rate"] == 16000.0


def test_devices_without_portaudio_is_an_error_line(monkeypatch, capsys) -> None:  # noqa: ANN001
    def missing() -> None:
        raise DeviceError("PortAudio library not found; live capture unavailable")

    monkeypatch.setattr(listen, "import_sounddevice", missing)
    assert run("devices", out=io.StringIO()) == 1
    assert "PortAudio library not found" in capsys.readouterr().err


def test_listen_prints_json_lines_and_stops_after_the_given_time(monkeypatch) -> None:  # noqa: ANN001
    captioned = threading.Event()

    def pause_once_captioned(source: FakeSource) -> None:
        if captioned.wait(2.5):  # a pause in the same burst would end the utterance first
            source.push(speech_pattern(("-", 1.0)), time.monotonic())

    def speak(source: FakeSource) -> None:
        source.push(speech_pattern(("-", 0.3), ("s", 1.2)), time.monotonic())
        threading.Thread(target=pause_once_captioned, args=(source,), daemon=True).start()

    source = FakeSource("customer")
    source.on_open = speak
    made: list[LiveRunner] = []

    def runner(config, on_event):  # noqa: ANN001, ANN202
        assert config.audio.customer_device == "Monitor" and config.audio.agent_device == "none"

        def tap(event: Event) -> None:
            on_event(event)
            if isinstance(event, TranscriptPartial):
                captioned.set()

        made.append(LiveRunner(config, tap, models=fake_models(), sources=[source]))
        return made[0]

    monkeypatch.setattr(listen, "make_runner", runner)
    out = io.StringIO()
    args = ("listen", "--customer", "Monitor", "--agent", "none", "--seconds", "3")
    assert run(*args, out=out) == 0
    kinds = [json.loads(line)["type"] for line in out.getvalue().splitlines()]
    assert "transcript" in kinds and "partial" in kinds and kinds[-1] == "status"
    assert "summary" in kinds
    assert not made[0].is_running()


def test_listen_without_portaudio_exits_non_zero(monkeypatch, capsys) -> None:  # noqa: ANN001
    def missing() -> None:
        raise DeviceError("PortAudio library not found; live capture unavailable")

    monkeypatch.setattr("agent_assist.live.runners.import_sounddevice", missing)
    out = io.StringIO()
    assert run("listen", "--seconds", "30", out=out) == 1
    assert "PortAudio library not found" in capsys.readouterr().err
    assert '"state": "no_device"' in out.getvalue()


class ScriptedRunner:
    """Says one sentence with a card number in it, then stops; remembers its config."""

    made: list[ScriptedRunner] = []

    def __init__(self, config, on_event) -> None:  # noqa: ANN001
        self.config, self.on_event = config, on_event
        ScriptedRunner.made.append(self)

    def start(self) -> None:
        self.on_event(TranscriptFinal("customer", 0.0, 2.0, "card 4111 1111 1111 1111", 0.9))
        self.on_event(PipelineStatus(state="stopped", message="stopped"))

    def stop(self) -> None:
        pass

    def is_running(self) -> bool:
        return False


def test_listen_flags_lose_to_locked_keys(tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    site = tmp_path / "site.toml"
    site.write_text(
        '[audio]\ncustomer_device = "Loopback"\n[locked]\nkeys = ["audio", "asr", "privacy"]\n'
    )
    monkeypatch.setenv("AGENT_ASSIST_SYSTEM_CONFIG", str(site))
    monkeypatch.setattr(listen, "make_runner", ScriptedRunner)
    ScriptedRunner.made.clear()
    out = io.StringIO()
    args = (
        "listen",
        "--customer",
        "Monitor",
        "--agent",
        "none",
        "--profile",
        "accurate",
        "--no-redact",
    )
    assert run(*args, out=out) == 0
    config = ScriptedRunner.made[0].config
    assert (config.audio.customer_device, config.audio.agent_device) == ("Loopback", "")
    assert config.asr.profile == "fast" and "4111" not in out.getvalue()
    refused = capsys.readouterr().err.splitlines()
    assert refused == [
        f"agent-assist: {key} is locked by {site}; {flag} ignored"
        for key, flag in [
            ("audio.customer_device", "--customer"),
            ("audio.agent_device", "--agent"),
            ("asr.profile", "--profile"),
            ("privacy.redact_outputs", "--no-redact"),
        ]
    ]


def test_listen_flags_apply_where_nothing_is_locked(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(listen, "make_runner", ScriptedRunner)
    ScriptedRunner.made.clear()
    out = io.StringIO()
    args = ("listen", "--customer", "Monitor", "--profile", "accurate", "--no-redact")
    assert run(*args, out=out) == 0
    config = ScriptedRunner.made[0].config
    assert (config.audio.customer_device, config.asr.profile) == ("Monitor", "accurate")
    assert "4111 1111 1111 1111" in out.getvalue()
