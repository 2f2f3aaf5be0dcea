"""Real engine events of a short call (a customer who gets frustrated and calms down).

Used by the UI tests and bench/ui_bench.py (the README screenshots come from a real demo run:
scripts/screenshots.py).
"""

from __future__ import annotations

from agent_assist.events import (
    CallSummary,
    Event,
    Evidence,
    PipelineStatus,
    Speaker,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from tests.factories import final, mood


def line(
    speaker: Speaker, start: float, end: float, text: str, label: str = "neutral"
) -> TranscriptFinal:
    return final(text, start, end, speaker, label, strength=0.8, confidence=0.91)


REPEAT = Suggestion(
    id="acknowledge-repeat-contact",
    title="Acknowledge the repeat contact",
    prompt="“I'm sorry you've had to call again. I'll make sure we sort it out today.”",
    priority=1,
    time=15.0,
    evidence=(Evidence("phrase", "this is the third time I'm calling", 12.0, "customer"),),
)
MANAGER = Suggestion(
    id="supervisor-request",
    title="Offer help before escalating",
    prompt="“I can get a supervisor. Before I do, may I try one thing that could fix this now?”",
    priority=1,
    time=24.0,
    evidence=(Evidence("phrase", "I want to speak to a manager", 21.0, "customer"),),
)
EMPATHY = Suggestion(
    id="empathy-negative-mood",
    title="Show empathy",
    prompt="“I can hear how frustrating this has been, and I understand why.”",
    priority=2,
    time=24.5,
    evidence=(Evidence("mood", "mood -0.62 and falling", 24.0, "customer"),),
)


def calm() -> list[Event]:
    return [
        PipelineStatus("listening", "listening", role=None),
        PipelineStatus("info", "CPU · base.en int8"),
        line("customer", 1.0, 4.0, "Hi, I'm calling about my internet bill.", "neutral"),
        mood(4.0, 0.05, "steady"),
        line(
            "agent",
            5.0,
            9.0,
            "Thanks for calling, I can help with that. May I have your account number?",
        ),
        mood(9.0, 0.3, "rising", speaker="agent"),
        TranscriptPartial("customer", 10.0, 11.0, "Sure, it's one two"),
    ]


def escalating() -> list[Event]:
    return [
        *calm(),
        line(
            "customer",
            10.0,
            14.0,
            "This is the third time I'm calling and nobody has fixed it.",
            "negative",
        ),
        mood(14.0, -0.35, "falling"),
        REPEAT,
        line("agent", 15.0, 19.0, "I'm sorry to hear that, let me look into it."),
        mood(19.0, 0.1, "steady", speaker="agent"),
        line(
            "customer",
            20.0,
            23.5,
            "Honestly this is unacceptable, I want to speak to a manager.",
            "negative",
        ),
        mood(23.5, -0.62, "falling"),
        MANAGER,
        EMPATHY,
        TranscriptPartial("agent", 25.0, 26.0, "I completely understand"),
    ]


def full_call() -> list[Event]:
    return [
        *escalating(),
        line(
            "agent",
            25.0,
            31.0,
            "I completely understand. I can apply a credit today and book a technician.",
        ),
        mood(31.0, 0.35, "rising", speaker="agent"),
        line("customer", 32.0, 36.0, "Okay, thank you, that would actually help.", "neutral"),
        mood(36.0, -0.2, "rising"),
        line("customer", 44.0, 48.0, "Great, thanks so much for sorting this out.", "positive"),
        mood(48.0, 0.35, "rising"),
        CallSummary(
            call="sample_call",
            duration=50.0,
            talk_share={"customer": 0.52, "agent": 0.48},
            mood_start=0.05,
            mood_end=0.35,
            mood_min=-0.62,
            negative_seconds=22.0,
            sentiment_counts={"negative": 2, "neutral": 2, "positive": 1},
            suggestions=(REPEAT.id, MANAGER.id, EMPATHY.id),
            utterances=8,
        ),
        PipelineStatus("stopped", "replay finished", time=50.0),
    ]
