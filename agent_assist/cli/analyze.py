"""``agent-assist analyze``: transcribe and score recorded calls, one result per call.

Calls are named by their id (``agent_assist.callnames``): the file's stem with PII redacted,
unique within the batch. Per-call files and ``summary.csv`` are written atomically and readable
by the user only (0600; a folder the command creates is 0700).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import Progress

from agent_assist.callnames import CallName, NameScrubber, name_calls, scrubbed_logs
from agent_assist.cli.shared import Flags, error_line, no_redact_flag, note_line, redactor_for
from agent_assist.config import Config, LoadedConfig
from agent_assist.edge import OutputEdge
from agent_assist.events import CallSummary, Event
from agent_assist.report import (
    SUMMARY_COLUMNS,
    TRANSCRIPT_COLUMNS,
    failed_row,
    summary_lines,
    summary_row,
    timeline_line,
    transcript_rows,
)
from agent_assist.tables import OutputError, csv_text, private_dir, write_csv, write_private

if TYPE_CHECKING:
    from agent_assist.batch import CallResult
    from agent_assist.redact import Redactor

SUFFIXES = {"jsonl": "jsonl", "csv": "csv", "text": "txt"}


class CallWriter:
    """Writes one call's events in the chosen format, to stdout or to a file per call."""

    def __init__(
        self, fmt: str, out_dir: Path | None, console: Console, redactor: Redactor | None
    ) -> None:
        self.fmt = fmt
        self.out_dir = out_dir
        self.console = console
        self.redactor = redactor
        self._csv_header_done = False

    def stream(self, call: str) -> Callable[[Event], None] | None:
        """A live sink for single-process text/jsonl output to the terminal, else None."""
        if self.out_dir is not None or self.fmt == "csv":
            return None
        clean = self._cleaner()
        return lambda event: self._print(clean(event), call)

    def target(self, call: str) -> Path | None:
        return None if self.out_dir is None else self.out_dir / f"{call}.{SUFFIXES[self.fmt]}"

    def write_call(self, call: str, events: list[Event], streamed: bool) -> None:
        target = self.target(call)
        if target is None and streamed:
            return  # already out, through the edge ``stream`` made
        events = self._cleaner().pass_all(events)
        if target is None:
            for event in events:
                self._print(event, call)
            return
        buffer = io.StringIO()
        if self.fmt == "jsonl":
            buffer.writelines(event.to_json() + "\n" for event in events)
        elif self.fmt == "csv":
            write_csv(buffer, TRANSCRIPT_COLUMNS, transcript_rows(call, events))
        else:
            file_console = Console(file=buffer, no_color=True, width=200)
            for event in events:
                self._print(event, call, file_console)
        write_private(target, buffer.getvalue())

    def _cleaner(self) -> OutputEdge:
        """The call's output edge: each event redacted once, by a fresh per-call redactor."""
        return OutputEdge(self.redactor)

    def _print(self, event: Event, call: str, console: Console | None = None) -> None:
        console = console or self.console
        if self.fmt == "jsonl":
            console.file.write(event.to_json() + "\n")
            console.file.flush()
        elif self.fmt == "csv":
            rows = transcript_rows(call, [event])
            if rows or not self._csv_header_done:
                write_csv(console.file, TRANSCRIPT_COLUMNS, rows, header=not self._csv_header_done)
                self._csv_header_done = True
        elif isinstance(event, CallSummary):
            for summary_line in summary_lines(event):
                console.print(summary_line, highlight=False)
        elif (line := timeline_line(event)) is not None:
            console.print(line, highlight=False)


def call_results(
    names: list[CallName], config: Config, workers: int, writer: CallWriter
) -> Iterator[tuple[CallResult, bool]]:
    """Yield each call's result, and whether its events were already streamed to the terminal."""
    from agent_assist.batch import analyze_one, run_parallel

    ids = {name.path: name.id for name in names}
    if workers > 1:
        for result in run_parallel(list(ids), config, workers, ids):
            yield result, False
        return
    from agent_assist.pipeline import load_models

    models = load_models(config)
    for name in names:
        sink = writer.stream(name.id) if len(names) == 1 else None
        yield analyze_one(name.path, models, config, sink, name.id), sink is not None


def config_flags(args: argparse.Namespace) -> Flags:
    channels = {"agent,customer": "agent", "customer,agent": "customer"}.get(args.channels or "")
    return {
        "asr.profile": ("--profile", args.profile),
        "audio.stereo_left": ("--channels", channels),
        "audio.mono_role": ("--mono-role", args.mono_role),
        "speakers.separate": ("--mono-role", False if args.mono_role else None),
        "speakers.count": ("--speakers", args.speakers),
        "speakers.first_speaker": ("--first-speaker", args.first_speaker),
        "speakers.model": ("--speaker-model", args.speaker_model),
        "privacy.redact_outputs": no_redact_flag(args),
    }


def _workers(requested: int, calls: int) -> int:
    from agent_assist.batch import worker_count

    workers = worker_count(requested, calls)
    if workers < requested:
        note_line(f"note: --workers {requested} capped at {workers} ({calls} call(s) to analyse)")
    return workers


