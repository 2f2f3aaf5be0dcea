"""A small hand-made archive: three analyzed calls, their metadata and a CSV of text messages.

Figures the tests expect (threshold -0.25) are worked out by hand in the test modules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_assist.events import Event, Sentiment, Speaker, Suggestion, TranscriptFinal
from tests.factories import final, mood, summary

NEGATIVE_BELOW = -0.25
SCORES = {
    "negative": {"negative": 0.8, "neutral": 0.15, "positive": 0.05},
    "neutral": {"negative": 0.1, "neutral": 0.8, "positive": 0.1},
    "positive": {"negative": 0.05, "neutral": 0.15, "positive": 0.8},
}


def turn(
    speaker: Speaker, start: float, text: str, label: str, emotion: str = "neutral"
) -> TranscriptFinal:
    return final(text, start, start + 2, speaker, Sentiment(label, SCORES[label], emotion))


def write_call(folder: Path, name: str, events: list[Event]) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_text("".join(e.to_json() + "\n" for e in events), encoding="utf-8")
    return path


CALL_A = [
    turn("agent", 0, "Thanks for calling, how can I help?", "neutral"),
    turn("customer", 5, "My flight was delayed again", "negative", "anger"),
    mood(10, -0.1),
    mood(20, -0.5),
    Suggestion("acknowledge-upset", "Acknowledge", "Say you understand", 1, 21.0),
    turn("customer", 30, "The delay ruined my day", "negative", "anger"),
    mood(40, -0.6),
    mood(60, -0.1),
    turn("customer", 70, "ok thanks", "neutral"),
    mood(80, -0.3),
    summary("call-a", 100.0, [-0.1, -0.5, -0.6, -0.1, -0.3]),
]
CALL_B = [
    turn("customer", 2, "You lost my bag", "negative", "sadness"),
    mood(5, -0.4),
    Suggestion("acknowledge-upset", "Acknowledge", "Say you understand", 1, 6.0),
    turn("customer", 20, "thank you so much", "positive", "joy"),
    mood(25, 0.2),
    Suggestion("slow-down", "Slow down", "Speak slower", 2, 30.0),
    summary("call-b", 50.0, [-0.4, 0.2]),
]
CALL_C = [
    turn("customer", 1, "great service", "positive", "joy"),
    mood(5, 0.3),
    turn("customer", 15, "all good", "neutral"),
    mood(20, 0.5),
    summary("call-c", 30.0, [0.3, 0.5]),
]
METADATA = """call,agent,team,queue,date
call-a,ann,t1,billing,2026-01-05
call-b,ann,t1,billing,2026-01-06
call-c,bob,t2,sales,2026-01-13
"""
MESSAGES = """text,label,channel,agent,team,date
my refund is late,negative,chat,cy,t2,2026-01-05
love the new app,positive,chat,cy,t2,2026-01-06
"=HYPERLINK(""x"")",negative,email,cy,t2,2026-01-13
no label here,,chat,cy,t2,2026-01-13
"""


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Folder ``calls/`` with the three calls, plus ``meta.csv`` and ``messages.csv``."""
    calls = tmp_path / "calls"
    calls.mkdir()
    write_call(calls, "call-a", CALL_A)
    write_call(calls, "call-b", CALL_B)
    write_call(calls, "call-c", CALL_C)
    (tmp_path / "meta.csv").write_text(METADATA, encoding="utf-8")
    (tmp_path / "messages.csv").write_text(MESSAGES, encoding="utf-8")
    return tmp_path


def archive_paths(root: Path) -> list[Path]:
    return [root / "calls", root / "meta.csv", root / "messages.csv"]
