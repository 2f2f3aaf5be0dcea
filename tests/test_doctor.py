"""doctor: checks, GPU fallback status, and the support bundle (which holds no call content)."""

from __future__ import annotations

import argparse
import json
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_assist import cli, config, doctor, logs, paths
from agent_assist.audio.files import load_call
from agent_assist.config import Config
from agent_assist.errors import AgentAssistError
from agent_assist.redact import Redactor
from tests.conftest import examples


@pytest.fixture
def home(isolated_dirs: Path) -> Iterator[Path]:
    """The test's private user folders; doctor's logging setup is undone after it."""
    yield isolated_dirs
    logs.setup("WARNING", to_file=False)


def args(**kw) -> argparse.Namespace:
    return argparse.Namespace(**{"config": None, "report": None, **kw})


def run_doctor(namespace: argparse.Namespace) -> int:
    """``doctor`` as ``main`` runs it: on the run's config, or on why that did not load."""
    user = Path(namespace.config) if namespace.config else None
    try:
        loaded = config.load_layered(user)
    except AgentAssistError as error:
        return doctor.run(namespace, None, str(error))
    return doctor.run(namespace, loaded)


def read_bundle(path: Path) -> str:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as bundle:
            return "\n".join(bundle.read(name).decode() for name in bundle.namelist())
    return path.read_text()


def test_report_has_versions_config_origins_and_log_tail(home, capsys):
    system = Path(paths.system_config_file())
    system.write_text("[privacy]\nhistory = false\n[locked]\nkeys = ['privacy.history']\n")
    logs.setup("INFO")
    logging.getLogger("agent_assist.test").info("marker line for the tail")
    report = home / "out" / "report.txt"
    code = run_doctor(args(report=str(report)))
    out = capsys.readouterr().out
    assert f"support bundle written to {report}" in out
    text = report.read_text()
    for name in (
        "agent-assist: 0.1.0",
        "python: 3.",
        "faster-whisper: 1.2.1",
        "ctranslate2: 4.8.5",
        "onnxruntime: ",
        "PySide6-Essentials: ",
        "os: ",
    ):
        assert name in text, name
    origin = re.escape(f"system:{system}")
    assert re.search(rf"^history = false +# {origin} \(locked\)$", text, re.M)
    assert re.search(r"^beam_size = 0 +# default$", text, re.M)
    assert "[ok] locked keys: privacy.history" in text
    assert "model whisper-tiny.en" in text and "sha256 verified" in text
    assert "marker line for the tail" in text.split("== log:")[1]
    assert code in (0, 1)  # 1 only while a required model is missing on this machine


def test_zip_bundle(home):
    path = doctor.write_report(home / "bundle.zip", [doctor.Check("x", True, "fine")], None)
    with zipfile.ZipFile(path) as bundle:
        assert bundle.namelist() == ["agent-assist-report.txt"]
        assert "[ok] x: fine" in bundle.read("agent-assist-report.txt").decode()


def test_unwritable_report_is_one_line_error(home):
    blocker = home / "file"
    blocker.write_text("")
    with pytest.raises(doctor.AgentAssistError, match=r"cannot write the report"):
        doctor.write_report(blocker / "sub" / "r.txt", [], None)


def test_broken_config_fails_and_names_the_file(home, capsys):
    user = paths.user_config_file()
    user.parent.mkdir(parents=True)
    user.write_text("[asr]\nbeam_size = 99\n")
    assert run_doctor(args()) == 1
    out = capsys.readouterr().out
    assert f"[FAIL] config: {user}: asr.beam_size:" in out


def test_report_argument_parses():
    parser = argparse.ArgumentParser()
    doctor.add_report_argument(parser)
    assert parser.parse_args(["--report", "x.zip"]).report == "x.zip"
    assert parser.parse_args([]).report is None


def test_gpu_fallback_is_reported_on_a_cpu_machine(monkeypatch):
    gpus, providers = doctor.cuda_status()
    if gpus:
        pytest.skip("this machine has a CUDA GPU")
    config = Config.model_validate({"asr": {"device": "cuda"}})
    cpu, gpu = doctor.check_compute(config)
    assert cpu.ok and not gpu.ok and not gpu.required
    assert "no CUDA device" in gpu.detail and "fall back to the CPU" in gpu.detail
    auto = doctor.check_compute(Config())[1]
    assert auto.ok and "speech runs on the CPU" in auto.detail


def test_gpu_found_is_reported(monkeypatch):
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    monkeypatch.setattr(doctor, "cuda_status", lambda: (2, providers))
    gpu = doctor.check_compute(Config())[1]
    assert gpu.ok and "2 CUDA device(s)" in gpu.detail and "CUDA provider: yes" in gpu.detail


def test_asr_device_auto_falls_back_to_cpu_here():
    from agent_assist.asr.whisper import select_device

    if doctor.cuda_status()[0]:
        pytest.skip("this machine has a CUDA GPU")
    assert select_device("auto")[:2] == ("cpu", "int8")
    device, _, message = select_device("cuda")
    assert device == "cpu" and "falling back to CPU" in message


@pytest.mark.slow
def test_bundle_after_a_real_call_holds_no_call_content(home, capsys):
    """Analyse the sample call (real models, logging to the real file), then bundle."""
    assert cli.main(["analyze", str(paths.sample_call()), "--format", "jsonl", "--no-redact"]) == 0
    out = capsys.readouterr().out
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    texts = [e["text"] for e in events if e["type"] == "transcript" and e["text"].strip()]
    details = [ev["detail"] for e in events if e["type"] == "suggestion" for ev in e["evidence"]]
    assert len(texts) >= 5
    assert logs.log_file().is_file() and logs.tail(50)
    path = doctor.write_report(home / "support.zip", doctor.run_checks(Config()), None)
    bundle = read_bundle(path)
    lowered = " ".join(bundle.lower().split())
    for text in texts + details:
        words = re.findall(r"[a-z']+", text.lower())
        for i in range(max(1, len(words) - 3)):
            shingle = " ".join(words[i : i + 4])
            assert len(words) < 4 or shingle not in lowered, f"call content: {shingle!r}"


