"""Plain-Python state behind the widgets (no Qt): what to show, given the events so far.

Widgets subscribe to these models and paint them; all decisions (which suggestions stay
visible, what the status line says, which points the sparkline holds) live here.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from agent_assist.events import (
    SPEAKERS,
    CallSummary,
    Event,
    EventHandler,
    EventVisitor,
    MoodUpdate,
    PipelineStatus,
    Speaker,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    Trend,
    VoiceCues,
    dispatch,
)
from agent_assist.figures import CallStats, completed
from agent_assist.mood import mood_number as mood_number
from agent_assist.mood import mood_words as mood_words
from agent_assist.ui.deck import Feedback as Feedback
from agent_assist.ui.deck import FeedbackAction, SuggestionDeck
from agent_assist.ui.status import StatusModel as StatusModel
from agent_assist.ui.status import StatusTone as StatusTone

RGB = tuple[int, int, int]
MOOD_RED: RGB = (214, 48, 49)
MOOD_AMBER: RGB = (240, 165, 0)
MOOD_GREEN: RGB = (39, 174, 96)
MOOD_GREY: RGB = (128, 128, 128)
TREND_ARROWS: dict[Trend, str] = {"rising": "↑", "steady": "→", "falling": "↓"}


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def mood_rgb(score: float | None) -> RGB:
    """Red at -1, amber at 0, green at +1; grey when there is no score yet."""
    if score is None or not math.isfinite(score):
        return MOOD_GREY
    s = max(-1.0, min(1.0, score))
    return _mix(MOOD_RED, MOOD_AMBER, s + 1.0) if s < 0 else _mix(MOOD_AMBER, MOOD_GREEN, s)


@dataclass
class MoodState:
    """The mood of one speaker: latest value and a bounded history for the sparkline."""

    window_s: float = 180.0
    score: float | None = None
    trend: Trend = "steady"
    uncertain: bool = False
    label: str = "neutral"
    history: deque[tuple[float, float]] = field(default_factory=deque)

    def update(self, event: MoodUpdate) -> None:
        self.score = event.score
        self.trend = event.trend
        self.uncertain = event.uncertain
        self.label = event.label
        self.history.append((event.time, event.score))
        while self.history and self.history[0][0] < event.time - self.window_s:
            self.history.popleft()

    @property
    def arrow(self) -> str:
        return TREND_ARROWS[self.trend]

    @property
    def number(self) -> str:
        return "–" if self.score is None else mood_number(self.score)

    def sparkline(self, min_span_s: float = 30.0) -> list[tuple[float, float]]:
        """Points (x in [0, 1], score) oldest first; the newest is at x = 1. The x span is
        the window, or the call so far (at least ``min_span_s``) while the call is young."""
        if not self.history:
            return []
        end = self.history[-1][0]
        span = max(end - self.history[0][0], min_span_s)
        return [(1.0 - (end - t) / span, s) for t, s in self.history]


@dataclass
class Caption:
    speaker: Speaker
    text: str = ""
    provisional: bool = False
    time: float = 0.0
    sentiment: str | None = None


class CaptionsModel:
    """The last line of each speaker; a partial replaces it provisionally until the final."""

    def __init__(self) -> None:
        self.lines: dict[Speaker, Caption] = {s: Caption(s) for s in SPEAKERS}

    def partial(self, event: TranscriptPartial) -> Caption:
        line = Caption(event.speaker, event.text.strip(), True, event.end)
        self.lines[event.speaker] = line
        return line

    def final(self, event: TranscriptFinal) -> Caption:
        label = event.sentiment.label if event.sentiment else None
        line = Caption(event.speaker, event.text.strip(), False, event.end, label)
        self.lines[event.speaker] = line
        return line


_SCORE = re.compile(r"(?<![\w.])([+-]?)(0|1)\.(\d\d)\b")


def on_meter_scale(text: str) -> str:
    """'mood -0.55' → 'mood -55': scores in text on the meter's −100..+100 scale."""

    def percent(match: re.Match[str]) -> str:
        value = round(float(f"{match[1]}{match[2]}.{match[3]}") * 100)
        return f"{value:+d}" if value else "0"

    return _SCORE.sub(percent, text)


