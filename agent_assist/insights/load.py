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
import itertools
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from agent_assist.errors import AgentAssistError
from agent_assist.insights.callevents import CallSource, file_sources, load_events
from agent_assist.insights.history_db import Feedback, read_history

logger = logging.getLogger(__name__)

METADATA = ("agent", "team", "queue", "channel", "date")
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
    history: list[Path] = field(default_factory=list)
    history_dbs: list[Path] = field(default_factory=list)


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
            found = sorted(path.rglob("*.jsonl")) + sorted(path.rglob("calls.parquet"))
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
        elif suffix in HISTORY_SUFFIXES:
            kind = "history_dbs"
        elif suffix == ".parquet":
            kind = _PARQUET_KINDS.get(path.name, "a Parquet file other than a cluster run's tables")
        else:
            kind = f"not a results, table or history file ({suffix or 'no extension'})"
    except OSError as error:
        kind = f"cannot read ({error.strerror or error})"
    targets = {
        "calls": sources.calls,
        "texts_jsonl": sources.texts_jsonl,
        "texts_csv": sources.texts_csv,
        "metadata": sources.metadata,
        "history": sources.history,
        "history_dbs": sources.history_dbs,
    }
    if kind in targets:
        targets[kind].append(path)
    elif kind != "skip":
        problems.append(f"{path}: {kind}; skipped")


HISTORY_SUFFIXES = (".sqlite3", ".sqlite", ".db")
# a cluster run's calls.parquet carries each call's manifest metadata; its utterances.parquet
# repeats what the .jsonl files beside it hold
_PARQUET_KINDS = {"calls.parquet": "metadata", "utterances.parquet": "skip"}


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
    if {"period", "calls", "suggestions_used"} <= names:
        return "history"
    return "a CSV with neither text,label columns, call metadata nor history stats"


def load(paths: list[Path], negative_below: float) -> Loaded:
    """Everything readable under ``paths``, in tables; the problems met, one line each."""
    problems: list[str] = []
    sources = find_sources(paths, problems)
    con = duckdb.connect()
    loaded = Loaded(con, negative_below, problems)
    _load_calls(loaded, sources)
    _load_metadata(loaded, sources.metadata)
    _build_calls(loaded)
    _load_texts(loaded, sources)
    _load_history(loaded, sources.history)
    if not (
        sources.calls
        or sources.texts_jsonl
        or sources.texts_csv
        or sources.history
        or sources.history_dbs
    ):
        problems.append("no analyze or sentiment results found in the given paths")
    return loaded


def _file_list(files: list[Path]) -> str:
    return "[" + ", ".join(_quote(str(f)) for f in files) + "]"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in columns.items()) + "}"


def _load_calls(loaded: Loaded, sources: Sources) -> None:
    """Events of the analyze files and of the history databases' calls; the databases'
    suggestion feedback in table ``feedback``."""
    calls: list[Iterable[CallSource]] = [file_sources(sources.calls, loaded.problems)]
    feedback: list[Feedback] = []
    for path in sources.history_dbs:
        stored, marks = read_history(path, loaded.problems)
        calls.append(stored)
        feedback += marks
    load_events(loaded.con, itertools.chain(*calls), loaded.problems)
    loaded.con.execute(
        "CREATE TABLE feedback (file VARCHAR, id VARCHAR, action VARCHAR, time DOUBLE)"
    )
    if feedback:
        loaded.con.executemany("INSERT INTO feedback VALUES (?, ?, ?, ?)", feedback)


def _load_metadata(loaded: Loaded, files: list[Path]) -> None:
    con = loaded.con
    con.execute(
        "CREATE TABLE metadata (call VARCHAR, agent VARCHAR, team VARCHAR, queue VARCHAR, "
        "channel VARCHAR, date VARCHAR)"
    )
    for file in files:
        parquet = file.suffix.lower() == ".parquet"
        relation = _parquet(loaded, file) if parquet else _csv(loaded, file)
        if relation is None:
            continue
        names = set(relation.columns)
        key = "call_id" if parquet else "call"
        picks = ", ".join(
            f"{_pick(name, names)} AS {alias}"
            for name, alias in zip((key, *METADATA), ("call", *METADATA), strict=True)
        )
        loaded.con.register("metadata_rows", relation)
        loaded.con.execute(
            f"INSERT INTO metadata SELECT * FROM (SELECT {picks} FROM metadata_rows) "
            "WHERE call IS NOT NULL"
        )
        loaded.con.unregister("metadata_rows")