JFK = Path(__file__).resolve().parent / "data" / "jfk.flac"
SLOW_PHRASE = "this " + "* " * 14 + "nevermatched"
SLOW_PLAYBOOK = f"""
[[rule]]
id = "many-gaps"
title = "Many gaps"
prompt = "A phrase with more gaps than matching allows"
priority = 50
cooldown_s = 0
trigger = {{ kind = "phrase", speaker = "any", phrases = ["refund", "{SLOW_PHRASE}"] }}
"""


def test_playbook_over_the_phrase_bounds_fails_naming_file_rule_and_phrase(home, capsys):
    playbook = home / "slow.toml"
    playbook.write_text(SLOW_PLAYBOOK)
    user = home / "user.toml"
    user.write_text(f'[guidance]\nplaybook = "{playbook}"\n')
    assert run_doctor(args(config=str(user))) == 1
    [line] = [line for line in capsys.readouterr().out.splitlines() if "playbook:" in line]
    assert line == (
        f"[FAIL] playbook: {playbook}: rule 'many-gaps': trigger.phrases: '{SLOW_PHRASE}' "
        "has 14 gaps ('*'); at most 6 are allowed"
    )


def test_bundle_redacts_pii_file_names_and_the_home_folder_from_the_log(home, monkeypatch, capsys):
    """A call file named after the customer, logged by the real loader, and an error message
    holding a card and an e-mail: none of it, nor the home folder's name, reaches the bundle."""
    user_home = home  # the log and config folders are under it, as on a real machine
    monkeypatch.setenv("HOME", str(user_home))
    call = user_home / "calls" / "Jane Doe 415-555-0132.wav"
    call.parent.mkdir(parents=True)
    mono, rate = soundfile.read(JFK, dtype="float32", frames=16000)
    soundfile.write(call, numpy.stack([mono, mono], axis=1), rate)
    logs.setup("INFO")
    load_call(call)
    try:
        raise ValueError("card 4111 1111 1111 1111 for jane.doe@example.com")
    except ValueError:
        logging.getLogger("agent_assist.live").exception("stage failed on customer audio")
    logging.getLogger("agent_assist.test").info("marker line for the tail")
    assert "Jane Doe [PHONE].wav" in logs.log_file().read_text()  # the log redacts on its own
    report = user_home / "support.zip"
    run_doctor(args(report=str(report)))
    bundle = read_bundle(report)
    for secret in ("Jane", "Doe", "555", "4111", "jane.doe@", "example.com", str(user_home)):
        assert secret not in bundle, secret
    log_part = bundle.split("== log:")[1]
    assert re.search(r"INFO agent_assist\.audio\.files: \[audio file\]: both channels", log_part)
    assert "ValueError: card [CARD] for [EMAIL]" in log_part
    assert re.search(
        r"^\d{4}-\d\d-\d\d [\d:,]+ INFO agent_assist.test: marker line", log_part, re.M
    )
    assert f"lines of ~/{logs.log_file().relative_to(user_home)}" in bundle


@pytest.mark.parametrize(
    ("message", "scrubbed"),
    [
        ("/calls/John Smith.wav: odd file", "[audio file]: odd file"),
        ("loaded C:\\Calls\\Mary Major.MP3 (stereo)", "loaded [audio file] (stereo)"),
        ("3 files: a b.flac, 'c d.ogg'", "3 files: [audio file], '[audio file]'"),
        ("call +1 (415) 555-0132 failed", "call [PHONE] failed"),
        ("loaded model.onnx and 2 files", "loaded model.onnx and 2 files"),
    ],
)
def test_log_messages_lose_audio_file_names_and_pii(message: str, scrubbed: str) -> None:
    line = f"2026-01-02 03:04:05,678 WARNING agent_assist.x: {message}"
    expected = f"2026-01-02 03:04:05,678 WARNING agent_assist.x: {scrubbed}"
    assert doctor.scrub_log_line(line, Redactor()) == expected


def test_home_folder_written_as_tilde_only_where_it_is_the_folder() -> None:
    home = Path("/home/jdoe")
    text = "python: 3.11 (/home/jdoe/.venv/bin/python); /home/jdoe2/x; user:/home/jdoe"
    assert (
        doctor.without_home(text, home)
        == "python: 3.11 (~/.venv/bin/python); /home/jdoe2/x; user:~"
    )


@settings(max_examples=examples(200))
@given(
    name=st.text(alphabet=st.sampled_from("acvwXYZ019 -_+().,#é"), min_size=1, max_size=40).filter(
        lambda n: n.strip() and not n.endswith(" ")
    ),
    suffix=st.sampled_from(["wav", "flac", "mp3", "ogg", "m4a", "opus", "aac"]),
    folder=st.sampled_from(["", "/home/jdoe/calls/", "C:\\Calls\\", "./in box/"]),
)
def test_any_audio_file_name_in_a_log_message_is_removed(name: str, suffix: str, folder: str):
    message = f"{folder}{name}.{suffix.upper()}: both channels carry the same signal"
    line = doctor.scrub_log_line(
        f"2026-01-02 03:04:05,678 INFO agent_assist.audio.files: {message}", Redactor()
    )
    assert line.endswith(": [audio file]: both channels carry the same signal"), line
