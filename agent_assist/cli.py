"""Command line: ``agent-assist [--demo]`` starts the GUI; sub-commands run headless.

This module never imports PySide6: the GUI is imported only when it is asked for.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import Progress

from agent_assist import __version__, logs
from agent_assist import config as config_module
from agent_assist.config import Config
from agent_assist.errors import AgentAssistError
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

if TYPE_CHECKING:
    from agent_assist.batch import CallResult

log = logging.getLogger(__name__)
Handler = Callable[[argparse.Namespace], int]


def error_line(message: str) -> None:
    print(f"agent-assist: error: {message}", file=sys.stderr)


def load_config(args: argparse.Namespace) -> Config:
    return config_module.load(Path(args.config) if args.config else None)


def load_layered(args: argparse.Namespace) -> config_module.LoadedConfig:
    return config_module.load_layered(Path(args.config) if args.config else None)


# ---------------------------------------------------------------- analyze


class CallWriter:
    """Writes one call's events in the chosen format, to stdout or to a file per call."""

    def __init__(
        self, fmt: str, out_dir: Path | None, console: Console, config: Config, redact: bool
    ) -> None:
        self.fmt = fmt
        self.out_dir = out_dir
        self.console = console
        self.redactor = _redactor(config) if redact else None
        self._csv_header_done = False

    def stream(self, call: str) -> Callable[[Event], None] | None:
        """A live sink for single-process text/jsonl output to the terminal, else None."""
        if self.out_dir is not None or self.fmt == "csv":
            return None
        return lambda event: self._print(self._clean(event))

    def write_call(self, call: str, events: list[Event], streamed: bool) -> None:
        events = [self._clean(e) for e in events]
        if self.out_dir is None:
            if not streamed:
                for event in events:
                    self._print(event)
            return
        suffix = {"jsonl": "jsonl", "csv": "csv", "text": "txt"}[self.fmt]
        target = self.out_dir / f"{call}.{suffix}"
        with target.open("w", encoding="utf-8", newline="") as handle:
            if self.fmt == "jsonl":
                handle.writelines(event.to_json() + "\n" for event in events)
            elif self.fmt == "csv":
                write_csv(handle, TRANSCRIPT_COLUMNS, transcript_rows(call, events))
            else:
                file_console = Console(file=handle, no_color=True, width=200)
                for event in events:
                    self._print(event, file_console)

    def _clean(self, event: Event) -> Event:
        if self.redactor is None:
            return event
        from agent_assist.redact import redact_event

        return redact_event(event, self.redactor)

    def _print(self, event: Event, console: Console | None = None) -> None:
        console = console or self.console
        if self.fmt == "jsonl":
            console.file.write(event.to_json() + "\n")
            console.file.flush()
        elif self.fmt == "csv":
            if not self._csv_header_done:
                write_csv(console.file, TRANSCRIPT_COLUMNS, [])
                self._csv_header_done = True
            write_csv(console.file, TRANSCRIPT_COLUMNS, transcript_rows("", [event]), header=False)
        elif isinstance(event, CallSummary):
            for summary_line in summary_lines(event):
                console.print(summary_line, highlight=False)
        elif (line := timeline_line(event)) is not None:
            console.print(line, highlight=False)


def _redactor(config: Config) -> Any:
    from agent_assist.redact import Redactor

    return Redactor(config.privacy.redact_keep)


def write_csv(
    handle: IO[str], columns: list[str], rows: Iterable[dict[str, Any]], header: bool = True
) -> None:
    writer = csv.DictWriter(handle, fieldnames=columns)
    if header:
        writer.writeheader()
    writer.writerows(rows)


def call_results(
    files: list[Path], config: Config, workers: int, writer: CallWriter
) -> Iterator[tuple[CallResult, bool]]:
    """Yield each call's result, and whether its events were already streamed to the terminal."""
    from agent_assist.batch import analyze_one, run_parallel

    if workers > 1 and len(files) > 1:
        for result in run_parallel(files, config, workers):
            yield result, False
        return
    from agent_assist.pipeline import load_models

    models = load_models(config)
    for path in files:
        sink = writer.stream(path.stem) if len(files) == 1 else None
        yield analyze_one(path, models, config, sink), sink is not None


