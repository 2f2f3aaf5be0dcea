"""Events: the one output contract of the engine.

Every stage emits frozen dataclasses from this module. The CLI prints them as JSON lines
(``to_json``), the GUI bridge forwards the very same objects as Qt signals, the session
store persists their JSON form. Times are seconds from the start of the call.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeAlias, TypeVar, assert_never, cast, get_args

Speaker = Literal["customer", "agent", "other"]
"""``other``: a third voice of a mono recording (an IVR prompt, a supervisor), never merged."""
SPEAKERS: tuple[Speaker, Speaker] = ("customer", "agent")
SENTIMENT_LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
Trend = Literal["rising", "steady", "falling"]


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


@dataclass(frozen=True)
class Event:
    """Base of all events. ``type`` names the event in its JSON form."""

    type: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        body = _plain(self)
        assert isinstance(body, dict)
        return {"type": self.type, **body}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


EventSink = Callable[[Event], None]
"""Where a stage, runner or worker delivers its events (from any thread)."""


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class Sentiment:
    """Output of the sentiment model for one text."""

    label: str
    scores: dict[str, float]
    emotion: str
    emotion_scores: dict[str, float] = field(default_factory=dict)

    @property
    def valence(self) -> float:
        """Positive minus negative probability, in [-1, 1]."""
        return self.scores.get("positive", 0.0) - self.scores.get("negative", 0.0)


@dataclass(frozen=True)
class TranscriptPartial(Event):
    """Provisional text of an utterance that is still going on."""

    type: ClassVar[str] = "partial"
    speaker: Speaker
    start: float
    end: float
    text: str
    stable_text: str = ""


@dataclass(frozen=True)
class TranscriptFinal(Event):
    """A finished utterance with its words, confidence and (customer or agent) sentiment."""

    type: ClassVar[str] = "transcript"
    speaker: Speaker
    start: float
    end: float
    text: str
    confidence: float
    sentiment: Sentiment | None = None
    reliable: bool = True
    words: tuple[Word, ...] = ()
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0


@dataclass(frozen=True)
class MoodUpdate(Event):
    """Smoothed mood of one speaker after an utterance."""

    type: ClassVar[str] = "mood"
    speaker: Speaker
    time: float
    score: float
    trend: Trend
    uncertain: bool
    label: str = "neutral"


@dataclass(frozen=True)
class Evidence:
    """What triggered a suggestion: the words (or signal) and when."""

    kind: str
    detail: str
    time: float
    speaker: Speaker | None = None


@dataclass(frozen=True)
class Suggestion(Event):
    type: ClassVar[str] = "suggestion"
    id: str
    title: str
    prompt: str
    priority: int
    time: float
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class VoiceCues(Event):
    """Signal-level cues of one speaker, computed without a model."""

    type: ClassVar[str] = "cues"
    speaker: Speaker
    time: float
    words_per_minute: float | None = None
    loudness_db: float | None = None
    loudness_vs_baseline_db: float | None = None
    talk_over_s: float = 0.0
    silence_s: float = 0.0


@dataclass(frozen=True)
class Latency(Event):
    """Per-utterance latency measured by the live pipeline (seconds): from ``speech_end`` (call
    time of the end of the last frame the VAD heard as speech; ``utterance_end`` adds the kept
    tail) to the final transcript, the mood update and all of the utterance's events. A
    ``split`` utterance (cut at the length limit while the speaker went on) counts from the
    moment it was cut."""

    type: ClassVar[str] = "latency"
    speaker: Speaker
    utterance_end: float
    speech_end: float
    to_transcript: float
    to_mood: float
    to_guidance: float
    split: bool = False


PipelineState = Literal[
    "starting",
    "loading",
    "listening",
    "paused",
    "stopped",
    "behind",
    "device_lost",
    "no_device",
    "error",
    "recovering",
    "info",
]
"""``recovering``: a stage failed on one utterance; it was logged and the pipeline carries on."""


@dataclass(frozen=True)
class PipelineStatus(Event):
    type: ClassVar[str] = "status"
    state: PipelineState
    message: str
    time: float = 0.0
    lag: float = 0.0
    role: Speaker | None = None


@dataclass(frozen=True)
class CallSummary(Event):
    type: ClassVar[str] = "summary"
    call: str
    duration: float
    talk_share: dict[str, float]
    mood_start: float | None
    mood_end: float | None
    mood_min: float | None
    negative_seconds: float
    sentiment_counts: dict[str, int]
    suggestions: tuple[str, ...] = ()
    utterances: int = 0
    mood_avg: float | None = None
    """The customer's mood averaged over its updates (None in summaries stored before it was
    added: ``figures.summary_of`` fills it in from the call's events)."""
    diarization: dict[str, Any] | None = None
    """A mono recording analysed by speaker: speakers found, each one's role, the role rule,
    ``role_confidence`` and its evidence (``agent_assist.speakers.mono``); None otherwise."""


