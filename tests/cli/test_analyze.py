"""``agent-assist analyze`` (and the parser, ``models``, flags and locks) with the analysis
stubbed out (the real pipeline has its own integration tests)."""

import csv
import dataclasses
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent_assist import batch, cli
from agent_assist.errors import AudioError
from agent_assist.events import (
    CallSummary,
    Evidence,
    MoodUpdate,
    Sentiment,
    Suggestion,
    TranscriptFinal,
)

NEG = Sentiment("negative", {"negative": 0.8, "neutral": 0.15, "positive": 0.05}, "anger")


def scripted_call(path, models, config, on_event):
    if path.read_bytes().startswith(b"BAD"):
        raise AudioError(f"{path}: not an audio file")
    events = [
        TranscriptFinal(
            "customer",
            1.0,
            3.0,
            "this is the third time I'm calling, card 4111 1111 1111 1111",
            0.9,
            NEG,
        ),
        MoodUpdate("customer", 3.0, -0.5, "falling", False, "negative"),
        Suggestion(
            "repeat-contact",
            "Acknowledge the repeat call",
            "I'm sorry you've had to call again.",
            1,
            3.0,
            (Evidence("phrase", "third time I'm calling", 2.0, "customer"),),
        ),
        CallSummary(
            path.stem,
            10.0,
            {"customer": 1.0, "agent": 0.0},
            -0.5,
            -0.5,
            -0.5,
            7.0,
            {"negative": 1, "neutral": 0, "positive": 0},
            ("repeat-contact",),
            1,
        ),
    ]
    for event in events:
        on_event(event)
    return events[-1]


@pytest.fixture
def stub(monkeypatch, tmp_path):
    monkeypatch.setattr(batch, "analyze_call", scripted_call)
    monkeypatch.setattr(
        "agent_assist.pipeline.load_models", lambda config, on_status=None: object()
    )
    calls = tmp_path / "calls"
    calls.mkdir()
    for name in ("a", "b"):
        (calls / f"{name}.wav").write_bytes(b"RIFF....")
    return calls


