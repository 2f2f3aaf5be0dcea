"""Support logging: a private rotating file in the user log dir that never holds call content."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import numpy as np
import pytest

from agent_assist import logs
from agent_assist.config import Config
from agent_assist.contracts import Utterance
from agent_assist.engine import CallEngine
from agent_assist.events import Suggestion
from agent_assist.guidance.engine import GuidanceEngine
from agent_assist.guidance.playbook import load_playbook
from agent_assist.paths import default_playbook
from tests.fakes import KeywordSentiment, ScriptedTranscriber

# Each line carries a marker word next to a phrase the default playbook reacts to, so any
# evidence excerpt or text logged anywhere would carry the marker into the file.
CALL = [
    ("customer", "zanzibar I want to speak to your manager right now zanzibar"),
    ("agent", "quixotic let me put you on hold for a moment quixotic"),
    ("customer", "marmalade this is unacceptable and I will call my lawyer marmalade"),
    ("customer", "periwinkle I want to cancel my account periwinkle"),
]
MARKERS = ("zanzibar", "quixotic", "marmalade", "periwinkle")
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def log_dir():
    """The test's private log folder (tests/conftest.py isolates every test)."""
    yield logs.log_file().parent
    logs.setup("WARNING", to_file=False)


def run_call() -> list:
    transcriber = ScriptedTranscriber([text for _, text in CALL])
    guidance = GuidanceEngine(load_playbook(default_playbook()), Config().guidance)
    engine = CallEngine(transcriber, KeywordSentiment(), guidance, Config(), "log-test")
    events = []
    for i, (speaker, _) in enumerate(CALL):
        audio = np.zeros(32000, dtype=np.float32)
        events += engine.on_utterance(Utterance(speaker, i * 3.0, i * 3.0 + 2.0, audio))
        events += engine.tick(i * 3.0 + 2.5)
    return events + engine.finish(20.0)


def test_log_file_is_in_the_user_log_dir_and_private(log_dir):
    logs.setup("INFO")
    logging.getLogger("agent_assist.test").info("hello")
    path = logs.log_file()
    assert path.parent == log_dir and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "INFO agent_assist.test: hello" in path.read_text()


def test_debug_log_of_a_call_holds_no_transcript_text(log_dir):
    logs.setup("DEBUG")
    events = run_call()
    assert sum(isinstance(e, Suggestion) for e in events) >= 2  # the guidance really ran
    logging.getLogger("agent_assist.test").debug("end of call")
    text = logs.log_file().read_text().lower()
    assert "end of call" in text
    leaked = [m for m in MARKERS if m in text]
    assert not leaked, f"transcript text in the log: {leaked}"


def test_log_rotates(log_dir, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    logs.setup("INFO")
    for i in range(200):
        logging.getLogger("agent_assist.test").info("line %d %s", i, "x" * 40)
    rotated = sorted(p.name for p in log_dir.iterdir())
    assert "agent-assist.log.1" in rotated and len(rotated) <= logs.BACKUPS + 1
    assert stat.S_IMODE((log_dir / "agent-assist.log.1").stat().st_mode) == 0o600
    last = logs.tail(5)
    assert len(last) == 5 and last[-1].endswith("line 199 " + "x" * 40)


def test_tail_spans_the_rotated_file(log_dir):
    log_dir.mkdir(parents=True)
    (log_dir / "agent-assist.log.1").write_text("a\nb\nc\n")
    (log_dir / "agent-assist.log").write_text("d\n")
    assert logs.tail(3) == ["b", "c", "d"]
    assert logs.tail(10) == ["a", "b", "c", "d"]


def test_unwritable_log_dir_is_a_warning_not_a_crash(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(logs, "log_file", lambda: blocker / "sub" / "agent-assist.log")
    logs.setup("INFO")
    assert "cannot write log file" in capsys.readouterr().err
    logs.setup("WARNING", to_file=False)


def test_stderr_shows_warnings_while_the_file_keeps_info(log_dir, capsys):
    logs.setup("INFO", stderr_level="WARNING")
    logging.getLogger("agent_assist.test").info("quiet detail")
    logging.getLogger("agent_assist.test").warning("loud problem")
    err = capsys.readouterr().err
    assert "loud problem" in err and "quiet detail" not in err
    assert "quiet detail" in logs.log_file().read_text()
    logs.setup("DEBUG", stderr_level="DEBUG")
    logging.getLogger("agent_assist.test").debug("debug detail")
    assert "debug detail" in capsys.readouterr().err


def test_the_effective_logging_level_is_applied(log_dir, tmp_path, monkeypatch, capsys):
    from agent_assist import config as config_module

    system = tmp_path / "system.toml"
    monkeypatch.setenv("AGENT_ASSIST_SYSTEM_CONFIG", str(system))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))
    system.write_text("[logging]\nlevel = 'ERROR'\n")
    logs.setup_from_config(config_module.load_layered())
    assert logging.getLogger().level == logging.ERROR
    logging.getLogger("agent_assist.test").warning("below the site level")
    assert "below the site level" not in capsys.readouterr().err

    flags = {"logging.level": "DEBUG"}
    names = {"logging.level": "--log-level"}
    logs.setup_from_config(config_module.load_layered(flags=flags, flag_names=names))
    logging.getLogger("agent_assist.test").debug("debug on stderr")
    assert logging.getLogger().level == logging.DEBUG
    assert "debug on stderr" in capsys.readouterr().err

    system.write_text("[logging]\nlevel = 'ERROR'\n[locked]\nkeys = ['logging']\n")
    logs.setup_from_config(config_module.load_layered(flags=flags, flag_names=names))
    assert logging.getLogger().level == logging.ERROR


