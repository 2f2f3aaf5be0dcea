"""``analyze --cluster``: the run from inputs to tables, on a local or a running Dask cluster.

Every input gets a call id first (redacted like local ``analyze``); a call whose file cannot be
read fails here, with one line naming it by its id. Calls already done for the same input
checksum and config fingerprint are skipped; the rest go to the cluster. At the end the run's
tables are rewritten from the per-call files, and the exit status says whether any call failed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from agent_assist.audio.files import input_problem
from agent_assist.callnames import CallName, NameScrubber, scrubbed_logs
from agent_assist.cli.shared import error_line, redactor_for
from agent_assist.cluster.calls import (
    ClusterCall,
    audio_files,
    calls_from_files,
    checksum,
    fingerprint,
    is_manifest,
    read_manifest,
)
from agent_assist.cluster.client import (
    RunStats,
    connect,
    run_calls,
    threads_per_worker,
)
from agent_assist.cluster.columnar import write_parquet
from agent_assist.cluster.outputs import RunFolder
from agent_assist.cluster.task import CallTask
from agent_assist.config import Config
from agent_assist.errors import AgentAssistError
from agent_assist.tables import os_reason


@dataclass(frozen=True)
class ClusterRun:
    """What ``analyze --cluster`` was asked to do (``agent_assist.cli.analyze`` checks the flags
    and builds it)."""

    inputs: tuple[Path, ...]
    """Audio files, folders, or one manifest CSV."""
    out: Path
    address: str
    """``local`` (worker processes on 127.0.0.1) or a scheduler's ``tcp://HOST:PORT``."""
    workers: int | None = None
    ship_audio: bool = False
    dashboard: bool = False


def run_cluster(run: ClusterRun, config: Config) -> int:
    try:
        return _run(run, config)
    except AgentAssistError as error:
        error_line(str(error))
        return 1


def _inputs(run: ClusterRun, config: Config) -> tuple[list[ClusterCall], list[str]]:
    redactor = redactor_for(config)
    redact = redactor.redact if redactor else None
    inputs = list(run.inputs)
    if is_manifest(inputs):
        return read_manifest(inputs[0], redact)
    files, errors = audio_files(inputs)
    return calls_from_files(files, redact), errors


def _run(run: ClusterRun, config: Config) -> int:
    calls, errors = _inputs(run, config)
    for message in errors:
        error_line(message)
    if not calls:
        return 1
    folder = RunFolder(run.out, fingerprint(config))
    scrubber = NameScrubber([CallName(call.path, call.id) for call in calls])
    failed: dict[str, str] = {}
    todo: list[tuple[ClusterCall, str]] = []
    skipped = 0
    for call in calls:
        digest_or_error = _checksum(call)
        if digest_or_error[0] is None:
            failed[call.id] = scrubber.scrub(digest_or_error[1])
        elif folder.is_done(call, digest_or_error[0]):
            skipped += 1
        else:
            todo.append((call, digest_or_error[0]))
    if skipped:
        print(f"agent-assist: {skipped} call(s) already done, skipped", file=sys.stderr)
    stats = RunStats()
    if todo:
        with scrubbed_logs([CallName(c.path, c.id) for c in calls]):
            stats = _on_cluster(run, config, todo, folder)
    failed.update(stats.failed)
    for message in failed.values():
        error_line(message)
    ok = [call for call in calls if call.id not in failed]
    summary = folder.write_tables(calls, failed)
    write_parquet(folder.out_dir, calls, failed, folder.events)
    _report(stats, skipped, len(ok), failed, summary)
    return 1 if failed or errors else 0


def _checksum(call: ClusterCall) -> tuple[str | None, str]:
    problem = input_problem(call.path)
    if problem is not None:
        return None, problem
    try:
        return checksum(call.path), ""
    except OSError as error:
        return None, f"{call.path}: cannot read the file ({os_reason(error)})"


def _on_cluster(
    run: ClusterRun,
    config: Config,
    todo: list[tuple[ClusterCall, str]],
    folder: RunFolder,
) -> RunStats:
    local = run.address == "local"
    workers = min(run.workers or os.cpu_count() or 1, len(todo)) if local else 0
    threads = threads_per_worker(workers) if local else None
    data = config.model_dump(mode="json")

    def make_task(call: ClusterCall) -> CallTask:
        audio = call.path.read_bytes() if run.ship_audio else None
        return CallTask(call.id, str(call.path), data, folder.fingerprint, threads, audio)

    with _progress(len(todo)) as progress, connect(run.address, workers, run.dashboard) as client:
        task = progress.add_task("analysing calls", total=len(todo), rate="")

        def on_done(stats: RunStats) -> None:
            rate = stats.audio_s / stats.wall_s if stats.wall_s else 0.0
            progress.update(
                task, completed=stats.done + len(stats.failed), rate=f"{rate:.0f} audio h/wall h"
            )

        return run_calls(client, todo, folder, make_task, on_done)


def _progress(total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        disable=total < 2,
        transient=True,
    )


def _report(stats: RunStats, skipped: int, ok: int, failed: dict[str, str], summary: Path) -> None:
    rate = stats.audio_s / stats.wall_s if stats.wall_s else 0.0
    loads = sum(stats.loads.values())
    print(f"per-call summary: {summary}", file=sys.stderr)
    print(
        f"agent-assist: {stats.done} call(s) analysed, {skipped} skipped, {len(failed)} failed"
        f" ({ok} with results); {stats.audio_s / 3600:.3f} audio h at {rate:.1f} audio h/wall h"
        f" on {stats.workers} worker(s); models loaded {loads} time(s) in"
        f" {len(stats.loads)} worker process(es)",
        file=sys.stderr,
    )
    if stats.peak_rss_mb:
        peaks = ", ".join(f"{mb:.0f}" for mb in sorted(stats.peak_rss_mb.values()))
        print(f"agent-assist: peak RSS per worker process (MB): {peaks}", file=sys.stderr)
