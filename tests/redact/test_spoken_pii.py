"""Spoken PII through the whole pipeline with the real Whisper models: synthetic calls in two
voices (cards read in one go and four digits at a time, phone numbers, e-mail, IBAN, SSN) are
analysed with ``agent-assist analyze`` in both profiles and stored in the history; no digit run
of the PII may survive in any output."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent_assist.config import Config
from agent_assist.events import Event, TranscriptFinal, event_from_dict
from agent_assist.redact import Redactor
from agent_assist.store.history import History
from tests.redact import spoken_calls

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not spoken_calls.available(), reason="espeak-ng is not installed"),
]
DIGIT_RUN = re.compile(r"[0-9](?:[\s,.\-/_\u2010-\u2015\u2212]*[0-9]){2,}")
"""Three or more digits, across any separator: the script's only digits are PII."""
PLACEHOLDER = re.compile(r"\[(?:CARD|PHONE|SSN|IBAN|NUMBER|EMAIL)\]")


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("spoken")
    us, gb = spoken_calls.VOICES
    return [
        spoken_calls.write_call(folder / "call_a.wav", customer_voice=us, agent_voice="en-gb-x-rp"),
        spoken_calls.write_call(folder / "call_b.wav", customer_voice=gb, agent_voice=us),
    ]


def analyze(calls: list[Path], out: Path, *options: str) -> list[Path]:
    command = [sys.executable, "-m", "agent_assist", "analyze", *map(str, calls)]
    subprocess.run(
        [*command, "--out", str(out), *options], check=True, timeout=900, capture_output=True
    )
    return sorted(p for p in out.iterdir() if p.name != "summary.csv")


def transcripts(path: Path) -> list[TranscriptFinal]:
    events = [event_from_dict(json.loads(line)) for line in path.read_text().splitlines()]
    return [e for e in events if isinstance(e, TranscriptFinal)]


def leaks(texts: list[str]) -> list[str]:
    return [t for t in texts if DIGIT_RUN.search(t) or "@" in t or "example" in t.lower()]


@pytest.fixture(scope="module")
def raw_fast(calls: list[Path], tmp_path_factory: pytest.TempPathFactory) -> list[list[Event]]:
    out = tmp_path_factory.mktemp("raw")
    files = analyze(calls, out, "--profile", "fast", "--format", "jsonl", "--no-redact")
    return [
        [event_from_dict(json.loads(line)) for line in f.read_text().splitlines()] for f in files
    ]


def test_whisper_writes_the_spoken_pii_as_digits(raw_fast: list[list[Event]]) -> None:
    """The premise: unredacted, the transcripts are full of the PII's digits."""
    texts = [e.text for events in raw_fast for e in events if isinstance(e, TranscriptFinal)]
    assert len(leaks(texts)) >= 8, texts


@pytest.mark.parametrize("profile", ["fast", "accurate"])
def test_analyze_leaves_no_digit_run_of_the_pii(
    profile: str, calls: list[Path], tmp_path: Path
) -> None:
    fmt = "jsonl" if profile == "fast" else "csv"
    out = tmp_path / "out"  # its own folder: tmp_path also holds the test's private user folders
    files = analyze(calls, out, "--profile", profile, "--format", fmt)
    assert len(files) == 2
    for path in files:
        if fmt == "jsonl":
            finals = transcripts(path)
            texts = [e.text for e in finals] + ["".join(w.text for w in e.words) for e in finals]
        else:
            with path.open(newline="") as handle:
                texts = [row["text"] for row in csv.DictReader(handle)]
        assert not leaks(texts), (profile, path.name, leaks(texts))
        # the digits were there and were replaced, not lost
        assert len(PLACEHOLDER.findall(" ".join(texts))) >= 8, texts


def test_the_history_keeps_no_digit_run_of_the_pii(
    raw_fast: list[list[Event]], tmp_path: Path
) -> None:
    folder = tmp_path / "history"  # its own folder, apart from the test's private user folders
    folder.mkdir()
    db = folder / "history.sqlite3"
    with History.open(db, redactor=Redactor.from_config(Config())) as history:
        ids = [history.save_call(f"call {i}", datetime.now(UTC), e) for i, e in enumerate(raw_fast)]
        stored = [e for i in ids if i is not None for e in history.events(i)]
    finals = [e for e in stored if isinstance(e, TranscriptFinal)]
    assert len(finals) == sum(isinstance(e, TranscriptFinal) for c in raw_fast for e in c)
    texts = [e.text for e in finals] + ["".join(w.text for w in e.words) for e in finals]
    assert not leaks(texts), leaks(texts)
    long_runs = {
        re.sub(r"\D", "", m.group())
        for events in raw_fast
        for e in events
        if isinstance(e, TranscriptFinal)
        for m in DIGIT_RUN.finditer(e.text)
    }
    long_runs = {run for run in long_runs if len(run) >= 6}
    assert long_runs, "the raw transcripts had long digit runs"
    for file in folder.iterdir():  # the database, its WAL and any journal
        data = file.read_bytes()
        assert not [run for run in long_runs if run.encode() in data], file.name
