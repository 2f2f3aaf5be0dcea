"""Hand-made call events for the store tests."""

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from agent_assist.events import (
    CallSummary,
    Event,
    Evidence,
    Latency,
    MoodUpdate,
    Speaker,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from tests import factories

CARD = "4111 1111 1111 1111"
PHONE = "555-123-4567"
EMAIL = "jane.doe@example.com"
PII = (CARD, PHONE, EMAIL, "4111", "555-123", "jane.doe")


def final(speaker: Speaker, start: float, text: str, label: str) -> TranscriptFinal:
    said = factories.final(
        text, start, None, speaker, factories.sentiment(label, 0.8, "anger"), confidence=0.91
    )
    return replace(said, words=factories.words(text, start, step=0.4, length=0.3))


def sample_call(triggers: tuple[str, ...] = ("calm_down", "verify_identity")) -> list[Event]:
    """A hand-made call: PII in the customer's words, moods for both sides, suggestions."""
    events: list[Event] = [
        TranscriptPartial(speaker="customer", start=0.0, end=1.0, text=f"my card {CARD}"),
        final("customer", 0.0, f"my card is {CARD} and it was charged twice", "negative"),
        MoodUpdate(
            speaker="customer",
            time=3.0,
            score=-0.6,
            trend="falling",
            uncertain=False,
            label="negative",
        ),
        final("agent", 4.0, "I'm sorry to hear that, let me check", "neutral"),
        MoodUpdate(speaker="agent", time=7.0, score=0.1, trend="steady", uncertain=False),
        final("customer", 8.0, f"call me back on {PHONE} or mail {EMAIL}", "neutral"),
        MoodUpdate(speaker="customer", time=11.0, score=-0.2, trend="rising", uncertain=False),
        Latency(
            speaker="customer",
            utterance_end=11.0,
            speech_end=10.7,
            to_transcript=0.4,
            to_mood=0.5,
            to_guidance=0.5,
        ),
    ]
    for i, trigger in enumerate(triggers):
        events.append(
            Suggestion(
                id=trigger,
                title=trigger.replace("_", " ").title(),
                prompt="Say so.",
                priority=1,
                time=3.5 + i,
                evidence=(
                    Evidence(kind="phrase", detail=f"card {CARD}", time=1.0, speaker="customer"),
                ),
            )
        )
    events.append(
        CallSummary(
            call="sample.wav",
            duration=12.0,
            talk_share={"customer": 0.6, "agent": 0.4},
            mood_start=-0.6,
            mood_end=-0.2,
            mood_min=-0.6,
            negative_seconds=5.0,
            sentiment_counts={"negative": 1, "neutral": 2, "positive": 0},
            suggestions=triggers,
            utterances=3,
        )
    )
    return events


NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def write_v1_database(path: Path, call_id: int = 7, name: str = "v1") -> None:
    """A history database as agent-assist wrote it at schema version 1, with one call."""
    from agent_assist.store.history import MIGRATIONS

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    MIGRATIONS[0](conn)
    conn.execute("INSERT INTO schema_version VALUES (1)")
    events = [e for e in sample_call() if not isinstance(e, TranscriptPartial)]
    conn.execute(
        "INSERT INTO calls (id, name, started_at, duration, summary) VALUES (?, ?, ?, 12, NULL)",
        (call_id, name, NOON.isoformat(timespec="microseconds")),
    )
    conn.executemany(
        f"INSERT INTO events VALUES ({call_id}, ?, ?, ?)",
        [(i, e.type, e.to_json()) for i, e in enumerate(events)],
    )
    conn.commit()
    conn.close()
