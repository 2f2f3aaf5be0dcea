"""Read ``analyze`` and ``sentiment`` outputs into DuckDB tables.

Tables (one connection, in memory):

* ``events``: every analyze event row (file, call, type and the fields the report uses);
* ``calls``: one row per call: duration, customer mood start / end / lowest, negative seconds,
  longest negative stretch, agent, team, queue, channel, day; from the call's ``summary`` event,
  or from its events when the summary is missing (an interrupted run);
* ``turns``: transcript utterances (speaker, times, text, sentiment label and scores, emotion);
* ``moods``: customer mood updates; ``fired``: suggestions;
* ``texts``: ``sentiment`` records of text channels (chats, surveys, e-mails) with metadata.

Bad input never stops the report: each problem is one line in ``Loaded.problems`` and what could
be read is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from agent_assist.errors import AgentAssistError

logger = logging.getLogger(__name__)

METADATA = ("agent", "team", "queue", "channel", "date")
EVENT_COLUMNS = {
    "type": "VARCHAR",
    "speaker": "VARCHAR",
    "start": "DOUBLE",
    "end": "DOUBLE",
    "text": "VARCHAR",
    "time": "DOUBLE",
    "score": "DOUBLE",
    "sentiment": "STRUCT(label VARCHAR, scores STRUCT(negative DOUBLE, neutral DOUBLE, "
    "positive DOUBLE), emotion VARCHAR)",
    "id": "VARCHAR",
    "title": "VARCHAR",
    "call": "VARCHAR",
    "duration": "DOUBLE",
    "mood_start": "DOUBLE",
    "mood_end": "DOUBLE",
    "mood_min": "DOUBLE",
    "negative_seconds": "DOUBLE",
}
TEXT_COLUMNS = {
    "text": "VARCHAR",
    "label": "VARCHAR",
    "scores": "STRUCT(negative DOUBLE, neutral DOUBLE, positive DOUBLE)",
    "emotion": "VARCHAR",
    **{name: "VARCHAR" for name in METADATA},
}


@dataclass
class Sources:
    """The input files, sorted by kind."""

    calls: list[Path] = field(default_factory=list)
    texts_jsonl: list[Path] = field(default_factory=list)
    texts_csv: list[Path] = field(default_factory=list)
    metadata: list[Path] = field(default_factory=list)


@dataclass
class Loaded:
    con: duckdb.DuckDBPyConnection
    negative_below: float
    problems: list[str] = field(default_factory=list)


def find_sources(paths: list[Path], problems: list[str]) -> Sources:
    """Sort the given files and folders (a folder: its ``*.jsonl`` files, recursively)."""
    sources = Sources()
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.jsonl"))
            if not found:
                problems.append(f"{path}: no .jsonl results in this folder")
            for file in found:
                _classify(file, sources, problems)
        elif path.is_file():
            _classify(path, sources, problems)
        else:
            problems.append(f"{path}: no such file or folder")
    return sources


def _classify(path: Path, sources: Sources, problems: list[str]) -> None:
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            kind = _jsonl_kind(path)
        elif suffix == ".csv":
            kind = _csv_kind(path)
        else:
            kind = f"not a .jsonl or .csv file ({suffix or 'no extension'})"
    except OSError as error:
        kind = f"cannot read ({error.strerror or error})"
    targets = {
        "calls": sources.calls,
        "texts_jsonl": sources.texts_jsonl,
        "texts_csv": sources.texts_csv,
        "metadata": sources.metadata,
    }
    if kind in targets:
        targets[kind].append(path)
    elif kind != "skip":
        problems.append(f"{path}: {kind}; skipped")


def _jsonl_kind(path: Path) -> str:
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
    if not first.strip():
        return "empty file"
    try:
        record = json.loads(first)
    except ValueError:
        return "calls"  # a damaged first line; the reader counts it and keeps the rest
    if isinstance(record, dict) and "type" in record:
        return "calls"
    if isinstance(record, dict) and "label" in record:
        return "texts_jsonl"
    return "neither analyze events nor sentiment records"


def _csv_kind(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    names = set(header)
    if {"status", "output", "mood_min"} <= names:
        return "skip"  # analyze's summary.csv: the .jsonl files beside it hold more
    if {"text", "label"} <= names:
        return "texts_csv"
    if "call" in names and names & set(METADATA):
        return "metadata"
    return "a CSV with neither text,label columns nor call metadata"


def load(paths: list[Path], negative_below: float) -> Loaded:
    """Everything readable under ``paths``, in tables; the problems met, one line each."""
    problems: list[str] = []
    sources = find_sources(paths, problems)
    con = duckdb.connect()
    loaded = Loaded(con, negative_below, problems)
    _load_events(loaded, sources.calls)
    _load_metadata(loaded, sources.metadata)
    _build_calls(loaded)
    _load_texts(loaded, sources)
    if not sources.calls and not sources.texts_jsonl and not sources.texts_csv:
        problems.append("no analyze or sentiment results found in the given paths")
    return loaded


def _file_list(files: list[Path]) -> str:
    return "[" + ", ".join(_quote(str(f)) for f in files) + "]"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in columns.items()) + "}"


def _load_events(loaded: Loaded, files: list[Path]) -> None:
    con = loaded.con
    if not files:
        con.execute(
            "CREATE TABLE events AS SELECT NULL::VARCHAR AS file, NULL::TIMESTAMP AS mtime, "
            + ", ".join(f'NULL::{t} AS "{n}"' for n, t in EVENT_COLUMNS.items())
            + " WHERE false"
        )
        return
    con.execute(
        f"CREATE TABLE events AS SELECT * FROM read_json({_file_list(files)}, "
        f"format='newline_delimited', columns={_struct(EVENT_COLUMNS)}, filename='file', "
        "ignore_errors=true, maximum_object_size=16777216)"
    )
    con.execute("ALTER TABLE events ADD COLUMN mtime TIMESTAMP")
    times = [(str(f), dt.datetime.fromtimestamp(f.stat().st_mtime)) for f in files]
    con.execute("CREATE TEMP TABLE file_times (file VARCHAR, mtime TIMESTAMP)")
    con.executemany("INSERT INTO file_times VALUES (?, ?)", times)
    con.execute("UPDATE events SET mtime = t.mtime FROM file_times t WHERE events.file = t.file")
    bad = con.execute(
        "SELECT file, count(*) FROM events WHERE type IS NULL GROUP BY file ORDER BY file"
    ).fetchall()
    for file, count in bad:
        loaded.problems.append(
            f"{file}: {count} unreadable line(s) (truncated or not JSON); skipped, the rest kept"
        )
    con.execute("DELETE FROM events WHERE type IS NULL")


def _load_metadata(loaded: Loaded, files: list[Path]) -> None:
    con = loaded.con
    con.execute(
        "CREATE TABLE metadata (call VARCHAR, agent VARCHAR, team VARCHAR, queue VARCHAR, "
        "channel VARCHAR, date VARCHAR)"
    )
    for file in files:
        rows = _metadata_rows(file, loaded.problems)
        con.executemany("INSERT INTO metadata VALUES (?, ?, ?, ?, ?, ?)", rows)


def _metadata_rows(file: Path, problems: list[str]) -> list[tuple[Any, ...]]:
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            return [
                (row["call"], *(row.get(name) or None for name in METADATA))
                for row in csv.DictReader(handle)
                if row.get("call")
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        problems.append(f"{file}: cannot read the call metadata ({error}); skipped")
        return []


def _build_calls(loaded: Loaded) -> None:
    from agent_assist.insights.calls import build_call_tables

    build_call_tables(loaded.con, loaded.negative_below)
    missing = loaded.con.execute("SELECT count(*) FROM calls WHERE NOT has_summary").fetchone()
    if missing and missing[0]:
        loaded.problems.append(
            f"{missing[0]} call file(s) have no summary event (an interrupted or older analyze "
            "run); their figures come from their transcript and mood events"
        )


def _load_texts(loaded: Loaded, sources: Sources) -> None:
    con = loaded.con
    columns = ", ".join(f'"{n}" {t}' for n, t in TEXT_COLUMNS.items())
    con.execute(f"CREATE TABLE texts (source VARCHAR, {columns})")
    if sources.texts_jsonl:
        con.execute(
            f"INSERT INTO texts SELECT source, * EXCLUDE (source) FROM read_json("
            f"{_file_list(sources.texts_jsonl)}, format='newline_delimited', "
            f"columns={_struct(TEXT_COLUMNS)}, filename='source', ignore_errors=true)"
        )
    for file in sources.texts_csv:
        _insert_text_csv(loaded, file)
    bad = con.execute(
        "SELECT source, count(*) FROM texts WHERE label IS NULL GROUP BY source ORDER BY source"
    ).fetchall()
    for source, count in bad:
        loaded.problems.append(f"{source}: {count} record(s) without a label; skipped")
    con.execute("DELETE FROM texts WHERE label IS NULL")
    con.execute("UPDATE texts SET channel = coalesce(channel, 'text')")


def _insert_text_csv(loaded: Loaded, file: Path) -> None:
    try:
        relation = loaded.con.read_csv(str(file), header=True, all_varchar=True)
    except duckdb.Error as error:
        loaded.problems.append(f"{file}: cannot read as CSV ({_first_line(error)}); skipped")
        return
    names = set(relation.columns)

    def pick(name: str, cast: str = "VARCHAR") -> str:
        return f'TRY_CAST("{name}" AS {cast})' if name in names else f"NULL::{cast}"

    scores = (
        f"{{'negative': {pick('negative', 'DOUBLE')}, 'neutral': {pick('neutral', 'DOUBLE')}, "
        f"'positive': {pick('positive', 'DOUBLE')}}}"
    )
    metadata = ", ".join(pick(name) for name in METADATA)
    loaded.con.register("text_csv", relation)
    loaded.con.execute(
        f"INSERT INTO texts SELECT {_quote(str(file))}, text, label, {scores}, "
        f"{pick('emotion')}, {metadata} FROM text_csv"
    )
    loaded.con.unregister("text_csv")


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class ReportInputError(AgentAssistError):
    """Nothing at all could be read."""