def _parquet(loaded: Loaded, file: Path) -> duckdb.DuckDBPyRelation | None:
    try:
        return loaded.con.read_parquet(str(file))
    except duckdb.Error as error:
        loaded.problems.append(f"{file}: cannot read as Parquet ({_first_line(error)}); skipped")
        return None


def _csv(loaded: Loaded, file: Path) -> duckdb.DuckDBPyRelation | None:
    """``file`` as a relation of text columns, or None (and a problem line)."""
    try:
        return loaded.con.read_csv(str(file), header=True, all_varchar=True)
    except duckdb.Error as error:
        loaded.problems.append(f"{file}: cannot read as CSV ({_first_line(error)}); skipped")
        return None


def _pick(name: str, names: set[str], cast: str = "VARCHAR") -> str:
    """Column ``name`` (empty text as NULL) cast to ``cast``, or NULL when the file lacks it."""
    if name not in names:
        return f"NULL::{cast}"
    return f"TRY_CAST(nullif(trim(\"{name}\"), '') AS {cast})"


def _build_calls(loaded: Loaded) -> None:
    from agent_assist.insights.calls import build_call_tables

    build_call_tables(loaded.con, loaded.negative_below)
    missing = loaded.con.execute(
        "SELECT count(*) FROM calls WHERE NOT has_summary AND file LIKE '%.jsonl'"
    ).fetchone()
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
        loaded.problems.append(
            f"{source}: {count} record(s) unreadable or without a label; skipped"
        )
    con.execute("DELETE FROM texts WHERE label IS NULL")
    con.execute("UPDATE texts SET channel = coalesce(channel, 'text')")


def _insert_text_csv(loaded: Loaded, file: Path) -> None:
    relation = _csv(loaded, file)
    if relation is None:
        return
    names = set(relation.columns)
    scores = ", ".join(
        f"'{label}': {_pick(label, names, 'DOUBLE')}"
        for label in ("negative", "neutral", "positive")
    )
    metadata = ", ".join(_pick(name, names) for name in METADATA)
    loaded.con.register("text_csv", relation)
    loaded.con.execute(
        f"INSERT INTO texts SELECT {_quote(str(file))}, {_pick('text', names)}, "
        f"{_pick('label', names)}, {{{scores}}}, {_pick('emotion', names)}, {metadata} "
        "FROM text_csv"
    )
    loaded.con.unregister("text_csv")


def _load_history(loaded: Loaded, files: list[Path]) -> None:
    """``history stats`` exports (aggregates only), one per agent: the agent is the file's
    ``agent`` column, or its name. Their mood is -100..+100 (``avg_customer_mood``), or -1..1
    in exports before that (``avg_mood``)."""
    con = loaded.con
    con.execute(
        "CREATE TABLE history (source VARCHAR, agent VARCHAR, period VARCHAR, calls BIGINT, "
        "duration_s DOUBLE, avg_mood DOUBLE, negative_s DOUBLE, top_triggers VARCHAR, "
        "used BIGINT, dismissed BIGINT)"
    )
    for file in files:
        relation = _csv(loaded, file)
        if relation is None:
            continue
        names = set(relation.columns)
        agent = _pick("agent", names) if "agent" in names else _quote(file.stem)
        mood = _pick("avg_mood", names, "DOUBLE")
        if "avg_customer_mood" in names:
            mood = f"{_pick('avg_customer_mood', names, 'DOUBLE')} / 100"
        loaded.con.register("history_rows", relation)
        con.execute(
            f"INSERT INTO history SELECT {_quote(str(file))}, {agent}, {_pick('period', names)}, "
            f"{_pick('calls', names, 'BIGINT')}, {_pick('duration_s', names, 'DOUBLE')}, "
            f"{mood}, {_pick('negative_s', names, 'DOUBLE')}, "
            f"{_pick('top_triggers', names)}, {_pick('suggestions_used', names, 'BIGINT')}, "
            f"{_pick('suggestions_dismissed', names, 'BIGINT')} FROM history_rows"
        )
        loaded.con.unregister("history_rows")


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class ReportInputError(AgentAssistError):
    """Nothing at all could be read."""