@pytest.mark.slow
def test_a_real_transcription_logs_faster_whisper_chunks_only_at_debug(log_dir):
    import soundfile as sf

    from agent_assist.asr.whisper import WhisperTranscriber
    from agent_assist.config import AsrConfig

    audio, _ = sf.read(DATA / "jfk.flac", dtype="float32")
    logs.setup("INFO")
    transcriber = WhisperTranscriber.load(AsrConfig(profile="fast", cpu_threads=2))
    assert "fellow americans" in transcriber.transcribe(audio[: 5 * 16_000]).text.lower()
    logging.getLogger("agent_assist.test").info("after the transcription")
    text = logs.log_file().read_text()
    assert "after the transcription" in text
    assert "faster_whisper" not in text

    logs.setup("DEBUG")
    transcriber.transcribe(audio[: 5 * 16_000])
    assert "faster_whisper: Processing audio with duration" in logs.log_file().read_text()


@pytest.mark.parametrize(
    ("level", "kept", "dropped"),
    [("DEBUG", ["DEBUG", "INFO", "WARNING"], []), ("WARNING", ["WARNING"], ["DEBUG", "INFO"])],
)
def test_logging_level_in_the_config_file_decides_what_the_log_keeps(
    log_dir, tmp_path, level, kept, dropped
):
    """A run with ``--config`` holding ``logging.level``: the log file keeps that level and up."""
    from agent_assist import cli

    user = tmp_path / "user.toml"
    user.write_text(f'[logging]\nlevel = "{level}"\n')
    assert cli.main(["--config", str(user), "config", "path"]) == 0
    test_log = logging.getLogger("agent_assist.test")
    for name in ("DEBUG", "INFO", "WARNING"):
        test_log.log(logging.getLevelName(name), "line at %s", name)
    text = logs.log_file().read_text()
    assert all(f"{name} agent_assist.test: line at {name}" in text for name in kept)
    assert not any(f"line at {name}" in text for name in dropped)


def test_personal_data_in_a_log_message_is_redacted_with_the_configs_keep_list(log_dir, tmp_path):
    """The log redaction filter is installed on every handler, with ``privacy.redact_keep``."""
    from agent_assist import cli

    user = tmp_path / "user.toml"
    user.write_text('[privacy]\nredact_keep = ["ORD-[0-9]+"]\n')
    assert cli.main(["--config", str(user), "config", "path"]) == 0
    logging.getLogger("agent_assist.test").warning(
        "cannot open %s for order ORD-12345678 (card %s)",
        "/calls/Jane 415-555-0132.wav",
        "4111 1111 1111 1111",
    )
    text = logs.log_file().read_text()
    assert "ORD-12345678" in text and "[CARD]" in text
    assert "4111" not in text and "555-0132" not in text
