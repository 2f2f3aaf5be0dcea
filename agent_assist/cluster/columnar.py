"""``calls.parquet`` and ``utterances.parquet``: a run's results as columnar tables.

One row per call (its summary, status and manifest metadata) and one row per transcribed
utterance (keyed by ``call_id``), for the QA report, DuckDB or any BI tool. Utterances are
written in row groups as the per-call files are read, so memory stays bounded for large runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from agent_assist.cluster.calls import ClusterCall
from agent_assist.events import CallSummary, Event, TranscriptFinal
from agent_assist.figures import last_summary
from agent_assist.tables import PRIVATE_FILE

ROW_GROUP = 50_000

UTTERANCES = pa.schema([
    ("call_id", pa.string()), ("speaker", pa.string()), ("start", pa.float64()),
    ("end", pa.float64()), ("text", pa.string()), ("confidence", pa.float64()),
    ("reliable", pa.bool_()), ("sentiment", pa.string()), ("negative", pa.float64()),
    ("neutral", pa.float64()), ("positive", pa.float64()), ("emotion", pa.string()),
])  # fmt: skip

CALL_FIELDS = [
    ("call_id", pa.string()), ("status", pa.string()), ("error", pa.string()),
    ("duration", pa.float64()), ("utterances", pa.int64()),
    ("talk_share_customer", pa.float64()), ("talk_share_agent", pa.float64()),
    ("mood_start", pa.float64()), ("mood_end", pa.float64()), ("mood_min", pa.float64()),
    ("negative_seconds", pa.float64()), ("customer_negative", pa.int64()),
    ("customer_neutral", pa.int64()), ("customer_positive", pa.int64()),
    ("suggestions", pa.list_(pa.string())), ("output", pa.string()),
]  # fmt: skip


def utterance_row(call_id: str, event: TranscriptFinal) -> dict[str, Any]:
    scores = event.sentiment.scores if event.sentiment else {}
    return {
        "call_id": call_id, "speaker": event.speaker, "start": event.start, "end": event.end,
        "text": event.text, "confidence": event.confidence, "reliable": event.reliable,
        "sentiment": event.sentiment.label if event.sentiment else None,
        "negative": scores.get("negative"), "neutral": scores.get("neutral"),
        "positive": scores.get("positive"),
        "emotion": event.sentiment.emotion if event.sentiment else None,
    }  # fmt: skip


def call_row(call: ClusterCall, summary: CallSummary | None, error: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {"call_id": call.id, "status": "failed" if error else "ok"}
    row["error"] = error
    if summary is not None:
        row.update(
            duration=summary.duration,
            utterances=summary.utterances,
            talk_share_customer=summary.talk_share.get("customer"),
            talk_share_agent=summary.talk_share.get("agent"),
            mood_start=summary.mood_start,
            mood_end=summary.mood_end,
            mood_min=summary.mood_min,
            negative_seconds=summary.negative_seconds,
            customer_negative=summary.sentiment_counts.get("negative", 0),
            customer_neutral=summary.sentiment_counts.get("neutral", 0),
            customer_positive=summary.sentiment_counts.get("positive", 0),
            suggestions=list(summary.suggestions),
            output=f"{call.id}.jsonl",
        )
    return {**row, **{key: value for key, value in call.metadata.items() if key not in row}}


def write_parquet(
    out_dir: Path,
    calls: list[ClusterCall],
    failed: dict[str, str],
    events_of: Callable[[ClusterCall], list[Event]],
) -> None:
    """Write both tables into ``out_dir`` (each atomically, mode 0600)."""
    call_rows: list[dict[str, Any]] = []
    utterances = _Atomic(out_dir / "utterances.parquet")
    with utterances as temp, pq.ParquetWriter(temp, UTTERANCES) as writer:
        pending: list[dict[str, Any]] = []
        for call in calls:
            if call.id in failed:
                call_rows.append(call_row(call, None, failed[call.id]))
                continue
            events = events_of(call)
            call_rows.append(call_row(call, last_summary(events), None))
            pending += [utterance_row(call.id, e) for e in events if isinstance(e, TranscriptFinal)]
            if len(pending) >= ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(pending, UTTERANCES))
                pending = []
        writer.write_table(pa.Table.from_pylist(pending, UTTERANCES))
    schema = pa.schema(CALL_FIELDS + [(k, pa.string()) for k in _metadata(calls, CALL_FIELDS)])
    with _Atomic(out_dir / "calls.parquet") as temp:
        pq.write_table(pa.Table.from_pylist(call_rows, schema), temp)


def _metadata(calls: list[ClusterCall], fields: list[tuple[str, Any]]) -> list[str]:
    taken = {name for name, _type in fields}
    columns: dict[str, None] = {}
    for call in calls:
        columns.update(dict.fromkeys(k for k in call.metadata if k not in taken))
    return list(columns)


class _Atomic:
    """A temporary path next to ``path``, moved into place (0600) when the block succeeds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")

    def __enter__(self) -> Path:
        os.close(os.open(self.temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, PRIVATE_FILE))
        return self.temp

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is not None:
            self.temp.unlink(missing_ok=True)
            return
        os.chmod(self.temp, PRIVATE_FILE)
        os.replace(self.temp, self.path)
