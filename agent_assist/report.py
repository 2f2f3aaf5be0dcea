"""Readable and tabular forms of the engine's events (terminal timeline, CSV rows)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.markup import escape

from agent_assist.events import (
    CallSummary,
    Event,
    EventHandler,
    EventVisitor,
    MoodUpdate,
    PipelineStatus,
    Suggestion,
    TranscriptFinal,
    dispatch,
)

TREND_ARROWS = {"rising": "↑", "steady": "→", "falling": "↓"}
LABEL_STYLES = {"negative": "red", "neutral": "yellow", "positive": "green"}
TRANSCRIPT_COLUMNS = [
    "call", "speaker", "start", "end", "text", "asr_confidence", "reliable", "sentiment",
    "negative", "neutral", "positive", "emotion", "mood",
]  # fmt: skip
"""``asr_confidence``: how sure speech recognition was of the text (0..1), not of the sentiment;
``mood``: the speaker's smoothed mood after the line, -1..1 as in the JSONL events."""
SUMMARY_COLUMNS = [
    "call", "status", "error", "duration", "utterances", "talk_share_customer", "talk_share_agent",
    "mood_start", "mood_end", "mood_min", "mood_avg", "negative_seconds", "customer_negative",
    "customer_neutral", "customer_positive", "suggestions", "output", "note",
]  # fmt: skip
"""``output``: the call's file in the output folder; ``note``: why a call's name differs from its
file's (redacted, or made unique). Rows are written with ``agent_assist.tables`` (CSV-safe)."""


