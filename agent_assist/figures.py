"""Per-call figures, counted once as the call's events pass.

``CallStats`` sees every event of a call (the call core's engine feeds it) and makes the
call's ``CallSummary``. Everything that shows a call's figures afterwards (history rows,
exports, the review window) reads them from that summary; ``summary_of`` fills in what an
older stored summary lacks.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from agent_assist.config_schema import MoodConfig
from agent_assist.events import (
    SENTIMENT_LABELS,
    SPEAKERS,
    CallSummary,
    Event,
    EventHandler,
    MoodUpdate,
    Suggestion,
    TranscriptFinal,
    dispatch,
)

NEGATIVE_BELOW = MoodConfig().negative_below
"""The default threshold: used only for a stored call that has no summary to say its own."""


@dataclass
class CallStats(EventHandler):
    """What the call summary needs, accumulated as events pass (partials are ignored)."""

    speech_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    sentiment_counts: Counter[str] = field(default_factory=Counter)
    customer_moods: list[MoodUpdate] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    utterances: int = 0
    last_time: float = 0.0
    """The latest time an utterance ended or a mood changed: a call's length without a summary."""

    @classmethod
    def of(cls, events: Iterable[Event]) -> CallStats:
        stats = cls()
        for event in events:
            stats.add(event)
        return stats

    def add(self, event: Event) -> None:
        dispatch(event, self)

    def on_final(self, event: TranscriptFinal) -> None:
        self.utterances += 1
        self.speech_seconds[event.speaker] += event.end - event.start
        self.last_time = max(self.last_time, event.end)
        if event.speaker == "customer" and event.sentiment is not None:
            self.sentiment_counts[event.sentiment.label] += 1

    def on_mood(self, event: MoodUpdate) -> None:
        self.last_time = max(self.last_time, event.time)
        if event.speaker == "customer":
            self.customer_moods.append(event)

    def on_suggestion(self, event: Suggestion) -> None:
        self.suggestions.append(event.id)

    @property
    def mood_avg(self) -> float | None:
        """The customer's mood averaged over its updates."""
        scores = [m.score for m in self.customer_moods]
        return sum(scores) / len(scores) if scores else None

    def negative_seconds(self, duration: float, negative_below: float) -> float:
        total = 0.0
        moods = self.customer_moods
        ends = [m.time for m in moods[1:]] + [duration]
        for mood, until in zip(moods, ends, strict=False):
            if mood.score < negative_below:
                total += max(0.0, until - mood.time)
        return total

    def talk_share(self) -> dict[str, float]:
        talk = sum(self.speech_seconds.values())
        speakers = [*SPEAKERS, *(s for s in self.speech_seconds if s not in SPEAKERS)]
        return {s: (self.speech_seconds[s] / talk if talk else 0.0) for s in speakers}

    def summary(self, call: str, duration: float, negative_below: float) -> CallSummary:
        scores = [m.score for m in self.customer_moods]
        return CallSummary(
            call=call,
            duration=duration,
            talk_share=self.talk_share(),
            mood_start=scores[0] if scores else None,
            mood_end=scores[-1] if scores else None,
            mood_min=min(scores) if scores else None,
            negative_seconds=self.negative_seconds(duration, negative_below),
            sentiment_counts={label: self.sentiment_counts[label] for label in SENTIMENT_LABELS},
            suggestions=tuple(self.suggestions),
            utterances=self.utterances,
            mood_avg=self.mood_avg,
        )


def last_summary(events: Iterable[Event]) -> CallSummary | None:
    summary = None
    for event in events:
        if isinstance(event, CallSummary):
            summary = event
    return summary


def summary_of(events: Iterable[Event], call: str = "call") -> CallSummary:
    """A stored call's figures (see ``completed``): its summary, counted again only when it
    lacks something."""
    events = list(events)
    summary = last_summary(events)
    if summary is not None and summary.mood_avg is not None and summary.utterances:
        return summary
    return completed(summary, CallStats.of(events), call)


def completed(summary: CallSummary | None, stats: CallStats, call: str = "call") -> CallSummary:
    """A call's summary with what a summary stored by an older version lacks (``mood_avg``;
    ``utterances`` left 0) taken from ``stats``, the call's events counted. A call with no
    summary (cut short, or still going) gets one from ``stats``, its length being its last
    utterance or mood."""
    if summary is None:
        return stats.summary(call, stats.last_time, NEGATIVE_BELOW)
    if summary.mood_avg is None or not summary.utterances:
        summary = dataclasses.replace(
            summary,
            mood_avg=stats.mood_avg if summary.mood_avg is None else summary.mood_avg,
            utterances=summary.utterances or stats.utterances,
        )
    return summary
