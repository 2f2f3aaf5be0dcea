"""Export a stored call as JSON, CSV (a flat transcript table) or a standalone HTML report, and
history stats as CSV. Text is redacted again on the way out, so an export never carries more
than the store. JSON keeps the event schema (scores in [-1, 1]); the CSV and HTML exports are
for people and show moods as the app does: -100 … +100 with words. CSV cells are neutralised
against spreadsheet formulas, and files are written atomically, readable by the user only
(``agent_assist.tables``)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from html import escape
from typing import Literal

from agent_assist.edge import OutputEdge
from agent_assist.events import (
    CallSummary,
    Event,
    EventHandler,
    EventVisitor,
    MoodUpdate,
    Speaker,
    Suggestion,
    TranscriptFinal,
    dispatch,
)
from agent_assist.figures import last_summary, summary_of
from agent_assist.mood import mood_number, mood_words
from agent_assist.redact import Redactor
from agent_assist.store.history import CallRow, History, StatsRow
from agent_assist.tables import SafeWriter, write_private

__all__ = ["FORMATS", "export_call", "stats_csv", "to_csv", "to_html", "to_json", "write_private"]

Format = Literal["json", "csv", "html"]
FORMATS: tuple[Format, ...] = ("json", "csv", "html")
TRANSCRIPT_COLUMNS = (
    "call_id",
    "start",
    "end",
    "speaker",
    "text",
    "sentiment",
    "asr_confidence",
    "customer_mood",
    "customer_mood_words",
)
"""``sentiment``: the line's own tone; ``asr_confidence``: how sure speech recognition was of the
text (0..1); ``customer_mood``: the customer's mood after the line, -100 … +100."""
STATS_COLUMNS = (
    "period",
    "calls",
    "duration_s",
    "avg_customer_mood",
    "avg_customer_mood_words",
    "negative_s",
    "top_triggers",
    "suggestions_used",
    "suggestions_dismissed",
)


def export_call(
    history: History, call_id: int, fmt: Format, redactor: Redactor | None = None
) -> str:
    row = history.call(call_id)
    events = OutputEdge(redactor or Redactor()).pass_all(history.events(call_id))
    if fmt == "json":
        return to_json(row, events)
    if fmt == "csv":
        return to_csv(row, events)
    if fmt == "html":
        return to_html(row, events)
    raise ValueError(f"export format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def _call_dict(row: CallRow) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "started_at": row.started_at.isoformat(),
        "duration": row.duration,
        "utterances": row.utterances,
        "mood_avg": row.mood_avg,
        "negative_seconds": row.negative_seconds,
    }


def _summary(events: Sequence[Event]) -> CallSummary | None:
    """The call's summary with the figures an older one lacks filled in; None when it has none."""
    return summary_of(events) if last_summary(events) else None