AnyEvent: TypeAlias = (
    TranscriptPartial
    | TranscriptFinal
    | MoodUpdate
    | Suggestion
    | VoiceCues
    | Latency
    | PipelineStatus
    | CallSummary
)
"""The closed set of events. A new event class goes here, in ``dispatch`` and in
``EventVisitor`` (mypy's ``assert_never`` and tests/test_events.py check all three)."""
EVENT_CLASSES: tuple[type[Event], ...] = get_args(AnyEvent)
EVENT_TYPES: dict[str, type[Event]] = {cls.type: cls for cls in EVENT_CLASSES}

R = TypeVar("R")


class EventVisitor(Generic[R]):
    """What ``dispatch`` calls: one method per event type, each falling back to ``other``."""

    def other(self, event: Event) -> R:
        raise NotImplementedError(f"{type(self).__name__} does not handle {event.type} events")

    def on_partial(self, event: TranscriptPartial) -> R:
        return self.other(event)

    def on_final(self, event: TranscriptFinal) -> R:
        return self.other(event)

    def on_mood(self, event: MoodUpdate) -> R:
        return self.other(event)

    def on_suggestion(self, event: Suggestion) -> R:
        return self.other(event)

    def on_cues(self, event: VoiceCues) -> R:
        return self.other(event)

    def on_latency(self, event: Latency) -> R:
        return self.other(event)

    def on_status(self, event: PipelineStatus) -> R:
        return self.other(event)

    def on_summary(self, event: CallSummary) -> R:
        return self.other(event)


class EventHandler(EventVisitor[None]):
    """A visitor for side effects: the event types it has no method for are ignored."""

    def other(self, event: Event) -> None:
        return None


def dispatch(event: Event, visitor: EventVisitor[R]) -> R:
    """Call the visitor's method for the event's type (the one place that switches on it)."""
    if not isinstance(event, EVENT_CLASSES):
        raise TypeError(f"not an event: {type(event).__name__}")
    return _dispatch(cast(AnyEvent, event), visitor)


def _dispatch(event: AnyEvent, visitor: EventVisitor[R]) -> R:
    match event:
        case TranscriptPartial():
            return visitor.on_partial(event)
        case TranscriptFinal():
            return visitor.on_final(event)
        case MoodUpdate():
            return visitor.on_mood(event)
        case Suggestion():
            return visitor.on_suggestion(event)
        case VoiceCues():
            return visitor.on_cues(event)
        case Latency():
            return visitor.on_latency(event)
        case PipelineStatus():
            return visitor.on_status(event)
        case CallSummary():
            return visitor.on_summary(event)
        case _:
            assert_never(event)


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from its JSON form (used by the session store and the review window)."""
    body = dict(data)
    cls = EVENT_TYPES[body.pop("type")]
    if cls is TranscriptFinal:
        if body.get("sentiment") is not None:
            body["sentiment"] = Sentiment(**body["sentiment"])
        body["words"] = tuple(Word(**w) for w in body.get("words", ()))
    if cls is Suggestion:
        body["evidence"] = tuple(Evidence(**e) for e in body.get("evidence", ()))
    if cls is CallSummary:
        body["suggestions"] = tuple(body.get("suggestions", ()))
    return cls(**body)