def cmd_analyze(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    config = loaded.config
    if args.cluster:
        return _on_cluster(args, config)
    args.format = args.format or "text"
    args.workers = args.workers or 1
    from agent_assist.batch import collect_inputs

    files, failures = collect_inputs([Path(p) for p in args.inputs])
    for message in failures:
        error_line(message)
    if not files:
        return 1
    redactor = redactor_for(config)
    names = name_calls(files, redactor.redact if redactor else None, reserved={"summary"})
    out_dir = Path(args.out) if args.out else None
    if out_dir:
        private_dir(out_dir)
    console = Console(file=sys.stdout, soft_wrap=True)
    writer = CallWriter(args.format, out_dir, console, redactor)
    with scrubbed_logs(names) as scrubber:
        rows = _run(names, config, _workers(args.workers, len(files)), writer, scrubber, failures)
    if len(files) > 1 or args.summary:
        summary_path = (
            Path(args.summary) if args.summary else (out_dir or Path.cwd()) / "summary.csv"
        )
        write_private(summary_path, csv_text(SUMMARY_COLUMNS, rows))
        print(f"per-call summary: {summary_path}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} input(s) failed:", file=sys.stderr)
        for message in failures:
            print(f"  {message}", file=sys.stderr)
        return 1
    return 0


def _on_cluster(args: argparse.Namespace, config: Config) -> int:
    """``--cluster``: its flags are checked first; only then is Dask imported (the optional
    ``cluster`` extra)."""
    if not args.out:
        error_line("--cluster needs --out DIR (one <call_id>.jsonl per call, and the tables)")
        return 2
    if args.format not in (None, "jsonl"):
        error_line("--cluster writes jsonl per call (and summary.csv, parquet tables)")
        return 2
    try:
        from agent_assist.cluster.command import ClusterRun, run_cluster
    except ImportError as error:
        error_line(
            f"--cluster needs Dask and pyarrow ({error.name} is missing): "
            "pip install 'agent-assist[cluster]'"
        )
        return 2
    inputs = tuple(Path(p) for p in args.inputs)
    flags = (args.workers, args.ship_audio, args.dashboard)
    return run_cluster(ClusterRun(inputs, Path(args.out), args.cluster, *flags), config)


def _run(
    names: list[CallName],
    config: Config,
    workers: int,
    writer: CallWriter,
    scrubber: NameScrubber,
    failures: list[str],
) -> list[dict[str, Any]]:
    """Analyse and write every call; the summary rows, in input order."""
    by_path = {name.path: name for name in names}
    rows: dict[Path, list[dict[str, Any]]] = {}
    with Progress(
        console=Console(file=sys.stderr), disable=len(names) < 2, transient=True
    ) as progress:
        task = progress.add_task("analysing calls", total=len(names))
        for result, streamed in call_results(names, config, workers, writer):
            progress.advance(task)
            name = by_path[result.path]
            error = result.error
            if error is None:
                try:
                    writer.write_call(name.id, result.events, streamed)
                except OutputError as problem:
                    error = str(problem)
            if error is not None:
                error_line(error)
                failures.append(error)
                rows[name.path] = [_with_name(failed_row(name.id, scrubber.scrub(error)), name)]
                continue
            summaries = [e for e in result.events if isinstance(e, CallSummary)]
            target = writer.target(name.id)
            rows[name.path] = [_with_name(summary_row(s), name, target) for s in summaries]
    return [row for name in names for row in rows.get(name.path, [])]


def _with_name(row: dict[str, Any], name: CallName, target: Path | None = None) -> dict[str, Any]:
    return {**row, "output": target.name if target else "", "note": name.note}


def speaker_count(text: str) -> int | str:
    """``--speakers``: a number from 1 to 8, or ``auto``."""
    if text == "auto":
        return text
    if not text.isdigit() or not 1 <= int(text) <= 8:
        raise argparse.ArgumentTypeError(f"must be a number from 1 to 8 or auto, not {text!r}")
    return int(text)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def add_analyze(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="transcribe and score recorded calls")
    p.add_argument("inputs", nargs="+", help="audio files and/or folders")
    p.add_argument(
        "--format", choices=["text", "jsonl", "csv"], help="output format (default text)"
    )
    p.add_argument("--out", metavar="DIR", help="write one <call>.<format> per call into DIR")
    p.add_argument(
        "--workers",
        type=positive_int,
        help="worker processes for many calls (at most one per call and per CPU core; "
        "default 1, or the CPU count with --cluster local)",
    )
    p.add_argument(
        "--summary", metavar="FILE", help="per-call summary CSV (default DIR/summary.csv)"
    )
    p.add_argument(
        "--channels",
        choices=["agent,customer", "customer,agent"],
        help="stereo channel roles, left first (default agent,customer)",
    )
    p.add_argument(
        "--mono-role",
        choices=["customer", "agent"],
        help="treat a mono recording as this one role (no speaker separation)",
    )
    p.add_argument(
        "--speakers",
        type=speaker_count,
        metavar="N|auto",
        help="speakers expected in a mono recording: 1-8 (a further, clearly distinct voice is"
        " kept too), or auto (default 2)",
    )
    p.add_argument(
        "--first-speaker",
        choices=["agent", "customer"],
        help="mono recordings: who speaks first when no phrase tells the roles (default agent)",
    )
    p.add_argument(
        "--speaker-model",
        choices=["campplus", "ge2e"],
        help="mono recordings: speaker encoder, campplus (default: tells voices apart best) or"
        " ge2e (about a third of the CPU)",
    )
    p.add_argument("--profile", choices=["fast", "accurate", "custom"], help="speech model profile")
    p.add_argument(
        "--no-redact", action="store_true", help="keep PII in the output text and call names"
    )
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="analyse on Dask: 'local' (worker processes on 127.0.0.1) or tcp://HOST:PORT "
        "of a running scheduler; inputs may be a manifest CSV (docs/cluster.md)",
    )
    p.add_argument(
        "--ship-audio",
        action="store_true",
        help="with --cluster: send the audio to the workers (no shared storage)",
    )
    p.add_argument(
        "--dashboard",
        action="store_true",
        help="with --cluster local: serve Dask's dashboard on 127.0.0.1:8787",
    )
    p.set_defaults(func=cmd_analyze, config_flags=config_flags)
