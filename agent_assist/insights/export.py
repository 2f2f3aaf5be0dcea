"""The report's tables for BI tools: a folder of CSV files or one JSON file (written private and
atomic by ``agent_assist.tables``; CSV cells are formula-safe)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_assist.insights.collect import Insights, Row
from agent_assist.tables import csv_text, private_dir, write_private


def _flat(row: Row) -> Row:
    """Lists (drivers' examples) as one text cell."""
    return {
        key: " | ".join(str(e.get("snippet", e)) for e in value) if isinstance(value, list)
        else value
        for key, value in row.items()
    }  # fmt: skip


def _columns(rows: list[Row]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def write_csv_folder(insights: Insights, folder: Path) -> list[Path]:
    """One ``<table>.csv`` per table plus ``overview.csv``; the files written."""
    private_dir(folder)
    written = []
    tables: dict[str, list[Row]] = {"overview": [insights.overview], **insights.tables}
    for name, rows in tables.items():
        path = folder / f"{name}.csv"
        flat = [_flat(r) for r in rows]
        write_private(path, csv_text(_columns(flat) or ["empty"], flat))
        written.append(path)
    return written


def write_json(insights: Insights, path: Path) -> None:
    body: dict[str, Any] = {
        "negative_below": insights.negative_below,
        "period": insights.period,
        "overview": insights.overview,
        "problems": insights.problems,
        **insights.tables,
    }
    write_private(path, json.dumps(body, ensure_ascii=False, indent=1, default=str) + "\n")