def cmd_analyze(args: argparse.Namespace) -> int:
    config = load_config(args)
    if args.channels:
        config.audio.stereo_left = "agent" if args.channels == "agent,customer" else "customer"
    if args.mono_role:
        config.audio.mono_role = args.mono_role
    if args.profile:
        config.asr.profile = args.profile
    from agent_assist.batch import collect_inputs

    files, failures = collect_inputs([Path(p) for p in args.inputs])
    for message in failures:
        error_line(message)
    if not files:
        return 1
    out_dir = Path(args.out) if args.out else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    console = Console(file=sys.stdout, soft_wrap=True)
    writer = CallWriter(args.format, out_dir, console, config, redact=not args.no_redact)
    summaries: list[dict[str, Any]] = []
    with Progress(
        console=Console(file=sys.stderr), disable=len(files) < 2, transient=True
    ) as progress:
        task = progress.add_task("analysing calls", total=len(files))
        for result, streamed in call_results(files, config, args.workers, writer):
            progress.advance(task)
            if result.error:
                error_line(result.error)
                failures.append(result.error)
                summaries.append(failed_row(result.path.stem, result.error))
                continue
            writer.write_call(result.path.stem, result.events, streamed)
            summaries += [summary_row(e) for e in result.events if isinstance(e, CallSummary)]
    if len(files) > 1 or args.summary:
        summary_path = (
            Path(args.summary) if args.summary else (out_dir or Path.cwd()) / "summary.csv"
        )
        with summary_path.open("w", encoding="utf-8", newline="") as handle:
            write_csv(handle, SUMMARY_COLUMNS, summaries)
        print(f"per-call summary: {summary_path}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} input(s) failed:", file=sys.stderr)
        for message in failures:
            print(f"  {message}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------- sentiment


def text_inputs(args: argparse.Namespace) -> Iterator[str]:
    handle = open(args.file, encoding="utf-8", newline="") if args.file else sys.stdin  # noqa: SIM115
    with handle:
        if args.column:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or args.column not in reader.fieldnames:
                raise AgentAssistError(f"{args.file or 'stdin'}: no column named {args.column!r}")
            for row in reader:
                yield row[args.column] or ""
        else:
            for line in handle:
                yield line.rstrip("\r\n")


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def cmd_sentiment(args: argparse.Namespace) -> int:
    from agent_assist.sentiment.model import OnnxSentimentModel

    config = load_config(args)
    model_dir = Path(config.sentiment.model_path) if config.sentiment.model_path else None
    model = OnnxSentimentModel.load(model_dir, threads=config.sentiment.threads)
    for batch in batched(text_inputs(args), 32):
        for text, result in zip(batch, model.score(batch), strict=True):
            record = {
                "text": text,
                "label": result.label,
                "scores": result.scores,
                "emotion": result.emotion,
                "emotion_scores": result.emotion_scores,
            }
            print(json.dumps(record, ensure_ascii=False))
    return 0


# ---------------------------------------------------------------- models / doctor


def cmd_models(args: argparse.Namespace) -> int:
    from agent_assist import modelstore

    specs = modelstore.load_manifest()
    bad = 0
    for spec in specs:
        report = modelstore.check(spec)
        state = "ok" if report.ok else "FAILED"
        bad += not report.ok
        print(
            f"{spec.name:18} {spec.kind:10} {state:6} {report.size / 1e6:7.1f} MB  {spec.license}"
        )
        print(f"    source: {spec.source}")
        print(f"    where:  {report.location or report.problem}")
    return 1 if bad else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from agent_assist import doctor

    return doctor.run(args)


# ---------------------------------------------------------------- parser and entry


def add_analyze(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="transcribe and score recorded calls")
    p.add_argument("inputs", nargs="+", help="audio files and/or folders")
    p.add_argument("--format", choices=["text", "jsonl", "csv"], default="text")
    p.add_argument("--out", metavar="DIR", help="write one <call>.<format> per call into DIR")
    p.add_argument("--workers", type=int, default=1, help="worker processes for many calls")
    p.add_argument(
        "--summary", metavar="FILE", help="per-call summary CSV (default DIR/summary.csv)"
    )
    p.add_argument(
        "--channels",
        choices=["agent,customer", "customer,agent"],
        help="stereo channel roles, left first (default agent,customer)",
    )
    p.add_argument("--mono-role", choices=["customer", "agent"], help="role of mono recordings")
    p.add_argument("--profile", choices=["fast", "accurate", "custom"], help="speech model profile")
    p.add_argument("--no-redact", action="store_true", help="keep PII in the output text")
    p.set_defaults(func=cmd_analyze)


def add_sentiment(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sentiment", help="score text lines (stdin, a file, or a CSV column)")
    p.add_argument("file", nargs="?", help="text or CSV file (default stdin)")
    p.add_argument("--column", help="score this column of a CSV file")
    p.set_defaults(func=cmd_sentiment)


def build_parser() -> argparse.ArgumentParser:
    from agent_assist.doctor import add_report_argument

    parser = argparse.ArgumentParser(prog="agent-assist", description=__doc__)
    parser.add_argument("--version", action="version", version=f"agent-assist {__version__}")
    parser.add_argument("--config", metavar="FILE", help="use this config file")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--demo", action="store_true", help="GUI: play the bundled sample call")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="verify and load every model, analyse the sample call, open the overlay offscreen, "
        "then exit (0 = all passed)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_analyze(sub)
    add_sentiment(sub)
    sub.add_parser("models", help="list models and verify their checksums").set_defaults(
        func=cmd_models
    )
    doctor_parser = sub.add_parser("doctor", help="check models, audio and hardware")
    add_report_argument(doctor_parser)
    doctor_parser.set_defaults(func=cmd_doctor)
    for register in extra_commands():
        register(sub)
    return parser


def extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    from agent_assist.config_commands import register as config_commands
    from agent_assist.live_commands import register as live_commands
    from agent_assist.store.commands import register as history

    return [history, live_commands, config_commands]


def run_gui(args: argparse.Namespace) -> int:
    from agent_assist.ui.app import run_app
    from agent_assist.ui.startup import load_for_gui

    user_file = Path(args.config) if args.config else None
    started = load_for_gui(lambda: load_layered(args), user_file)
    if started is None:
        return 2
    loaded = started.loaded
    return run_app(
        sys.argv[:1],
        loaded.config,
        demo=args.demo,
        locked=loaded.locked,
        open_settings=started.open_settings,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        level = args.log_level or "INFO"
        logs.setup(level, stderr_level=args.log_level or "WARNING")
        if args.self_test:
            from agent_assist.selftest import run_self_test

            return run_self_test(user_file=Path(args.config) if args.config else None)
        if args.command is None:
            return run_gui(args)
        handler: Handler = args.func
        return handler(args)
    except AgentAssistError as error:
        error_line(str(error))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
