"""The terminal timeline and the transcript CSV rows (``agent_assist.report``)."""

from __future__ import annotations

from agent_assist.events import Evidence, PipelineStatus, Suggestion
from agent_assist.report import (
    SUMMARY_COLUMNS,
    summary_lines,
    summary_row,
    timeline_line,
    transcript_rows,
)
from tests.factories import cues, final, mood, summary


def test_the_timeline_shows_lines_customer_moods_suggestions_and_trouble() -> None:
    suggestion = Suggestion(
        "calm", "Calm down", "Slow down.", 1, 4.0, (Evidence("mood", "low", 4.0),)
    )
    lines = [
        timeline_line(final("this is [wrong]", 1.0, mood="negative")),
        timeline_line(mood(4.0, -0.5, "falling")),
        timeline_line(suggestion),
        timeline_line(PipelineStatus("behind", "falling behind")),
    ]
    assert lines[0] is not None and "CUSTOMER" in lines[0] and r"\[wrong]" in lines[0]
    assert lines[1] is not None and "mood -0.50 ↓" in lines[1]
    assert lines[2] is not None and "Calm down" in lines[2] and "trigger: mood: low" in lines[2]
    assert lines[3] == "[red]falling behind[/red]"
    skipped = [mood(5.0, 0.3, speaker="agent"), cues(5.0), PipelineStatus("listening", "ok")]
    assert [timeline_line(e) for e in skipped] == [None, None, None]


def test_a_rows_mood_is_the_speakers_next_mood() -> None:
    rows = transcript_rows(
        "c",
        [
            final("hello", 0.0, speaker="agent"),
            mood(3.0, -0.4),  # the customer's: not the agent line's
            final("it broke", 3.0),
            mood(6.0, -0.6),
            mood(6.5, -0.7),  # a second mood does not overwrite
        ],
    )
    assert [(r["speaker"], r["mood"]) for r in rows] == [("agent", ""), ("customer", -0.6)]
    assert rows[1]["sentiment"] == "neutral" and rows[1]["call"] == "c"


def test_the_summary_shows_the_average_mood_it_carries() -> None:
    figures = summary("c", 30.0, [-0.4, 0.2], mood_avg=-0.1, utterances=2)
    assert summary_row(figures)["mood_avg"] == -0.1
    assert list(summary_row(figures)) == SUMMARY_COLUMNS[: len(summary_row(figures))]
    assert "average -0.10" in " ".join(summary_lines(figures))
    assert summary_row(summary("c", 1.0, []))["mood_avg"] == ""
