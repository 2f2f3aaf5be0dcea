"""One core for every input: a recording through ``analyze`` and through the replay runner.

Real models, real recordings. With the same policy (the file policy: packed decoding, start
order, no captions) the replay runner's worker gives exactly what ``analyze`` gives: the same
final transcripts, sentiments, voice cues and suggestions. The paced (live) replay differs by
its policy only: a live decoder, captions, latency.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_assist import paths
from agent_assist.config import Config, with_values
from agent_assist.events import (
    CallSummary,
    Event,
    PipelineStatus,
    Suggestion,
    TranscriptFinal,
    VoiceCues,
)
from agent_assist.live import FileReplayRunner
from agent_assist.pipeline import Models, analyze_call

pytestmark = pytest.mark.slow


# analyze splits a mono recording by speaker (agent_assist.speakers); the replay runner has no
# speaker stage, so both treat a mono track as one role here
ONE_ROLE = with_values(Config(), {"speakers.separate": False})


def through_analyze(path: Path, models: Models) -> list[Event]:
    events: list[Event] = []
    analyze_call(path, models, ONE_ROLE, events.append)
    return events


def through_replay(path: Path, models: Models) -> list[Event]:
    events: list[Event] = []
    runner = FileReplayRunner(path, ONE_ROLE, events.append, realtime=False, models=models)
    runner.start()
    runner.join(timeout=600)
    assert runner.stats().policy == "file"
    return [e for e in events if not isinstance(e, PipelineStatus)]


def outcome(events: list[Event]) -> dict[str, list[object]]:
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    summary = [e for e in events if isinstance(e, CallSummary)]
    return {
        "finals": [(f.speaker, f.start, f.end, f.text) for f in finals],
        "sentiments": [f.sentiment for f in finals],
        "suggestions": [(s.id, s.time) for s in events if isinstance(s, Suggestion)],
        "cues": [c for c in events if isinstance(c, VoiceCues)],
        "summary": [(s.utterances, s.suggestions, s.sentiment_counts) for s in summary],
    }


@pytest.mark.parametrize("name", ["sample_call.flac", "mono_call.flac"])
def test_analyze_and_the_replay_runner_give_the_same_call(real_models: Models, name: str) -> None:
    path = paths.sample_call().parent / name
    analyzed = outcome(through_analyze(path, real_models))
    replayed = outcome(through_replay(path, real_models))
    assert analyzed["finals"] and analyzed["summary"]
    for key in analyzed:
        assert replayed[key] == analyzed[key], key
    if name == "mono_call.flac":  # one track may carry both voices: no voice cues either way
        assert analyzed["cues"] == []
    else:
        assert analyzed["suggestions"]
