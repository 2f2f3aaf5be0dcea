"""``agent-assist history ...``: list, show, export, delete, purge and stats on the CLI.

list, show, export and stats only read: the database is opened read-only and nothing is
created, moved or re-permissioned. delete and purge need an existing history database; purge
also deletes the corrupt copies the app moved aside."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from agent_assist.cli.shared import Handler
from agent_assist.config import Config, LoadedConfig
from agent_assist.errors import AgentAssistError
from agent_assist.events import CallSummary, Suggestion, TranscriptFinal
from agent_assist.mood import mood_number
from agent_assist.redact import Redactor
from agent_assist.report import diarization_lines
from agent_assist.store.export import FORMATS, export_call, stats_csv, write_private
from agent_assist.store.files import corrupt_copies, remove_corrupt_copies
from agent_assist.store.history import History, HistoryError, default_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "history",
        help="past calls stored on this machine (redacted)",
        description="Past calls stored on this machine, PII-redacted. History is off unless"
        " privacy.history is turned on.",
    )
    parser.add_argument("--db", type=Path, help=f"history database (default: {default_path()})")
    commands = parser.add_subparsers(dest="history_command", required=True, metavar="COMMAND")

    commands.add_parser("list", help="list stored calls").set_defaults(func=_list)
    show = commands.add_parser("show", help="print one call's transcript and summary")
    show.add_argument("id", type=int)
    show.set_defaults(func=_show)
    export = commands.add_parser("export", help="export one call as json, csv or html")
    export.add_argument("id", type=int)
    export.add_argument("--format", choices=FORMATS, default="json")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    export.set_defaults(func=_export)
    delete = commands.add_parser("delete", help="delete one call")
    delete.add_argument("id", type=int)
    delete.set_defaults(func=_delete)
    purge = commands.add_parser("purge", help="delete every stored call")
    purge.add_argument("--yes", action="store_true", help="do not ask")
    purge.set_defaults(func=_purge)
    stats = commands.add_parser("stats", help="per-day or per-week aggregates (no transcript)")
    stats.add_argument("--period", choices=("day", "week"), default="day")
    stats.add_argument("--csv", type=Path, help="also write the rows to this CSV file")
    stats.set_defaults(func=_stats)


def _guarded(
    handler: Callable[[argparse.Namespace, History, Config], int], write: bool = False
) -> Handler:
    """Run ``handler`` on the existing history database (read-only unless ``write``), with the
    run's config (``--config``: its retention and redaction)."""

    def run(args: argparse.Namespace, loaded: LoadedConfig) -> int:
        path: Path = args.db or default_path()
        retention = loaded.config.privacy.retention_days
        try:
            with History.open_existing(path, write=write, retention_days=retention) as history:
                return handler(args, history, loaded.config)
        except AgentAssistError as error:
            print(f"history: {error}", file=sys.stderr)
            return 1

    return run


def _do_list(args: argparse.Namespace, history: History, config: Config) -> int:
    calls = history.list_calls()
    if not calls:
        print("no stored calls")
        return 0
    print(f"{'ID':>5}  {'STARTED':16}  {'LENGTH':>7}  {'UTT':>4}  {'MOOD':>5}  NAME")
    for c in calls:
        mood = "" if c.mood_avg is None else mood_number(c.mood_avg)
        started = c.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(
            f"{c.id:>5}  {started:16}  {_clock(c.duration):>7}  {c.utterances:>4}"
            f"  {mood:>5}  {c.name}"
        )
    return 0


def _do_show(args: argparse.Namespace, history: History, config: Config) -> int:
    call = history.call(args.id)
    print(f"call {call.id}: {call.name}")
    print(
        f"started {call.started_at.astimezone():%Y-%m-%d %H:%M}, {_clock(call.duration)},"
        f" {call.utterances} utterances, {call.negative_seconds:.0f} s negative"
    )
    for e in history.events(args.id):
        if isinstance(e, TranscriptFinal):
            label = f" ({e.sentiment.label})" if e.sentiment else ""
            print(f"[{_clock(e.start)}] {e.speaker}{label}: {e.text}")
        elif isinstance(e, Suggestion):
            print(f"[{_clock(e.time)}] >> suggestion {e.id}: {e.title}")
        elif isinstance(e, CallSummary):
            for line in diarization_lines(e.diarization):
                print(line.strip())
    return 0


def _do_export(args: argparse.Namespace, history: History, config: Config) -> int:
    redactor = Redactor.from_config(config)
    text = export_call(history, args.id, args.format, redactor)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        write_private(args.out, text)
    except OSError as error:
        print(f"history: cannot write {args.out} ({error.strerror})", file=sys.stderr)
        return 1
    print(f"wrote call {args.id} as {args.format} to {args.out}")
    return 0


def _do_delete(args: argparse.Namespace, history: History, config: Config) -> int:
    history.call(args.id)
    if not history.delete(args.id):
        raise HistoryError(history.problem or f"could not delete call {args.id}")
    print(f"deleted call {args.id}")
    return 0


def _confirmed(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        print("history: purge deletes every stored call; add --yes to confirm", file=sys.stderr)
        return False
    if input(f"{question} [y/N] ").strip().lower() in ("y", "yes"):
        return True
    print("nothing deleted")
    return False


def _do_purge(args: argparse.Namespace, history: History, config: Config) -> int:
    count = len(history.list_calls())
    if not _confirmed(f"Delete all {count} stored calls?", args.yes):
        return 1
    deleted = history.purge()
    if history.problem:
        raise HistoryError(history.problem)
    print(f"deleted {deleted} calls")
    return 0


def _purge(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    """Purge the database, and the corrupt copies moved aside from it (also when only those
    are left)."""
    path: Path = args.db or default_path()
    if os.path.lexists(path) or not corrupt_copies(path):
        return _guarded(_do_purge, write=True)(args, loaded)
    copies = corrupt_copies(path)
    if not _confirmed(f"Delete {len(copies)} unreadable history file(s)?", args.yes):
        return 1
    removed = remove_corrupt_copies(path)
    print(f"deleted {removed} unreadable history file(s)")
    return 0 if removed == len(copies) else 1


def _do_stats(args: argparse.Namespace, history: History, config: Config) -> int:
    rows = history.stats(args.period)
    print(
        f"{args.period.upper():10}  {'CALLS':>5}  {'MOOD':>5}  {'NEG S':>6}  {'USED':>4}"
        f"  {'DISM':>4}  TOP TRIGGERS"
    )
    for r in rows:
        mood = "" if r.avg_mood is None else mood_number(r.avg_mood)
        triggers = ", ".join(f"{name} ({count})" for name, count in r.top_triggers)
        print(
            f"{r.period:10}  {r.calls:>5}  {mood:>5}  {r.negative_s:>6.0f}  {r.used:>4}"
            f"  {r.dismissed:>4}  {triggers}"
        )
    if args.csv:
        try:
            write_private(args.csv, stats_csv(rows))
        except OSError as error:
            print(f"history: cannot write {args.csv} ({error.strerror})", file=sys.stderr)
            return 1
        print(f"wrote {len(rows)} rows to {args.csv}")
    return 0


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}:{rest:02d}"


_list = _guarded(_do_list)
_show = _guarded(_do_show)
_export = _guarded(_do_export)
_delete = _guarded(_do_delete, write=True)
_stats = _guarded(_do_stats)
