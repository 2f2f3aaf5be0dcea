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


class _Relabels:
    """A diarizer that has been fed: ``relabel`` gives ``again`` and records what was asked."""

    def __init__(self, again: object) -> None:
        self.again = again
        self.asked: list[int | None] = []

    def relabel(self, settings: object) -> object:
        self.asked.append(settings.speakers)  # type: ignore[attr-defined]
        return self.again


def _words(text: str) -> object:
    from agent_assist.contracts import Transcription
    from agent_assist.events import Word

    words = tuple(Word(0.1 + i, 0.9 + i, w, 0.9) for i, w in enumerate(text.split()))
    return Transcription(text, words, 0.9, 0.0, -0.1, 1.0, True)


def test_a_menu_in_the_place_of_a_person_makes_the_voices_be_clustered_again() -> None:
    """Two asked, two found, one of them a phone menu: clustered again with three, the words
    split by the new turns and the roles decided again. Not when the menu came on top of two
    people, nor when the number of speakers is left to the diarizer (auto)."""
    from dataclasses import replace

    from agent_assist.speakers.diarize import DiarizeSettings
    from agent_assist.speakers.mono import MonoSettings, apart_from_prompts, decide
    from agent_assist.speakers.transcribe import Part
    from agent_assist.speakers.turns import Diarization, SpeakerStats

    def diarization(turns: list[Turn]) -> Diarization:
        speakers = sorted({t.speaker for t in turns})
        stats = tuple(
            SpeakerStats(s, sum(t.end - t.start for t in turns if t.speaker == s), 1, 0.0)
            for s in speakers
        )
        return Diarization(tuple(turns), stats, 20.0, f"{len(speakers)} speakers found")

    menu = Part(0, 0.0, 5.0, _words("thank you for calling press 1 for sales"))  # type: ignore[arg-type]
    people = Part(1, 6.0, 14.0, _words("hello there yes hi I have a question now"))  # type: ignore[arg-type]
    found = diarization([Turn(0.0, 5.0, 0), Turn(6.0, 14.0, 1)])
    again = diarization([Turn(0.0, 5.0, 0), Turn(6.0, 9.0, 1), Turn(9.0, 14.0, 2)])
    settings = MonoSettings()
    decision = decide(found, [menu, people], settings)
    assert decision.automated == (0,)
    diarizer = _Relabels(again)

    result, parts, redecided = apart_from_prompts(
        diarizer,
        found,
        [menu, people],
        decision,
        settings,  # type: ignore[arg-type]
    )
    assert diarizer.asked == [3]
    assert result.count == 3 and "besides 1 automated prompt" in result.note
    assert [(p.speaker, p.result.text) for p in parts] == [
        (0, "thank you for calling press 1 for sales"),
        (1, "hello there yes"),
        (2, "hi I have a question now"),
    ]
    assert redecided.roles == {0: "other", 1: "agent", 2: "customer"}

    three = diarization([Turn(0.0, 5.0, 0), Turn(6.0, 9.0, 1), Turn(9.0, 14.0, 2)])
    for case, how in (
        (three, settings),
        (found, MonoSettings(replace(DiarizeSettings(), speakers=None))),
    ):
        untouched = _Relabels(again)
        kept = apart_from_prompts(untouched, case, parts, decision, how)  # type: ignore[arg-type]
        assert untouched.asked == [] and kept[0] is case
