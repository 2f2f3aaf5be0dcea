"""Per-call figures: counted once (``CallStats``), read from the summary everywhere else."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from agent_assist.events import CallSummary, Event, MoodUpdate, TranscriptPartial, event_from_dict
from agent_assist.figures import CallStats, summary_of
from agent_assist.store.export import export_call
from agent_assist.store.history import History
from agent_assist.ui.export import export_record
from agent_assist.ui.viewmodels import CallRecord
from tests.store.store_calls import NOON, sample_call


def _call_without_summary() -> list[Event]:
    return [e for e in sample_call() if not isinstance(e, CallSummary)]


def counted_call() -> list[Event]:
    """The sample call with the summary ``CallStats`` makes of it (as the engine's)."""
    events = _call_without_summary()
    stats = CallStats.of(events)
    return [*events, stats.summary("sample.wav", 12.0, -0.25)]


def test_the_summary_holds_every_figure() -> None:
    summary = counted_call()[-1]
    assert isinstance(summary, CallSummary)
    assert summary.utterances == 3
    assert summary.talk_share == {"customer": pytest.approx(6 / 9), "agent": pytest.approx(3 / 9)}
    assert (summary.mood_start, summary.mood_end, summary.mood_min) == (-0.6, -0.2, -0.6)
    assert summary.mood_avg == pytest.approx(-0.4)
    assert summary.negative_seconds == pytest.approx(8.0)  # -0.6 from 3 s until 11 s
    assert summary.sentiment_counts == {"negative": 1, "neutral": 1, "positive": 0}
    assert summary.suggestions == ("calm_down", "verify_identity")


def test_partials_and_agent_moods_do_not_count() -> None:
    stats = CallStats.of(
        [
            TranscriptPartial(speaker="customer", start=0.0, end=4.0, text="hello"),
            MoodUpdate(speaker="agent", time=2.0, score=0.9, trend="steady", uncertain=False),
        ]
    )
    assert stats.utterances == 0 and stats.mood_avg is None and stats.last_time == 2.0


def test_a_summary_stored_before_mood_avg_gets_it_from_its_events() -> None:
    old = sample_call()  # its summary, like every one stored before, has no mood_avg
    stored = [event_from_dict(json.loads(e.to_json())) for e in old]
    assert summary_of(stored).mood_avg == pytest.approx(-0.4)
    assert summary_of(stored).duration == 12.0


def test_a_stored_summary_with_no_utterance_count_gets_it_from_its_events() -> None:
    events = sample_call()
    summary = events[-1]
    assert isinstance(summary, CallSummary)
    events[-1] = dataclasses.replace(summary, utterances=0)
    assert summary_of(events).utterances == 3


def test_a_call_cut_short_is_counted_from_its_events() -> None:
    figures = summary_of(_call_without_summary(), "cut")
    assert figures.call == "cut"
    assert figures.duration == 11.0
    assert figures.utterances == 3
    assert figures.mood_avg == pytest.approx(-0.4)


@pytest.mark.parametrize("events", [counted_call(), sample_call()], ids=["new", "old summary"])
def test_summary_history_and_exports_show_the_same_figures(
    events: list[Event], tmp_path: Path
) -> None:
    expected = summary_of(events)
    history = History.open(tmp_path / "h.sqlite3")
    call_id = history.save_call("sample.wav", NOON, events)
    assert call_id is not None
    row = history.call(call_id)
    stored = json.loads(export_call(history, call_id, "json"))
    record = CallRecord.from_events(history.events(call_id), history_id=call_id)
    exported = json.loads(export_record(record, "json", tmp_path / "ui.json").read_text())
    history.close()

    for call in (stored["call"], exported["call"]):
        assert call["duration"] == row.duration == expected.duration
        assert call["utterances"] == row.utterances == expected.utterances
        assert call["mood_avg"] == pytest.approx(row.mood_avg) == expected.mood_avg
        assert call["negative_seconds"] == row.negative_seconds == expected.negative_seconds
    for body in (stored, exported):
        assert body["summary"]["mood_avg"] == pytest.approx(expected.mood_avg)
    assert row.suggestions == len(expected.suggestions)
