"""The bundled samples: heard right by the default profile, and they show what they are for.

The calls go through the real ``agent-assist analyze`` (a subprocess, real models, default
"fast" profile); the reference is the script ``scripts/make_sample_call.py`` synthesised them from.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import soundfile as sf

from agent_assist import paths
from agent_assist.asr.metrics import word_errors
from tests.conftest import user_environment

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "resources" / "samples"
SAMPLE_CALL = paths.sample_call()
MONO_CALL = SAMPLES / "mono_call.flac"
EXPECTED = {"repeat-contact", "supervisor-request", "cancel-intent"}
# Rules with no cause anywhere in the script: firing one means the sample is heard or paced wrong.
NONSENSE = {
    "legal-threat", "refund-request", "not-being-heard", "waiting-too-long", "confused",
    "are-you-there", "avoid-calm-down", "say-what-you-can-do", "warm-transfer", "hold-check-in",
    "dead-air", "talk-over", "agent-talking-a-lot", "slow-down", "customer-raising-voice",
}  # fmt: skip


def generator() -> ModuleType:
    path = REPO / "scripts" / "make_sample_call.py"
    spec = importlib.util.spec_from_file_location("make_sample_call", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def agent_assist(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **user_environment(tmp)}
    command = [sys.executable, "-m", "agent_assist", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result


def analyze(tmp: Path, call: Path) -> list[dict[str, Any]]:
    out = agent_assist(tmp, "analyze", str(call), "--format", "jsonl", "--no-redact").stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def said(events: list[dict[str, Any]], speaker: str | None = None) -> str:
    finals = [e for e in events if e["type"] == "transcript"]
    return " ".join(e["text"] for e in finals if speaker in (None, e["speaker"]))


def script_text(script: list[tuple[str, str]], speaker: str | None = None) -> str:
    return " ".join(text for who, text in script if speaker in (None, who))


@pytest.fixture(scope="module")
def sample_events(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return analyze(tmp_path_factory.mktemp("home"), SAMPLE_CALL)


@pytest.mark.slow
@pytest.mark.parametrize("speaker", ["agent", "customer", None])
def test_default_profile_hears_the_sample_call_as_scripted(
    sample_events: list[dict[str, Any]], speaker: str | None
) -> None:
    reference = script_text(generator().SAMPLE_CALL, speaker)
    heard = said(sample_events, speaker)
    errors, words = word_errors(reference, heard)
    assert errors / words <= 0.05, f"{errors}/{words} word errors: {heard}"


def utterance_with(events: list[dict[str, Any]], *words: str) -> dict[str, Any]:
    finals = [e for e in events if e["type"] == "transcript" and e["speaker"] == "customer"]
    return next(e for e in finals if all(w in e["text"].lower() for w in words))


@pytest.mark.slow
def test_customer_mood_starts_negative_bottoms_at_the_escalation_and_recovers(
    sample_events: list[dict[str, Any]],
) -> None:
    moods = [e for e in sample_events if e["type"] == "mood" and e["speaker"] == "customer"]
    escalation = utterance_with(sample_events, "cancel", "manager")
    assert moods[0]["label"] == "negative" and moods[0]["score"] < 0
    lowest = min(moods, key=lambda m: m["score"])
    assert lowest["time"] == pytest.approx(escalation["end"], abs=0.5), (lowest, escalation)
    assert moods[-1]["label"] != "negative" and moods[-1]["score"] >= 0, moods[-1]
    summary = sample_events[-1]
    assert summary["type"] == "summary" and summary["mood_end"] >= 0


@pytest.mark.slow
def test_the_scripted_suggestions_fire_where_they_are_said_and_no_others(
    sample_events: list[dict[str, Any]],
) -> None:
    fired = {e["id"]: e for e in sample_events if e["type"] == "suggestion"}
    assert fired.keys() >= EXPECTED and not fired.keys() & NONSENSE, sorted(fired)
    repeat = utterance_with(sample_events, "third time")
    escalation = utterance_with(sample_events, "cancel", "manager")
    assert fired["repeat-contact"]["time"] == pytest.approx(repeat["end"], abs=0.5)
    for rule in ("supervisor-request", "cancel-intent"):
        assert fired[rule]["time"] == pytest.approx(escalation["end"], abs=0.5), rule


@pytest.mark.slow
def test_mono_sample_is_one_channel_heard_as_scripted(tmp_path: Path) -> None:
    assert sf.info(str(MONO_CALL)).channels == 1
    events = analyze(tmp_path, MONO_CALL)
    script = generator().MONO_CALL
    errors, words = word_errors(script_text(script), said(events))
    assert errors / words <= 0.05, f"{errors}/{words} word errors: {said(events)}"
    for role in ("agent", "customer"):  # its two voices are told apart (agent_assist.speakers)
        errors, words = word_errors(script_text(script, role), said(events, role))
        assert errors / words <= 0.05, f"{role}: {errors}/{words} word errors"


@pytest.mark.slow
def test_survey_and_chat_samples_score_one_record_per_comment_and_line(tmp_path: Path) -> None:
    survey = SAMPLES / "survey.csv"
    with survey.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = agent_assist(tmp_path, "sentiment", str(survey), "--column", "comment").stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in records] == [row["comment"] for row in rows] and len(rows) >= 10
    by_rating: dict[str, set[str]] = {row["rating"]: set() for row in rows}
    for row, record in zip(rows, records, strict=True):
        by_rating[row["rating"]].add(record["label"])
    assert by_rating["1"] == {"negative"} and by_rating["5"] == {"positive"}, by_rating
    chat = (SAMPLES / "chat.txt").read_text(encoding="utf-8").splitlines()
    out = agent_assist(tmp_path, "sentiment", str(SAMPLES / "chat.txt")).stdout
    assert len(out.splitlines()) == len(chat) and all(": " in line for line in chat)


def test_every_sample_file_names_its_source() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in SAMPLES.iterdir() if p.name != "README.md")
    assert {"sample_call.flac", "mono_call.flac", "chat.txt", "survey.csv"} <= set(files)
    assert [name for name in files if f"`{name}`" not in readme] == []
