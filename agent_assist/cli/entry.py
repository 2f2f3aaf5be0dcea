"""``agent-assist [--demo]`` starts the GUI; sub-commands run headless: the parser and ``main``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from agent_assist import __version__, logs
from agent_assist.cli.analyze import add_analyze
from agent_assist.cli.doctor import register as doctor_commands
from agent_assist.cli.sentiment import add_sentiment
from agent_assist.cli.shared import error_line, load_config, load_layered, new_run
from agent_assist.errors import AgentAssistError

log = logging.getLogger(__name__)
Handler = Callable[[argparse.Namespace], int]
__all__ = ["build_parser", "error_line", "load_config", "load_layered", "main"]


# ---------------------------------------------------------------- parser and entry

DESCRIPTION = """\
Listens to a call on this computer, transcribes it, scores the customer's mood
(-100 very upset .. +100 very happy) and suggests what to say next, in a small
overlay that stays on top. Audio, text and scores never leave this computer.

With no command it opens the overlay (--demo replays a sample call). The commands
below need no window: score recorded calls (analyze), score chat or survey text
(sentiment), follow a live call in a terminal (listen), check the set-up (doctor)."""

EPILOG = """\
examples:
  agent-assist --demo                 the overlay, replaying the sample call
  agent-assist analyze call.wav       transcript, mood and suggestions of a recording
  agent-assist sentiment survey.csv --column comment
  agent-assist doctor                 check models, audio and hardware
  agent-assist COMMAND --help         the options of one command

Documentation: README.md, docs/it-guide.md (IT: site config, locked keys, logs)
and docs/privacy.md (what is kept and what never leaves) in the agent-assist
source. Settings files: agent-assist config path."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent-assist",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    doctor_commands(sub)
    for register in extra_commands():
        register(sub)
    return parser


def extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    from agent_assist.cli.config import register as config_commands
    from agent_assist.cli.history import register as history
    from agent_assist.cli.listen import register as live_commands
    from agent_assist.cli.report import add_report

    return [history, live_commands, config_commands, add_report]


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
        user_file=user_file,
    )


def setup_logging(args: argparse.Namespace) -> None:
    """Log at the effective ``logging.level``; ``--log-level`` is refused where it is locked.

    A config that does not load leaves the defaults here: the command reports it."""
    try:
        loaded = load_layered(args, {"logging.level": ("--log-level", args.log_level)})
    except AgentAssistError:
        logs.setup(args.log_level or "INFO", stderr_level=args.log_level or "WARNING")
        return
    logs.setup_from_config(loaded)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    new_run()
    try:
        setup_logging(args)
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
