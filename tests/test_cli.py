"""CLI behaviour with the analysis stubbed out (the real pipeline has its own integration tests)."""

import csv
import json
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
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
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
    assert "folder contains no audio files" in err and "no such file or folder" in err


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


EXAMPLES = Path(__file__).parent / "data" / "sentiment_examples.csv"  # real, human-rated


def real_examples(label: str, n: int) -> list[str]:
    rows = csv.DictReader(EXAMPLES.open(encoding="utf-8"))
    return [r["text"] for r in rows if r["label"] == label][:n]


def test_sentiment_command_one_line_out_per_line_in(tmp_path, capsys):
    """Real model: each input line (an empty one too) gives one JSON line, in order."""
    lines = [*real_examples("negative", 2), "", *real_examples("positive", 2)]
    source = tmp_path / "chat.txt"
    source.write_text("\n".join(lines) + "\n")
    assert cli.main(["sentiment", str(source)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["text"] for o in out] == lines
    valence = [o["scores"]["positive"] - o["scores"]["negative"] for o in out]
    assert max(valence[:2]) < min(valence[3:])
    assert set(out[0]["scores"]) == {"negative", "neutral", "positive"} and out[0]["emotion"]


def test_sentiment_command_csv_column(tmp_path, capsys):
    assert cli.main(["sentiment", str(EXAMPLES), "--column", "text"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["text"] for o in out] == [r["text"] for r in csv.DictReader(EXAMPLES.open())]
    assert cli.main(["sentiment", str(EXAMPLES), "--column", "nope"]) == 2
    assert "no column named 'nope'" in capsys.readouterr().err


def test_models_command_verifies_every_model(capsys):
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("whisper-tiny.en", "whisper-base", "silero-vad-v6", "sentiment-minilm"):
        assert f"{name}" in out
    assert "FAILED" not in out