def test_jsonl_to_stdout(stub, capsys):
    assert cli.main(["analyze", str(stub / "a.wav"), "--format", "jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["type"] for line in lines] == ["transcript", "mood", "suggestion", "summary"]
    transcript = lines[0]
    assert {"speaker", "start", "end", "text", "confidence", "sentiment"} <= transcript.keys()


def test_output_is_redacted_unless_asked(stub, capsys):
    pytest.importorskip("agent_assist.redact")
    cli.main(["analyze", str(stub / "a.wav"), "--format", "jsonl"])
    assert "4111" not in capsys.readouterr().out
    cli.main(["analyze", str(stub / "a.wav"), "--format", "jsonl", "--no-redact"])
    assert "4111 1111" in capsys.readouterr().out


def test_text_timeline(stub, capsys):
    assert cli.main(["analyze", str(stub / "a.wav")]) == 0
    out = capsys.readouterr().out
    assert "CUSTOMER" in out and "mood -0.50" in out and "Acknowledge the repeat call" in out
    assert "Summary of a" in out


def test_folder_writes_one_file_per_call_and_summary(stub, tmp_path):
    out = tmp_path / "out"
    assert cli.main(["analyze", str(stub), "--format", "jsonl", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.jsonl", "b.jsonl", "summary.csv"]
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["call"] for r in rows] == ["a", "b"] and rows[0]["suggestions"] == "repeat-contact"


def test_csv_transcript_table(stub, tmp_path):
    out = tmp_path / "out"
    cli.main(["analyze", str(stub / "a.wav"), "--format", "csv", "--out", str(out)])
    rows = list(csv.DictReader((out / "a.csv").open()))
    assert rows[0]["speaker"] == "customer" and rows[0]["sentiment"] == "negative"
    assert rows[0]["mood"] == "-0.5"
    # the transcript's confidence is named for what it is, not the sentiment's
    assert rows[0]["asr_confidence"] == "0.9" and "confidence" not in rows[0]


def test_batch_carries_on_and_reports_failures(stub, tmp_path, capsys):
    (stub / "broken.wav").write_bytes(b"BAD")
    out = tmp_path / "out"
    assert cli.main(["analyze", str(stub), "--format", "jsonl", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "broken.wav: not an audio file" in err and "1 input(s) failed" in err
    assert (out / "a.jsonl").exists() and (out / "b.jsonl").exists()
    statuses = {r["call"]: r["status"] for r in csv.DictReader((out / "summary.csv").open())}
    assert statuses == {"a": "ok", "b": "ok", "broken": "failed"}


def test_missing_input_and_empty_folder(stub, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["analyze", str(empty), str(tmp_path / "nope.wav")]) == 1
    err = capsys.readouterr().err
    assert "folder contains no audio files" in err and "nope.wav: file not found" in err


def test_invalid_config_is_one_line_and_exit_2(stub, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[asr]\nprofile = 'huge'\n")
    assert cli.main(["--config", str(bad), "analyze", str(stub / "a.wav")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "asr.profile" in err[0]


def test_cli_module_does_not_import_qt():
    import subprocess

    code = (
        "import agent_assist.cli, sys; assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_many_calls_on_worker_processes(stub, tmp_path):
    out = tmp_path / "out"
    args = ["analyze", str(stub), "--format", "jsonl", "--out", str(out), "--workers", "2"]
    assert cli.main(args) == 0
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert sorted(r["call"] for r in rows) == ["a", "b"]
    first = json.loads((out / "a.jsonl").read_text().splitlines()[0])
    assert first["type"] == "transcript" and "4111" not in first["text"]


def test_models_command_verifies_every_model(capsys):
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    names = ("whisper-tiny.en", "whisper-base", "silero-vad-v6", "sentiment-minilm", "speaker-ge2e")
    for name in (*names, "speaker-campplus"):
        assert f"{name}" in out
    assert "FAILED" not in out


# ---------------------------------------------------------------- privacy and safe files

PHONE = "4155550132"


def loading_call(path, models, config, on_event):
    """The stub, after the real loader has read the file (it logs the file's name)."""
    from agent_assist.audio.files import load_call

    load_call(path)
    return scripted_call(path, models, config, on_event)


def three_channel_wav(path: Path) -> Path:
    import numpy as np
    import soundfile as sf

    sf.write(path, np.random.default_rng(0).normal(0, 0.1, (8000, 3)), 8000)
    return path


def test_file_names_are_personal_data(stub, tmp_path, monkeypatch, capsys):
    """A phone number in a file name reaches no output, summary.csv, log or doctor report."""
    from agent_assist import doctor, logs

    monkeypatch.setattr(batch, "analyze_call", loading_call)
    calls = tmp_path / "phones"
    calls.mkdir()
    three_channel_wav(calls / f"{PHONE}.wav")
    (calls / "+1 415 555 0199.wav").write_bytes(b"BAD")
    out = tmp_path / "out"
    assert cli.main(["analyze", str(calls), "--format", "jsonl", "--out", str(out)]) == 1
    capsys.readouterr()
    written = {p.name: p.read_text() for p in out.iterdir()}
    report = doctor.write_report(tmp_path / "report.txt", []).read_text()
    log = "\n".join(logs.tail())
    assert "3 channels" in log  # the loader's warning is there, naming the call by its id
    for text in [*written, *written.values(), log, report]:
        assert PHONE not in text and "555 0199" not in text
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["status"] for r in rows] == ["failed", "ok"]
    assert all("redacted" in r["note"] for r in rows)
    assert rows[1]["output"] in written


def test_no_redact_keeps_the_file_name(stub, tmp_path):
    three_channel_wav(stub / f"{PHONE}.wav")
    out = tmp_path / "out"
    cli.main(["analyze", str(stub), "--format", "jsonl", "--out", str(out), "--no-redact"])
    assert f"{PHONE}.jsonl" in [p.name for p in out.iterdir()]


def test_same_name_in_two_folders_gives_two_outputs(stub, tmp_path):
    for folder in ("x", "y"):
        (stub / folder).mkdir()
        (stub / folder / "call.wav").write_bytes(folder.encode() + b"RIFF")
    out = tmp_path / "out"
    assert cli.main(["analyze", str(stub), "--format", "jsonl", "--out", str(out)]) == 0
    outputs = sorted(p.name for p in out.iterdir() if p.name.startswith("call"))
    assert len(outputs) == 2 and all(re.fullmatch(r"call-[0-9a-f]{6}\.jsonl", n) for n in outputs)
    rows = list(csv.DictReader((out / "summary.csv").open()))
    same = [r for r in rows if r["call"].startswith("call-")]
    assert sorted(r["output"] for r in same) == outputs
    assert all("same name" in r["note"] for r in same)
    (stub / "summary.wav").write_bytes(b"RIFF")
    cli.main(["analyze", str(stub), "--format", "csv", "--out", str(tmp_path / "csv")])
    summary = list(csv.DictReader((tmp_path / "csv" / "summary.csv").open()))
    assert len(summary) == 5 and any(r["call"].startswith("summary-") for r in summary)
    (stub / "summary.wav").unlink()
    again = tmp_path / "again"
    cli.main(["analyze", str(stub), "--format", "jsonl", "--out", str(again)])
    assert sorted(p.name for p in again.iterdir() if p.name.startswith("call")) == outputs


def test_workers_are_capped_with_a_note(stub, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(batch, "load_models", lambda config: object())  # reaches forked workers
    out = tmp_path / "out"
    args = ["analyze", str(stub), "--format", "jsonl", "--out", str(out), "--workers", "8"]
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert "agent-assist: note: --workers 8 capped at 2 (2 call(s) to analyse)" in err
    with pytest.raises(SystemExit):
        cli.main([*args[:-1], "0"])


def test_a_full_disk_is_one_line_and_a_failure(stub, capsys):
    args = ["analyze", str(stub), "--format", "jsonl", "--summary", "/dev/full"]
    assert cli.main(args) != 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert err == ["agent-assist: error: /dev/full: cannot write (no space left on device)"]


def test_outputs_are_private(stub, tmp_path):
    out = tmp_path / "new" / "out"
    assert cli.main(["analyze", str(stub), "--format", "csv", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert modes == dict.fromkeys(["a.csv", "b.csv", "summary.csv"], 0o600)


def test_csv_cells_cannot_run_as_formulas(stub, tmp_path, monkeypatch, capsys):
    def formula_call(path, models, config, on_event):
        def rewrite(event):
            if isinstance(event, TranscriptFinal):
                event = dataclasses.replace(event, text='=HYPERLINK("http://x.example","y")')
            on_event(event)

        return scripted_call(path, models, config, rewrite)

    monkeypatch.setattr(batch, "analyze_call", formula_call)
    (stub / "@SUM(A1).wav").write_bytes(b"RIFF")
    out = tmp_path / "out"
    assert cli.main(["analyze", str(stub), "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "a.csv").open()))
    assert rows[0]["text"].startswith("'=HYPERLINK") and rows[0]["mood"] == "-0.5"
    summary = list(csv.DictReader((out / "summary.csv").open()))
    assert summary[0]["call"] == "'@SUM(A1)" and summary[0]["mood_end"] == "-0.5"
    assert cli.main(["analyze", str(stub / "a.wav"), "--format", "csv"]) == 0
    printed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert printed[0]["text"].startswith("'=HYPERLINK") and printed[0]["call"] == "a"


# ---------------------------------------------------------------- locks beat flags


def test_locked_keys_beat_command_line_flags(stub, locked_site, monkeypatch, capsys):
    import logging

    seen = []
    monkeypatch.setattr(
        "agent_assist.pipeline.load_models", lambda config, on_status=None: seen.append(config)
    )
    args = [
        "--log-level", "DEBUG", "analyze", str(stub / "a.wav"), "--format", "jsonl",
        "--profile", "accurate", "--channels", "customer,agent", "--mono-role", "agent",
        "--no-redact",
    ]  # fmt: skip
    assert cli.main(args) == 0
    captured = capsys.readouterr()
    assert "4111" not in captured.out
    config = seen[0]
    assert config.asr.profile == "fast" and config.privacy.redact_outputs
    assert (config.audio.stereo_left, config.audio.mono_role) == ("agent", "customer")
    assert logging.getLogger().level == logging.WARNING
    refused = [line for line in captured.err.splitlines() if line.startswith("agent-assist:")]
    assert sorted(refused) == sorted(
        f"agent-assist: {key} is locked by {locked_site}; {flag} ignored"
        for key, flag in [
            ("logging.level", "--log-level"),
            ("asr.profile", "--profile"),
            ("audio.stereo_left", "--channels"),
            ("audio.mono_role", "--mono-role"),
            ("privacy.redact_outputs", "--no-redact"),
        ]
    )


def test_flags_apply_where_nothing_is_locked(stub, monkeypatch, capsys):
    import logging

    seen = []
    monkeypatch.setattr(
        "agent_assist.pipeline.load_models", lambda config, on_status=None: seen.append(config)
    )
    args = ["analyze", str(stub / "a.wav"), "--profile", "accurate", "--mono-role", "agent"]
    assert cli.main(["--log-level", "DEBUG", *args, "--channels", "customer,agent"]) == 0
    config = seen[0]
    assert (config.asr.profile, config.audio.stereo_left) == ("accurate", "customer")
    assert config.audio.mono_role == "agent" and logging.getLogger().level == logging.DEBUG
    assert "locked" not in capsys.readouterr().err


def test_the_configured_log_level_takes_effect(stub, tmp_path):
    import logging

    user = tmp_path / "user.toml"
    user.write_text('[logging]\nlevel = "ERROR"\n')
    assert cli.main(["--config", str(user), "analyze", str(stub / "a.wav")]) == 0
    assert logging.getLogger().level == logging.ERROR


def test_a_dead_worker_fails_its_call_not_the_batch(stub, tmp_path, monkeypatch, capsys):
    """A worker SIGKILLed twice on one call: the others finish, summary.csv lists all three."""
    import multiprocessing

    from tests.test_batch import killer, waiting_call

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the stand-ins reach the workers only when they are forked")
    monkeypatch.setattr(batch, "analyze_call", waiting_call)
    monkeypatch.setattr(batch, "load_models", lambda config: object())
    (stub / "pids").mkdir()
    (stub / "crash.wav").write_bytes(b"RIFF")
    out = tmp_path / "out"
    thread = killer(stub, kills=2)
    args = ["analyze", str(stub), "--format", "jsonl", "--out", str(out), "--workers", "2"]
    assert cli.main(args) == 1
    thread.join(5)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "1 input(s) failed" in err
    rows = {r["call"]: r for r in csv.DictReader((out / "summary.csv").open())}
    assert {call: row["status"] for call, row in rows.items()} == {
        "a": "ok",
        "b": "ok",
        "crash": "failed",
    }
    assert rows["crash"]["error"] == f"crash: {batch.WORKER_DIED}"


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root")
def test_a_real_full_disk_loses_no_result_silently(tmp_path):
    """Real models, a real 64 KiB tmpfs nearly full: one line per file that cannot be written,
    no partial or temporary file left, exit 1."""
    disk = tmp_path / "disk"
    disk.mkdir()
    jfk = Path(__file__).parents[1] / "data" / "jfk.flac"
    script = (
        f"mount -t tmpfs -o size=64k tmpfs {disk} && head -c 61440 /dev/zero > {disk}/filler;"
        f" {sys.executable} -m agent_assist analyze {jfk} --format jsonl --out {disk}/out;"
        f" echo rc=$?; ls -A {disk}/out"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
        env=env,
    )
    assert "Traceback" not in done.stderr
    error = f"agent-assist: error: {disk}/out/jfk.jsonl: cannot write (no space left on device)"
    assert error in done.stderr.splitlines()
    assert done.stdout.splitlines() == ["rc=1"]  # and the folder is empty


def test_help_is_for_users_not_the_module_docstring():
    text = cli.build_parser().format_help()
    assert cli.__doc__ is not None
    assert cli.__doc__.split(".")[0] not in text and "PySide6" not in text
    for words in ("transcribes", "overlay", "never leave this computer", "--demo", "analyze"):
        assert words in text
    assert "docs/it-guide.md" in text and "docs/privacy.md" in text
    out = subprocess.run(
        [sys.executable, "-m", "agent_assist", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "Listens to a call on this computer" in out and out.isascii()
