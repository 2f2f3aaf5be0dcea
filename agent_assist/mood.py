"""Mood: a smoothed per-speaker score in [-1, 1] with a trend.

Each utterance moves the score towards its valence (positive minus negative probability) by a
weight that grows with the smoothing factor, the utterance's length and its transcript
confidence. An unreliable transcript does not move the score and marks the mood uncertain.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from agent_assist.config import MoodConfig
from agent_assist.events import MoodUpdate, Speaker, TranscriptFinal, Trend

FULL_WEIGHT_WORDS = 8
POSITIVE_ABOVE = 0.25


def utterance_weight(text: str, confidence: float, smoothing: float) -> float:
    """How far one utterance moves the mood: short or low-confidence turns move it less."""
    words = len(text.split())
    length_factor = min(1.0, 0.4 + 0.6 * words / FULL_WEIGHT_WORDS)
    return smoothing * length_factor * max(0.0, min(1.0, confidence))


def mood_label(score: float, negative_below: float) -> str:
    if score < negative_below:
        return "negative"
    if score > POSITIVE_ABOVE:
        return "positive"
    return "neutral"


MOOD_WORDS = ((-0.6, "very upset"), (-0.25, "upset"), (0.25, "neutral"), (0.6, "happy"))


def mood_number(score: float) -> str:
    """The score as people see it (overlay, review, history exports): -100 … +100."""
    value = round(max(-1.0, min(1.0, score)) * 100)
    return f"{value:+d}" if value else "0"


def mood_words(score: float) -> str:
    """The score in words: very upset, upset, neutral, happy, very happy."""
    return next((word for limit, word in MOOD_WORDS if score < limit), "very happy")


def trend_of(
    history: deque[tuple[float, float]], now: float, score: float, config: MoodConfig
) -> Trend:
    past = [s for t, s in history if t >= now - config.trend_window_s]
    if not past:
        return "steady"
    delta = score - past[0]
    if delta > config.trend_threshold:
        return "rising"
    if delta < -config.trend_threshold:
        return "falling"
    return "steady"


@dataclass
class SpeakerMood:
    score: float = 0.0
    updates: int = 0
    history: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=512))


class MoodTracker:
    """One smoothed mood per speaker; ``update`` turns a final transcript into a MoodUpdate."""

    def __init__(self, config: MoodConfig, min_confidence: float = 0.45) -> None:
        self.config = config
        self.min_confidence = min_confidence
        self._moods: dict[Speaker, SpeakerMood] = {}

    def score(self, speaker: Speaker) -> float:
        return self._moods.get(speaker, SpeakerMood()).score

    def update(self, final: TranscriptFinal) -> MoodUpdate | None:
        if final.sentiment is None:
            return None
        mood = self._moods.setdefault(final.speaker, SpeakerMood())
        uncertain = not final.reliable or final.confidence < self.min_confidence
        if not uncertain:
            weight = utterance_weight(final.text, final.confidence, self.config.smoothing)
            if mood.updates == 0:
                weight = max(weight, 0.5)
            mood.score += weight * (final.sentiment.valence - mood.score)
            mood.updates += 1
        trend = trend_of(mood.history, final.end, mood.score, self.config)
        mood.history.append((final.end, mood.score))
        return MoodUpdate(
            speaker=final.speaker,
            time=final.end,
            score=mood.score,
            trend=trend,
            uncertain=uncertain,
            label=mood_label(mood.score, self.config.negative_below),
        )