def clock(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def timeline_line(event: Event) -> str | None:
    """One line of rich markup for the terminal timeline, or None for events it skips."""
    return dispatch(event, _Timeline())


class _Timeline(EventVisitor[str | None]):
    def other(self, event: Event) -> None:
        return None

    def on_final(self, event: TranscriptFinal) -> str:
        sentiment = event.sentiment
        mark = ""
        if sentiment is not None:
            style = LABEL_STYLES.get(sentiment.label, "white")
            mark = f" [{style}]{sentiment.label} {sentiment.scores[sentiment.label]:.2f}"
            mark += f", {sentiment.emotion}[/{style}]"
        caution = " [dim](unreliable)[/dim]" if not event.reliable else ""
        who = {"customer": "CUSTOMER", "other": "other   "}.get(event.speaker, "agent   ")
        return f"{clock(event.start)}  [bold]{who}[/bold]  {escape(event.text)}{mark}{caution}"

    def on_mood(self, event: MoodUpdate) -> str | None:
        if event.speaker != "customer":
            return None
        style = LABEL_STYLES.get(event.label, "white")
        hint = " (uncertain)" if event.uncertain else ""
        return (
            f"{clock(event.time)}            [{style}]mood {event.score:+.2f} "
            f"{TREND_ARROWS[event.trend]} {event.label}{hint}[/{style}]"
        )

    def on_suggestion(self, event: Suggestion) -> str:
        trigger = "; ".join(f"{e.kind}: {e.detail}" for e in event.evidence)
        return (
            f"{clock(event.time)}            [bold magenta]suggest[/bold magenta] "
            f"[magenta]{escape(event.title)}[/magenta] — {escape(event.prompt)}"
            f" [dim](trigger: {escape(trigger)})[/dim]"
        )

    def on_status(self, event: PipelineStatus) -> str | None:
        if event.state in ("error", "behind"):
            return f"[red]{escape(event.message)}[/red]"
        return None


def summary_lines(summary: CallSummary) -> list[str]:
    def fmt(value: float | None) -> str:
        return "n/a" if value is None else f"{value:+.2f}"

    share = ", ".join(f"{k} {v:.0%}" for k, v in summary.talk_share.items())
    counts = ", ".join(f"{k} {v}" for k, v in summary.sentiment_counts.items())
    fired = ", ".join(summary.suggestions) or "none"
    return [
        f"[bold]Summary of {escape(summary.call)}[/bold]",
        f"  duration {clock(summary.duration)}, {summary.utterances} utterances, "
        f"talk share: {share}",
        f"  customer mood: start {fmt(summary.mood_start)}, end {fmt(summary.mood_end)}, "
        f"min {fmt(summary.mood_min)}, average {fmt(summary.mood_avg)}, "
        f"negative for {summary.negative_seconds:.0f} s",
        f"  customer sentiment: {counts}",
        f"  suggestions: {escape(fired)}",
        *diarization_lines(summary.diarization),
    ]


def diarization_lines(info: dict[str, Any] | None) -> list[str]:
    """A mono call analysed by speaker: who was found, the roles, how sure, and why."""
    if not info:
        return []
    roles = ", ".join(f"{speaker} {role}" for speaker, role in info["roles"].items())
    sure = "" if info["roles_certain"] else "; uncertain: both speakers' moods are kept"
    lines = [
        f"  speakers: {escape(info['note'])}"
        + (f"; {roles}" if roles else "")
        + f" (role confidence {info['role_confidence']:.2f}{sure})"
    ]
    lines += [f"    {escape(line)}" for line in info["evidence"]]
    if "moods" in info:
        moods = ", ".join(f"{role} {score:+.2f}" for role, score in info["moods"].items())
        lines.append(f"    average mood: {moods}")
    return lines


def transcript_rows(call: str, events: Iterable[Event]) -> list[dict[str, Any]]:
    rows = _TranscriptRows(call)
    for event in events:
        dispatch(event, rows)
    return rows.rows


class _TranscriptRows(EventHandler):
    """One row per final; a speaker's mood after the line fills the row's ``mood``."""

    def __init__(self, call: str) -> None:
        self.call = call
        self.rows: list[dict[str, Any]] = []

    def on_mood(self, event: MoodUpdate) -> None:
        rows = self.rows
        if rows and rows[-1]["speaker"] == event.speaker and rows[-1]["mood"] == "":
            rows[-1]["mood"] = round(event.score, 3)

    def on_final(self, event: TranscriptFinal) -> None:
        scores = event.sentiment.scores if event.sentiment else {}
        self.rows.append({
            "call": self.call,
            "speaker": event.speaker,
            "start": round(event.start, 2),
            "end": round(event.end, 2),
            "text": event.text,
            "asr_confidence": round(event.confidence, 3),
            "reliable": event.reliable,
            "sentiment": event.sentiment.label if event.sentiment else "",
            "negative": round(scores.get("negative", 0.0), 3),
            "neutral": round(scores.get("neutral", 0.0), 3),
            "positive": round(scores.get("positive", 0.0), 3),
            "emotion": event.sentiment.emotion if event.sentiment else "",
            "mood": "",
        })  # fmt: skip


def summary_row(summary: CallSummary) -> dict[str, Any]:
    def num(value: float | None) -> Any:
        return "" if value is None else round(value, 3)

    return {
        "call": summary.call,
        "status": "ok",
        "error": "",
        "duration": round(summary.duration, 2),
        "utterances": summary.utterances,
        "talk_share_customer": num(summary.talk_share.get("customer")),
        "talk_share_agent": num(summary.talk_share.get("agent")),
        "mood_start": num(summary.mood_start),
        "mood_end": num(summary.mood_end),
        "mood_min": num(summary.mood_min),
        "mood_avg": num(summary.mood_avg),
        "negative_seconds": round(summary.negative_seconds, 1),
        "customer_negative": summary.sentiment_counts.get("negative", 0),
        "customer_neutral": summary.sentiment_counts.get("neutral", 0),
        "customer_positive": summary.sentiment_counts.get("positive", 0),
        "suggestions": " ".join(summary.suggestions),
    }


def failed_row(call: str, error: str) -> dict[str, Any]:
    row = dict.fromkeys(SUMMARY_COLUMNS, "")
    row.update(call=call, status="failed", error=error)
    return row
