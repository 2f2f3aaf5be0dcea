import json
from dataclasses import dataclass
from typing import ClassVar

import pytest

from agent_assist.events import (
    EVENT_CLASSES,
    EVENT_TYPES,
    CallSummary,
    Event,
    EventHandler,
    EventVisitor,
    Evidence,
    Latency,
    MoodUpdate,
    PipelineStatus,
    Sentiment,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    VoiceCues,
    Word,
    dispatch,
    event_from_dict,
)

SENTIMENT = Sentiment("negative", {"negative": 0.7, "neutral": 0.2, "positive": 0.1}, "anger")
EXAMPLES = [
    TranscriptFinal(
        "customer",
        1.0,
        2.5,
        "this is unacceptable",
        0.8,
        SENTIMENT,
        words=(Word(1.0, 1.2, "this", 0.9),),
    ),
    MoodUpdate("customer", 2.5, -0.4, "falling", False, "negative"),
    Suggestion(
        "acknowledge",
        "Acknowledge",
        "I hear you",
        2,
        2.5,
        (Evidence("phrase", "unacceptable", 2.0, "customer"),),
    ),
    PipelineStatus("behind", "falling behind", 3.0, lag=2.0),
    CallSummary(
        "c",
        60.0,
        {"customer": 0.5, "agent": 0.5},
        0.0,
        0.2,
        -0.5,
        10.0,
        {"negative": 1, "neutral": 2, "positive": 1},
        ("acknowledge",),
        4,
        mood_avg=-0.1,
    ),
    TranscriptPartial("agent", 3.0, 3.5, "let me", stable_text="let"),
    VoiceCues("agent", 4.0, words_per_minute=190.0, loudness_db=-20.0),
    Latency("customer", 2.5, 2.4, 0.3, 0.35, 0.4),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_json_round_trip(event):
    data = json.loads(event.to_json())
    assert data["type"] == event.type
    assert event_from_dict(data) == event


def test_transcript_json_has_the_documented_fields():
    data = json.loads(EXAMPLES[0].to_json())
    for key in ("speaker", "start", "end", "text", "confidence", "sentiment"):
        assert key in data
    assert data["sentiment"]["scores"]["negative"] == 0.7


def test_events_are_frozen():
    with pytest.raises(AttributeError):
        EXAMPLES[1].score = 1.0  # type: ignore[misc]


def test_valence():
    assert SENTIMENT.valence == pytest.approx(-0.6)


def test_every_type_is_registered_once():
    assert len(EVENT_TYPES) == len({cls.type for cls in EVENT_TYPES.values()})


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_event_class_is_in_the_closed_set():
    """A new event class must join ``AnyEvent`` (and so ``dispatch`` and ``EventVisitor``)."""
    ours = {c for c in _subclasses(Event) if c.__module__.startswith("agent_assist.")}
    assert ours == set(EVENT_CLASSES)
    assert {type(e) for e in EXAMPLES} == set(EVENT_CLASSES)


class Recorder(EventVisitor[str]):
    """Names the method dispatch called."""


HANDLERS = sorted(name for name in vars(EventVisitor) if name.startswith("on_"))
for _name in HANDLERS:
    setattr(Recorder, _name, lambda self, event, _name=_name: _name)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_dispatch_calls_the_method_for_the_type(event):
    name = dispatch(event, Recorder())
    assert name in HANDLERS
    param = getattr(EventVisitor, name).__annotations__["event"]
    assert param == type(event).__name__


def test_every_type_has_its_own_method():
    assert len({dispatch(e, Recorder()) for e in EXAMPLES}) == len(EVENT_CLASSES) == len(HANDLERS)


def test_handler_ignores_what_it_does_not_handle_and_a_visitor_says_so():
    assert all(dispatch(e, EventHandler()) is None for e in EXAMPLES)
    with pytest.raises(NotImplementedError, match="mood"):
        dispatch(EXAMPLES[1], EventVisitor())


def test_an_event_outside_the_closed_set_is_refused():
    @dataclass(frozen=True)
    class Stray(Event):
        type: ClassVar[str] = "stray"

    with pytest.raises(TypeError, match="Stray"):
        dispatch(Stray(), EventHandler())