def evidence_text(suggestion: Suggestion, limit: int = 2) -> str:
    """'customer: "this is the third time I'm calling"' for the card's trigger line."""
    parts = []
    for item in suggestion.evidence[:limit]:
        detail = item.detail.strip()
        who = f"{item.speaker}: " if item.speaker else ""
        if item.speaker and detail.lower().startswith(f"{item.speaker} "):
            who = ""
            detail = detail[0].upper() + detail[1:]
        if item.kind in {"phrase", "text", "words", "transcript", "keyword", "intent"}:
            detail = f"“{detail}”"
        else:
            detail = on_meter_scale(detail)
        parts.append(f"{who}{detail}")
    return " · ".join(parts)


@dataclass
class CallRecord(EventHandler):
    """Everything of one call the review window needs, built from its events."""

    transcripts: list[TranscriptFinal] = field(default_factory=list)
    moods: dict[Speaker, list[MoodUpdate]] = field(
        default_factory=lambda: {s: [] for s in SPEAKERS}
    )
    suggestions: list[Suggestion] = field(default_factory=list)
    summary: CallSummary | None = None
    events: list[Event] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    name: str = "call"
    started_at: datetime | None = None
    history_id: int | None = None
    stats: CallStats = field(default_factory=CallStats)

    @classmethod
    def from_events(cls, events: list[Event], **fields: Any) -> CallRecord:
        record = cls(**fields)
        for event in events:
            record.add(event)
        return record

    def add(self, event: Event) -> None:
        if not isinstance(event, TranscriptPartial):
            self.events.append(event)
            self.stats.add(event)
            dispatch(event, self)

    def on_final(self, event: TranscriptFinal) -> None:
        self.transcripts.append(event)

    def on_mood(self, event: MoodUpdate) -> None:
        self.moods.setdefault(event.speaker, []).append(event)

    def on_suggestion(self, event: Suggestion) -> None:
        self.suggestions.append(event)

    def on_summary(self, event: CallSummary) -> None:
        self.summary = event

    @property
    def empty(self) -> bool:
        return not self.transcripts and not self.summary

    @property
    def figures(self) -> CallSummary:
        """The call's figures: its summary (``figures.completed``: counted from the events
        when the call has none yet)."""
        return completed(self.summary, self.stats, self.name)

    @property
    def duration(self) -> float:
        return self.summary.duration if self.summary else self.stats.last_time

    def line_at(self, time: float) -> int | None:
        """Index of the transcript line nearest to ``time`` (the timeline's click target)."""
        if not self.transcripts:
            return None
        return min(
            range(len(self.transcripts)),
            key=lambda i: _distance(self.transcripts[i], time),
        )


def _distance(line: TranscriptFinal, time: float) -> float:
    if line.start <= time <= line.end:
        return 0.0
    return min(abs(line.start - time), abs(line.end - time))


def sentiment_of(line: TranscriptFinal) -> str:
    return line.sentiment.label if line.sentiment else "neutral"


Part = Literal["mood", "captions", "cards", "status"]
CALL_OVER = {"stopped", "error"}