def to_json(row: CallRow, events: Sequence[Event]) -> str:
    summary = _summary(events)
    body = {
        "call": _call_dict(row),
        "summary": summary.to_dict() if summary else None,
        "events": [e.to_dict() for e in events],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def _mood_cells(score: float | None) -> list[object]:
    """A mood for a spreadsheet: the number (-100 … +100) and its words; blank when none."""
    return ["", ""] if score is None else [int(mood_number(score)), mood_words(score)]


def to_csv(row: CallRow, events: Sequence[Event]) -> str:
    lines = _CsvLines(row.id)
    for e in events:
        dispatch(e, lines)
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(TRANSCRIPT_COLUMNS)
    for line in lines.lines:
        writer.writerow(line)
    return out.getvalue()


class _CsvLines(EventHandler):
    """A line per final, with the customer's mood after it (a later mood fills the last line)."""

    def __init__(self, call_id: int) -> None:
        self.call_id = call_id
        self.lines: list[list[object]] = []
        self.mood: float | None = None

    def on_mood(self, e: MoodUpdate) -> None:
        if e.speaker == "customer":
            self.mood = e.score
            if self.lines:
                self.lines[-1][-2:] = _mood_cells(self.mood)

    def on_final(self, e: TranscriptFinal) -> None:
        label = e.sentiment.label if e.sentiment else ""
        self.lines.append(
            [self.call_id, f"{e.start:.2f}", f"{e.end:.2f}", e.speaker, e.text, label]
            + [f"{e.confidence:.3f}", *_mood_cells(self.mood)]
        )


def stats_csv(rows: Sequence[StatsRow]) -> str:
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(STATS_COLUMNS)
    for r in rows:
        triggers = ";".join(f"{name}:{count}" for name, count in r.top_triggers)
        writer.writerow(
            [
                r.period,
                r.calls,
                f"{r.duration_s:.1f}",
                *_mood_cells(r.avg_mood),
                f"{r.negative_s:.1f}",
                triggers,
                r.used,
                r.dismissed,
            ]
        )
    return out.getvalue()


# --- HTML report --------------------------------------------------------------------------

_CHART_W, _CHART_H, _PAD = 760, 220, 32
_COLOURS: dict[Speaker, str] = {"customer": "#d9480f", "agent": "#1c7ed6"}
_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; }
td, th { padding: 3px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid #eee; }
tr.said-customer.negative td { background: #ffe3e3; }
tr.said-customer.positive td { background: #e6fcf5; }
td.time { white-space: nowrap; color: #666; font-variant-numeric: tabular-nums; }
.customer { color: #d9480f; } .agent { color: #1c7ed6; }
svg text { font: 11px system-ui, sans-serif; fill: #555; }
"""


def _mood_text(score: float | None) -> str:
    """A mood as the app shows it: '-38 (upset)'."""
    return "n/a" if score is None else f"{mood_number(score)} ({mood_words(score)})"


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def _x(time: float, duration: float) -> float:
    return _PAD + (_CHART_W - 2 * _PAD) * min(max(time / duration, 0.0), 1.0)


def _y(score: float) -> float:
    return _PAD + (_CHART_H - 2 * _PAD) * (1 - (max(min(score, 1.0), -1.0) + 1) / 2)


def mood_chart(events: Sequence[Event], duration: float) -> str:
    """Inline SVG: customer and agent mood over the call, with a marker per suggestion."""
    times = [e.time for e in events if isinstance(e, MoodUpdate | Suggestion)]
    duration = max([duration, *times, 1.0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_CHART_W}" height="{_CHART_H}"'
        f' viewBox="0 0 {_CHART_W} {_CHART_H}" role="img" aria-label="Mood over the call">',
        f'<line x1="{_PAD}" y1="{_y(0):.1f}" x2="{_CHART_W - _PAD}" y2="{_y(0):.1f}"'
        ' stroke="#bbb" stroke-dasharray="4 3"/>',
        f'<text x="4" y="{_y(1) + 4:.0f}">+100</text><text x="4" y="{_y(0) + 4:.0f}">0</text>'
        f'<text x="4" y="{_y(-1) + 4:.0f}">-100</text>',
        f'<text x="{_PAD}" y="{_CHART_H - 8}">00:00.0</text>'
        f'<text x="{_CHART_W - _PAD}" y="{_CHART_H - 8}" text-anchor="end">'
        f"{_clock(duration)}</text>",
    ]
    for e in events:
        if isinstance(e, Suggestion):
            x = _x(e.time, duration)
            parts.append(
                f'<g class="suggestion"><title>{escape(_clock(e.time))} {escape(e.title)}</title>'
                f'<line x1="{x:.1f}" y1="{_PAD}" x2="{x:.1f}" y2="{_CHART_H - _PAD}"'
                ' stroke="#7048e8" stroke-width="1"/>'
                f'<path d="M{x - 5:.1f},{_PAD - 10} L{x + 5:.1f},{_PAD - 10} L{x:.1f},{_PAD - 2} Z"'
                ' fill="#7048e8"/></g>'
            )
    for speaker, colour in _COLOURS.items():
        points = [
            f"{_x(e.time, duration):.1f},{_y(e.score):.1f}"
            for e in events
            if isinstance(e, MoodUpdate) and e.speaker == speaker
        ]
        if points:
            parts.append(
                f'<polyline class="mood-{speaker}" fill="none" stroke="{colour}"'
                f' stroke-width="2" points="{" ".join(points)}"/>'
            )
            parts += [
                f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3" fill="{colour}"/>'
                for p in points
            ]
    parts.append("</svg>")
    return "".join(parts)


def _summary_table(row: CallRow, summary: CallSummary | None) -> str:
    items: list[tuple[str, str]] = [
        ("Started", row.started_at.astimezone().strftime("%Y-%m-%d %H:%M")),
        ("Duration", _clock(row.duration)),
        ("Utterances", str(row.utterances)),
        ("Average customer mood", _mood_text(row.mood_avg)),
        ("Time negative", f"{row.negative_seconds:.0f} s"),
    ]
    if summary:
        share = ", ".join(f"{k} {v:.0%}" for k, v in summary.talk_share.items())
        counts = ", ".join(f"{k} {v}" for k, v in summary.sentiment_counts.items())
        moods = (summary.mood_start, summary.mood_end, summary.mood_min)
        items += [
            ("Talk share", share),
            (
                "Customer mood start / end / lowest",
                " / ".join(_mood_text(m) for m in moods),
            ),
            ("Sentiment of utterances", counts),
            ("Suggestions", ", ".join(summary.suggestions)),
        ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in items)
    return f'<table class="summary">{rows}</table>'


def _transcript(events: Sequence[Event]) -> str:
    rows = [row for e in events if (row := dispatch(e, _TranscriptRow())) is not None]
    return f'<table class="transcript">{"".join(rows)}</table>'


class _TranscriptRow(EventVisitor[str | None]):
    """An event's row in the HTML transcript: lines and suggestions, nothing for the rest."""

    def other(self, e: Event) -> None:
        return None

    def on_final(self, e: TranscriptFinal) -> str:
        # Only customer lines are tinted: the agent's own tone is not the customer's mood.
        label = e.sentiment.label if e.sentiment else "neutral"
        tint = f" {escape(label)}" if e.speaker == "customer" else ""
        return (
            f'<tr class="said-{e.speaker}{tint}"><td class="time">{_clock(e.start)}</td>'
            f'<td class="{e.speaker}">{e.speaker}</td><td>{escape(e.text)}</td></tr>'
        )

    def on_suggestion(self, e: Suggestion) -> str:
        evidence = "; ".join(escape(ev.detail) for ev in e.evidence)
        return (
            f'<tr class="suggestion"><td class="time">{_clock(e.time)}</td>'
            f"<td>suggestion</td><td><strong>{escape(e.title)}</strong> — "
            f"{escape(e.prompt)}{' <em>(' + evidence + ')</em>' if evidence else ''}</td></tr>"
        )


def to_html(row: CallRow, events: Sequence[Event]) -> str:
    """A standalone, well-formed (XHTML-compatible) report with no external resources."""
    title = escape(f"Call {row.id}: {row.name}")
    return (
        "<!DOCTYPE html>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1>{_summary_table(row, _summary(events))}"
        "<h2>Mood</h2>"
        f'<p><span class="customer">— customer</span> · <span class="agent">— agent</span>'
        " · ▼ suggestion shown · -100 very upset, 0 neutral, +100 very happy</p>"
        f"{mood_chart(events, row.duration)}"
        f"<h2>Transcript</h2>{_transcript(events)}"
        "<p><small>Personal data in this report is redacted.</small></p>"
        "</body></html>\n"
    )
