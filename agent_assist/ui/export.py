"""Export the call shown in the review window with the history package's writers (no Qt)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agent_assist.events import Event
from agent_assist.ui.viewmodels import CallRecord

if TYPE_CHECKING:
    from agent_assist.config import Config
    from agent_assist.redact import Redactor


def configured_exporter(config: Config) -> Callable[[CallRecord, str, Path], Path]:
    """``export_record`` with the configured redactor (``privacy.redact_keep`` honoured)."""

    def export(record: CallRecord, fmt: str, path: Path) -> Path:
        from agent_assist.redact import Redactor

        return export_record(record, fmt, path, Redactor.from_config(config))

    return export


def export_record(
    record: CallRecord, fmt: str, path: Path, redactor: Redactor | None = None
) -> Path:
    """Write ``record`` as JSON, CSV or a standalone HTML report (redacted, user-only file)."""
    from agent_assist.edge import OutputEdge
    from agent_assist.redact import Redactor
    from agent_assist.store import export
    from agent_assist.store.history import CallRow

    writers: dict[str, Callable[[CallRow, Sequence[Event]], str]] = {
        "json": export.to_json,
        "csv": export.to_csv,
        "html": export.to_html,
    }
    if fmt not in writers:
        raise ValueError(f"export format must be one of {', '.join(writers)}, not {fmt!r}")
    figures = record.figures
    row = CallRow(
        id=record.history_id or 0,
        name=figures.call,
        started_at=record.started_at or datetime.now(UTC),
        duration=figures.duration,
        utterances=figures.utterances,
        mood_avg=figures.mood_avg,
        negative_seconds=figures.negative_seconds,
        suggestions=len(figures.suggestions),
    )
    events = OutputEdge(redactor or Redactor()).pass_all(record.events)
    export.write_private(path, writers[fmt](row, events))
    return path