class OverlayState:
    """What the overlay shows, fed with every engine event; ``apply`` says which parts changed."""

    def __init__(self, max_visible: int = 3, sparkline_window_s: float = 180.0) -> None:
        self.moods: dict[Speaker, MoodState] = {
            s: MoodState(window_s=sparkline_window_s) for s in SPEAKERS
        }
        self.captions = CaptionsModel()
        self.deck = SuggestionDeck(max_visible)
        self.status = StatusModel()
        self.last_mood: dict[Speaker, MoodUpdate | None] = dict.fromkeys(SPEAKERS)
        self.retiring: list[str] = []
        self.spoke_at = 0.0
        self.now = 0.0
        self.mood_changes = 0
        self.captions_shown = 0
        self.suggestions_shown = 0
        self._parts = _OverlayParts(self)

    @property
    def customer(self) -> MoodState:
        return self.moods["customer"]

    def apply(self, event: Event) -> set[Part]:
        self.now = max(self.now, _event_time(event))
        parts = dispatch(event, self._parts)
        if isinstance(event, CallSummary) or (
            isinstance(event, PipelineStatus) and event.state in CALL_OVER
        ):
            gone = self.deck.retire_all()
        else:
            gone = self.deck.retire(self.now, self.last_mood, self.spoke_at)
        if gone:
            self.retiring.extend(gone)
            parts.add("cards")
        return parts

    def take_retiring(self) -> list[str]:
        """Ids of the cards that retired since the last call (the overlay fades them)."""
        gone, self.retiring = self.retiring, []
        return gone

    def act(self, suggestion_id: str, action: FeedbackAction) -> Feedback | None:
        return self.deck.act(suggestion_id, action, self.now)

    def reset(self) -> None:
        """A new call starts: forget moods, captions and cards (not the status)."""
        window = self.customer.window_s
        self.moods = {s: MoodState(window_s=window) for s in SPEAKERS}
        self.last_mood = dict.fromkeys(SPEAKERS)
        self.captions = CaptionsModel()
        self.deck = SuggestionDeck(self.deck.max_visible)
        self.retiring = []
        self.spoke_at = 0.0
        self.now = 0.0


class _OverlayParts(EventVisitor[set[Part]]):
    """Applies one event to the overlay's state; returns the parts it changed."""

    def __init__(self, state: OverlayState) -> None:
        self.state = state

    def other(self, event: Event) -> set[Part]:
        return set()

    def on_mood(self, event: MoodUpdate) -> set[Part]:
        state = self.state
        if event.speaker not in state.moods:
            return set()  # the overlay shows a meter for the customer and the agent only
        state.moods[event.speaker].update(event)
        state.last_mood[event.speaker] = event
        state.mood_changes += 1
        return {"mood"}

    def on_partial(self, event: TranscriptPartial) -> set[Part]:
        self.state.spoke_at = max(self.state.spoke_at, event.end)
        self.state.captions.partial(event)
        return {"captions"}

    def on_final(self, event: TranscriptFinal) -> set[Part]:
        self.state.spoke_at = max(self.state.spoke_at, event.end)
        self.state.captions.final(event)
        self.state.captions_shown += 1
        return {"captions"}

    def on_cues(self, event: VoiceCues) -> set[Part]:
        if event.words_per_minute:
            self.state.spoke_at = max(self.state.spoke_at, event.time)
        return set()

    def on_suggestion(self, event: Suggestion) -> set[Part]:
        state = self.state
        speaker = event.evidence[0].speaker if event.evidence else None
        mood = state.last_mood.get(speaker) if speaker else None
        state.deck.add(event, state.now, mood)
        state.suggestions_shown += 1
        return {"cards"}

    def on_status(self, event: PipelineStatus) -> set[Part]:
        self.state.status.update(event)
        return {"status"}


def _event_time(event: Event) -> float:
    for name in ("time", "end", "duration"):
        value = getattr(event, name, None)
        if isinstance(value, int | float):
            return float(value)
    return 0.0


Rect = tuple[int, int, int, int]


def choose_position(
    positions: dict[str, list[int]],
    screens: list[tuple[str, Rect]],
    size: tuple[int, int],
) -> tuple[str, int, int] | None:
    """Where the overlay goes on start: the most recently saved position (the last key)
    on a screen that still exists, clamped inside that screen's available area."""
    available = dict(screens)
    for name in reversed(list(positions)):
        point = positions[name]
        if name not in available or len(point) != 2:
            continue
        x, y, w, h = available[name]
        px = min(max(point[0], x), x + max(0, w - size[0]))
        py = min(max(point[1], y), y + max(0, h - size[1]))
        return name, px, py
    return None


def default_position(screen: Rect, size: tuple[int, int], margin: int = 24) -> tuple[int, int]:
    """Top-right corner of the screen's available area."""
    x, y, w, _ = screen
    return x + max(0, w - size[0] - margin), y + margin


def remember_position(
    positions: dict[str, list[int]], screen: str, x: int, y: int
) -> dict[str, list[int]]:
    """A new positions map with ``screen`` last (the most recent)."""
    updated = {k: v for k, v in positions.items() if k != screen}
    updated[screen] = [x, y]
    return updated
