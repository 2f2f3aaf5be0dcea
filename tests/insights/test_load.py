"""Loading: every kind of input, and bad input reported in one line each with the rest kept."""

from __future__ import annotations

import json
from pathlib import Path

from agent_assist.insights.load import load
from tests.insights.conftest import (
    CALL_A,
    CALL_B,
    NEGATIVE_BELOW,
    archive_paths,
    write_call,
)


def _count(loaded_con: object, sql: str) -> int:
    row = loaded_con.execute(sql).fetchone()  # type: ignore[attr-defined]
    return int(row[0])


def test_the_archive_loads_cleanly(archive: Path) -> None:
    loaded = load(archive_paths(archive), NEGATIVE_BELOW)
    assert loaded.problems == [
        f"{archive / 'messages.csv'}: 1 record(s) unreadable or without a label; skipped"
    ]
    assert _count(loaded.con, "SELECT count(*) FROM calls") == 3
    assert _count(loaded.con, "SELECT count(*) FROM turns") == 8  # 7 customer turns, 1 agent turn
    assert _count(loaded.con, "SELECT count(*) FROM texts") == 3
    assert _count(loaded.con, "SELECT count(*) FROM calls WHERE agent = 'ann'") == 2


def test_an_empty_folder_is_one_line(tmp_path: Path) -> None:
    loaded = load([tmp_path], NEGATIVE_BELOW)
    assert loaded.problems == [
        f"{tmp_path}: no .jsonl results in this folder",
        "no analyze or sentiment results found in the given paths",
    ]


def test_a_truncated_line_is_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    path = write_call(tmp_path, "cut", CALL_A)
    lines = path.read_text().splitlines()
    lines[3] = lines[3][: len(lines[3]) // 2]  # a write cut short in the middle of the file
    path.write_text("\n".join(lines))  # and no newline at the end
    write_call(tmp_path, "whole", CALL_B)
    loaded = load([tmp_path], NEGATIVE_BELOW)
    assert loaded.problems == [
        f"{path}: 1 unreadable line(s) (truncated or not JSON); skipped, the rest kept"
    ]
    moods = _count(loaded.con, f"SELECT count(*) FROM moods WHERE file = '{path}'")
    assert moods == 4  # of 5: the cut line was a mood update
    assert _count(loaded.con, "SELECT count(*) FROM calls") == 2


def test_an_older_file_without_summary_or_emotion_still_counts(tmp_path: Path) -> None:
    """Mixed versions: a file from an older or interrupted run has no summary event and its
    sentiment has no emotion; its call figures come from its mood events."""
    old = tmp_path / "old.jsonl"
    records = [
        {"type": "transcript", "speaker": "customer", "start": 0, "end": 2, "text": "bad",
         "confidence": 0.9, "sentiment": {"label": "negative", "scores": {"negative": 0.9}}},
        {"type": "mood", "speaker": "customer", "time": 2.0, "score": -0.5, "trend": "steady",
         "uncertain": False},
        {"type": "mood", "speaker": "customer", "time": 6.0, "score": 0.1, "trend": "rising",
         "uncertain": False},
        {"type": "mystery", "what": "an event type from a newer version"},
    ]  # fmt: skip
    old.write_text("".join(json.dumps(r) + "\n" for r in records))
    write_call(tmp_path, "new", CALL_B)
    loaded = load([tmp_path], NEGATIVE_BELOW)
    assert loaded.problems == [
        "1 call file(s) have no summary event (an interrupted or older analyze run); "
        "their figures come from their transcript and mood events"
    ]
    row = loaded.con.execute(
        "SELECT call, duration, mood_start, mood_end, mood_min, escalated, recovered, "
        "negative_seconds FROM calls WHERE call = 'old'"
    ).fetchone()
    assert row == ("old", 6.0, -0.5, 0.1, -0.5, True, True, 4.0)


def test_sentiment_jsonl_with_metadata(tmp_path: Path) -> None:
    path = tmp_path / "survey.jsonl"
    records = [
        {"text": "slow refund", "label": "negative", "scores": {"negative": 0.9},
         "emotion": "anger", "channel": "survey", "team": "t9", "date": "2026-03-02"},
        {"text": "fine", "label": "neutral", "scores": {"neutral": 0.9}, "emotion": "neutral"},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"text": "cut', "utf-8")
    loaded = load([path], NEGATIVE_BELOW)
    rows = loaded.con.execute(
        "SELECT text, channel, team, date FROM texts ORDER BY text"
    ).fetchall()
    assert rows == [("fine", "text", None, None), ("slow refund", "survey", "t9", "2026-03-02")]
    assert loaded.problems == [f"{path}: 1 record(s) unreadable or without a label; skipped"]


def test_unknown_files_are_named_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    (tmp_path / "empty.jsonl").write_text("")
    loaded = load(
        [tmp_path / "notes.txt", tmp_path / "other.csv", tmp_path / "empty.jsonl", tmp_path / "x"],
        NEGATIVE_BELOW,
    )
    assert loaded.problems == [
        f"{tmp_path / 'notes.txt'}: not a results, table or history file (.txt); skipped",
        f"{tmp_path / 'other.csv'}: a CSV with neither text,label columns, call metadata nor "
        "history stats; skipped",
        f"{tmp_path / 'empty.jsonl'}: empty file; skipped",
        f"{tmp_path / 'x'}: no such file or folder",
        "no analyze or sentiment results found in the given paths",
    ]


def test_metadata_matches_the_file_name_or_the_call_name(tmp_path: Path) -> None:
    """analyze names a file after its call, made unique (``call-b-2.jsonl``): metadata may name
    either; the file name wins."""
    write_call(tmp_path, "call-b-2", CALL_B)  # its summary says call-b
    write_call(tmp_path, "call-a", CALL_A)
    meta = tmp_path / "meta.csv"
    meta.write_text("call,agent\ncall-b-2,by-file\ncall-b,by-call\ncall-a,ann\n")
    loaded = load([tmp_path, meta], NEGATIVE_BELOW)
    rows = loaded.con.execute("SELECT call, agent FROM calls ORDER BY call").fetchall()
    assert rows == [("call-a", "ann"), ("call-b", "by-file")]
