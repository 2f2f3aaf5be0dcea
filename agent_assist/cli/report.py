"""``agent-assist report``: the QA insights report over many ``analyze`` and ``sentiment``
results: one self-contained HTML page, or the same tables as CSV files / JSON.

Exit status: 0 when every input was read cleanly; 1 when the report was written but some input
was skipped (each problem is one ``warning:`` line); 2 when nothing could be read (no report).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from agent_assist.cli.shared import note_line
from agent_assist.config import LoadedConfig
from agent_assist.errors import AgentAssistError

log = logging.getLogger(__name__)
FORMATS = ("html", "csv", "json")


def cmd_report(args: argparse.Namespace, loaded_config: LoadedConfig) -> int:
    try:
        from agent_assist.insights import collect, export, load, page
    except ImportError as error:
        raise AgentAssistError(
            f"report needs DuckDB ({error.name} is missing): pip install 'agent-assist[report]'"
        ) from None
    from agent_assist.redact import Redactor

    config = loaded_config.config
    loaded = load.load([Path(p) for p in args.results], config.mood.negative_below)
    for problem in loaded.problems:
        note_line(f"warning: {problem}")
    counts = loaded.con.execute(
        "SELECT (SELECT count(*) FROM calls), (SELECT count(*) FROM texts), "
        "(SELECT count(*) FROM history)"
    ).fetchone()
    calls, messages, history = counts if counts else (0, 0, 0)
    if not calls and not messages and not history:
        raise AgentAssistError("nothing to report: no readable analyze or sentiment results")
    redactor = Redactor.from_config(config)
    insights = collect.collect(loaded, args.period, args.min_group_calls, redactor.redact)
    out = Path(args.out)
    if args.format == "csv":
        export.write_csv_folder(insights, out)
    elif args.format == "json":
        export.write_json(insights, out)
    else:
        text = page.render(insights, loaded, redactor.redact, args.detail)
        from agent_assist.tables import write_private

        write_private(out, text)
    note_line(f"report of {calls} call(s) and {messages} message(s): {out}")
    return 1 if loaded.problems else 0


def add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="QA insights over many analyze / sentiment results (HTML, CSV or JSON)",
        description="Reads analyze JSONL folders or files (a cluster run's folder: its "
        "calls.parquet gives each call's metadata), sentiment outputs (JSONL or CSV with "
        "text,label and optional channel, agent, team, date columns), call metadata CSVs "
        "(call plus agent, team, queue, channel, date), history stats CSV exports (one per "
        "agent, named after the agent or with an agent column) and history databases "
        "(history.sqlite3: their calls and suggestion feedback).",
    )
    p.add_argument("results", nargs="+", metavar="RESULTS", help="files or folders to read")
    p.add_argument("--out", required=True, help="the HTML or JSON file, or the CSV folder")
    p.add_argument("--format", choices=FORMATS, default="html")
    p.add_argument("--period", choices=["day", "week"], default="week", help="trend period")
    p.add_argument(
        "--min-group-calls",
        type=int,
        default=20,
        metavar="N",
        help="agents, teams and queues with fewer calls are marked small and not ranked",
    )
    p.add_argument(
        "--detail", type=int, default=50, metavar="N", help="per-call sections for the N lowest"
    )
    p.set_defaults(func=cmd_report)
