import json

import pytest

from agent_assist.events import (
    EVENT_TYPES,
    CallSummary,
    Evidence,
    MoodUpdate,
    PipelineStatus,
    Sentiment,
    Suggestion,
    TranscriptFinal,
    Word,
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
    ),
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
