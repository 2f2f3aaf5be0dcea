"""``main`` loads the config once per run and hands that one ``LoadedConfig`` to the command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_assist import cli, config, logs
from agent_assist.events import CallSummary, Event, TranscriptFinal


@pytest.fixture
def home(isolated_dirs: Path) -> Iterator[Path]:
    """The test's own user folders (``system.toml`` there is the site file); ``main`` sets up
    logging into them, so it is set back afterwards."""
    yield isolated_dirs
    logs.setup("WARNING", to_file=False)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every ``config.load_layered`` call of the run, with its flags."""
    seen: list[dict[str, Any]] = []
    real = config.load_layered

    def counted(*args: Any, **kwargs: Any) -> config.LoadedConfig:
        seen.append(dict(kwargs.get("flags") or {}))
        return real(*args, **kwargs)

    monkeypatch.setattr(config, "load_layered", counted)
    return seen


def scripted_call(path: Path, models: object, cfg: config.Config, on_event: Any = None, *_: Any):
    events: list[Event] = [
        TranscriptFinal("customer", 0.0, 2.0, "hello there", 0.9),
        CallSummary(path.stem, 2.0, {}, None, None, None, 0.0, {}, utterances=1),
    ]
    for event in events:
        if on_event:
            on_event(event)
    return events[-1]


@pytest.fixture
def call(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("agent_assist.batch.analyze_call", scripted_call)
    monkeypatch.setattr("agent_assist.pipeline.load_models", lambda cfg, on_status=None: object())
    path = home / "a.wav"
    path.write_bytes(b"RIFF....")
    return path


def test_analyze_loads_the_config_once_with_its_flags(call, loads, capsys) -> None:
    argv = [
        "--log-level",
        "DEBUG",
        "analyze",
        str(call),
        "--format",
        "jsonl",
        "--profile",
        "accurate",
    ]
    assert cli.main(argv) == 0
    assert loads == [{"logging.level": "DEBUG", "asr.profile": "accurate"}]
    assert [json.loads(line)["type"] for line in capsys.readouterr().out.splitlines()] == [
        "transcript",
        "summary",
    ]


@pytest.mark.parametrize(
    "argv",
    [["config", "show"], ["config", "path"], ["history", "--db", "{home}/none.db", "list"]],
)
def test_every_command_loads_the_config_once(home, loads, argv, capsys) -> None:
    cli.main([arg.format(home=home) for arg in argv])
    assert len(loads) == 1


def test_a_refused_flag_is_said_once_and_the_log_keeps_it(home, loads, capsys) -> None:
    (home / "system.toml").write_text("[locked]\nkeys = ['asr.profile']\n")
    argv = ["--log-level", "INFO", "config", "show", "listen", "--profile", "accurate"]
    assert cli.main(argv) == 0
    site = home / "system.toml"
    line = f"asr.profile is locked by {site}; --profile ignored"
    assert capsys.readouterr().err.count(line) == 1
    assert line in logs.log_file().read_text()


def test_the_self_test_reports_the_config_main_loaded(home, loads, monkeypatch, capsys) -> None:
    from agent_assist import selftest

    monkeypatch.setattr(selftest, "run_steps", lambda cfg: [])
    assert cli.main(["--self-test"]) == 0
    assert len(loads) == 1
    out = capsys.readouterr().out
    assert "config" in out and "self-test passed (0 steps)" in out


def test_the_self_test_fails_on_a_config_that_does_not_load(home, loads, capsys) -> None:
    bad = home / "bad.toml"
    bad.write_text("[asr]\nbeam_size = 99\n")
    assert cli.main(["--config", str(bad), "--self-test"]) == 1
    out = capsys.readouterr().out
    assert "asr.beam_size" in out and "the configuration does not load" in out
    assert len(loads) == 1
