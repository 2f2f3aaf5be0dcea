"""The one factory for events that tests build by hand: real event objects with plain defaults.

Scripted calls (``tests/ui/scenario.py``, ``tests/store/store_calls.py``, the insights archive)
and the guidance, mood and redaction tests all build their transcripts, moods and cues here.
"""

from __future__ import annotations

from typing import Any

from agent_assist.config import MoodConfig
from agent_assist.events import (
    CallSummary,
    MoodUpdate,
    Sentiment,
    Speaker,
    TranscriptFinal,
    Trend,
    VoiceCues,
    Word,
)
from agent_assist.mood import mood_label

LABELS = ("negative", "neutral", "positive")
EMOTIONS = {"negative": "anger", "neutral": "neutral", "positive": "joy"}


def sentiment(label: str = "neutral", strength: float = 0.9, emotion: str = "") -> Sentiment:
    """``label`` with probability ``strength``, the rest split evenly between the other two."""
    rest = (1.0 - strength) / 2
    scores = {name: rest for name in LABELS}
    scores[label] = strength
    return Sentiment(label=label, scores=scores, emotion=emotion or EMOTIONS[label])


def words(
    text: str, start: float = 0.0, step: float = 0.3, length: float = 0.25, probability: float = 0.9
) -> tuple[Word, ...]:
    """One timed word per token, ``step`` seconds apart (each with Whisper's leading space)."""
    return tuple(
        Word(start + i * step, start + i * step + length, f" {token}", probability)
        for i, token in enumerate(text.split())
    )


def final(
    text: str,
    start: float = 0.0,
    end: float | None = None,
    speaker: Speaker = "customer",
    mood: str | Sentiment | None = "neutral",
    strength: float = 0.9,
    confidence: float = 0.9,
    reliable: bool = True,
    timed: bool = False,
) -> TranscriptFinal:
    """A final transcript (3 s long unless ``end``); ``mood`` is a label, a Sentiment or None;
    ``timed`` adds word timings."""
    feeling = sentiment(mood, strength) if isinstance(mood, str) else mood
    return TranscriptFinal(
        speaker=speaker,
        start=start,
        end=start + 3.0 if end is None else end,
        text=text,
        confidence=confidence,
        sentiment=feeling,
        reliable=reliable,
        words=words(text, start) if timed else (),
    )


def mood(
    time: float,
    score: float,
    trend: Trend = "steady",
    speaker: Speaker = "customer",
    uncertain: bool = False,
) -> MoodUpdate:
    """A mood update labelled as the product labels it with the default config."""
    label = mood_label(score, MoodConfig().negative_below)
    return MoodUpdate(speaker, time, score, trend, uncertain, label)


def cues(time: float, speaker: Speaker = "agent", **values: Any) -> VoiceCues:
    return VoiceCues(speaker=speaker, time=time, **values)


def summary(call: str, duration: float, moods: list[float], **values: Any) -> CallSummary:
    """A call summary whose mood figures come from ``moods`` (start, end, lowest, average)."""
    return CallSummary(
        call=call,
        duration=duration,
        talk_share=values.pop("talk_share", {}),
        mood_start=moods[0] if moods else None,
        mood_end=moods[-1] if moods else None,
        mood_min=min(moods) if moods else None,
        negative_seconds=values.pop("negative_seconds", 0.0),
        sentiment_counts=values.pop("sentiment_counts", {}),
        **values,
    )
