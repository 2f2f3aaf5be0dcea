"""The mono driver's streaming cutter: each turn's audio from one pass, in bounded memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from agent_assist.audio.files import open_call
from agent_assist.speakers.mono import _audio
from agent_assist.speakers.transcribe import Span
from agent_assist.speakers.turns import Turn

RATE = 16_000


def test_spans_are_cut_from_one_streamed_pass(tmp_path: Path) -> None:
    ramp = (np.arange(60 * RATE) % 30_000 / 30_000).astype(np.float32) * 0.5
    path = tmp_path / "ramp.wav"
    sf.write(path, ramp, RATE, subtype="FLOAT")
    call = open_call(path)
    spans = [Span(0.7, 3.15), Span(3.15, 4.15), Span(9.7, 24.0), Span(24.0, 42.15), Span(59.2, 60)]

    for span, audio in zip(spans, _audio(call, spans), strict=True):
        a, b = int(span.start * RATE), int(span.end * RATE)
        assert np.array_equal(audio, ramp[a:b])


def test_the_summary_field_and_its_lines_name_roles_confidence_and_evidence() -> None:
    from agent_assist.report import diarization_lines
    from agent_assist.speakers.mono import diarization_info
    from agent_assist.speakers.roles import RoleDecision
    from agent_assist.speakers.turns import Diarization, SpeakerStats

    found = Diarization(
        (Turn(0.0, 2.0, 0), Turn(2.5, 4.0, 1), Turn(5.0, 6.0, 2)),
        (SpeakerStats(0, 2.0, 1, 0.0), SpeakerStats(1, 1.5, 1, 2.5), SpeakerStats(2, 1.0, 1, 5.0)),
        6.0,
        "3 speakers found",
    )
    sure = RoleDecision(
        {0: "agent", 1: "customer", 2: "other"},
        0.89,
        True,
        "cues",
        ("agent: greeting 'thank you for calling' at 0:00",),
    )
    info = diarization_info(found, sure, {"agent": [0.1], "customer": [-0.5, -0.3]})
    assert info["roles"] == {"speaker 1": "agent", "speaker 2": "customer", "speaker 3": "other"}
    assert info["talk_seconds"] == {"speaker 1": 2.0, "speaker 2": 1.5, "speaker 3": 1.0}
    assert "moods" not in info  # sure: the customer's mood is the call's mood
    assert diarization_lines(info) == [
        "  speakers: 3 speakers found; speaker 1 agent, speaker 2 customer, speaker 3 other"
        " (role confidence 0.89)",
        "    agent: greeting 'thank you for calling' at 0:00",
    ]
    unsure = RoleDecision({0: "agent", 1: "customer"}, 0.5, False, "first_speaker", ())
    info = diarization_info(found, unsure, {"agent": [0.1], "customer": [-0.5, -0.3]})
    assert info["moods"] == {"agent": 0.1, "customer": -0.4}
    lines = diarization_lines(info)
    assert lines[0].endswith("(role confidence 0.50; uncertain: both speakers' moods are kept)")
    assert lines[-1] == "    average mood: agent +0.10, customer -0.40"
    assert diarization_lines(None) == []


def test_the_review_window_names_an_other_speaker() -> None:
    from agent_assist.events import TranscriptFinal
    from agent_assist.ui.review import ReviewWindow

    line = TranscriptFinal("other", 3.0, 5.0, "Please hold for a supervisor.", 0.9)
    assert ReviewWindow._line_text(line) == "0:03  Other: Please hold for a supervisor."


def test_the_text_timeline_names_an_other_speaker() -> None:
    from agent_assist.events import TranscriptFinal
    from agent_assist.report import timeline_line

    line = timeline_line(TranscriptFinal("other", 3.0, 5.0, "Please hold.", 0.9))
    assert line is not None and "[bold]other   [/bold]  Please hold." in line
