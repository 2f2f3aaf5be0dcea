"""A cluster run's output folder: per-call results, what is done, and the run's tables.

Each finished call is ``<call_id>.jsonl`` (its redacted events, written atomically), then
``.done/<call_id>.json`` (its input checksum and the config fingerprint, atomically too). A call
counts as done only when both exist and match, so a run stopped between the two writes simply
analyses the call again and replaces the file whole. ``summary.csv`` and ``failures.csv`` are
rewritten at the end of every run, from the per-call files of all the run's calls. A run killed
in the middle of a write leaves a hidden ``.<name>.*.tmp`` behind; the next run on the folder
removes it (one run per output folder at a time).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent_assist.cluster.calls import ClusterCall
from agent_assist.events import Event, event_from_dict
from agent_assist.figures import last_summary
from agent_assist.report import SUMMARY_COLUMNS, failed_row, summary_row
from agent_assist.tables import csv_text, private_dir, write_private

log = logging.getLogger(__name__)

DONE_DIR = ".done"
FAILURE_COLUMNS = ["call", "error"]


class RunFolder:
    def __init__(self, out_dir: Path, fingerprint: str) -> None:
        self.out_dir = out_dir
        self.fingerprint = fingerprint
        private_dir(out_dir)
        private_dir(out_dir / DONE_DIR)
        self._remove_unfinished_writes()

    def _remove_unfinished_writes(self) -> None:
        """Temporary files of a run killed mid-write: never moved into place, never needed."""
        for folder in (self.out_dir, self.out_dir / DONE_DIR):
            for temp in folder.glob(".*.tmp"):
                temp.unlink(missing_ok=True)
                log.info("%s: removed, left by an interrupted run", temp)

    def result_path(self, call: ClusterCall) -> Path:
        return self.out_dir / f"{call.id}.jsonl"

    def _done_path(self, call: ClusterCall) -> Path:
        return self.out_dir / DONE_DIR / f"{call.id}.json"

    def is_done(self, call: ClusterCall, checksum: str) -> bool:
        """Whether ``call``'s result exists for this input and this config."""
        try:
            mark = json.loads(self._done_path(call).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (
            isinstance(mark, dict)
            and mark.get("input_sha256") == checksum
            and mark.get("config") == self.fingerprint
            and self.result_path(call).is_file()
        )

    def write_result(self, call: ClusterCall, checksum: str, events: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(event, ensure_ascii=False) + "\n" for event in events)
        write_private(self.result_path(call), text)
        mark = {"call": call.id, "input_sha256": checksum, "config": self.fingerprint}
        write_private(self._done_path(call), json.dumps(mark) + "\n")

    def forget(self, call: ClusterCall) -> None:
        """A call that failed this time: no stale result of an earlier input stays behind."""
        self._done_path(call).unlink(missing_ok=True)
        self.result_path(call).unlink(missing_ok=True)

    def events(self, call: ClusterCall) -> list[Event]:
        lines = self.result_path(call).read_text(encoding="utf-8").splitlines()
        return [event_from_dict(json.loads(line)) for line in lines if line.strip()]

    def write_tables(self, calls: list[ClusterCall], failed: dict[str, str]) -> Path:
        """``summary.csv`` (and ``failures.csv`` when some failed); the summary's path."""
        metadata = _metadata_columns(calls)
        rows = [{**row, **call.metadata} for call, row in self._summary_rows(calls, failed)]
        summary = self.out_dir / "summary.csv"
        write_private(summary, csv_text([*SUMMARY_COLUMNS, *metadata], rows))
        failures = self.out_dir / "failures.csv"
        if failed:
            lines = [{"call": call_id, "error": error} for call_id, error in failed.items()]
            write_private(failures, csv_text(FAILURE_COLUMNS, lines))
        else:
            failures.unlink(missing_ok=True)
        return summary

    def _summary_rows(
        self, calls: list[ClusterCall], failed: dict[str, str]
    ) -> Iterator[tuple[ClusterCall, dict[str, Any]]]:
        for call in calls:
            if call.id in failed:
                row = failed_row(call.id, failed[call.id])
                yield call, {**row, "note": call.note}
                continue
            summary = last_summary(self.events(call))
            if summary is not None:
                output = self.result_path(call).name
                yield call, {**summary_row(summary), "output": output, "note": call.note}


def _metadata_columns(calls: list[ClusterCall]) -> list[str]:
    columns: dict[str, None] = {}
    for call in calls:
        columns.update(dict.fromkeys(call.metadata))
    return [c for c in columns if c not in SUMMARY_COLUMNS]
