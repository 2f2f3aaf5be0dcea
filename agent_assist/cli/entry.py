"""``agent-assist [--demo]`` starts the GUI; sub-commands run headless: the parser and ``main``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from agent_assist import __version__, logs
from agent_assist.cli.analyze import add_analyze
from agent_assist.cli.config import register as config_commands
from agent_assist.cli.doctor import register as doctor_commands
from agent_assist.cli.history import register as history_commands
from agent_assist.cli.listen import register as listen_commands
from agent_assist.cli.report import add_report
from agent_assist.cli.sentiment import add_sentiment
from agent_assist.cli.shared import (
    Flags,
    Handler,
    command_flags,
    error_line,
    global_flags,
    load,
    say_notes,
    user_file,
)
from agent_assist.config import LoadedConfig
from agent_assist.errors import AgentAssistError

__all__ = ["build_parser", "main"]


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
    for register in COMMAND_GROUPS:
        register(sub)
    return parser


COMMAND_GROUPS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    add_analyze,
    add_sentiment,
    doctor_commands,
    history_commands,
    listen_commands,
    config_commands,
    add_report,
)


def config_flags(args: argparse.Namespace) -> Flags:
    """The flags of this run that set config keys: the global ones and the command's; for
    ``config show COMMAND ...`` also that command line's (so it shows that command's config)."""
    flags = global_flags(args) | command_flags(args)
    shown: list[str] = getattr(args, "command_line", None) or []
    if shown:
        flags |= command_flags(build_parser().parse_args(shown))
    return flags


def run_gui(args: argparse.Namespace, first: LoadedConfig | AgentAssistError) -> int:
    """The overlay; a config that does not load gets the start-up dialog (which may load again
    after the user's choice)."""
    from agent_assist.ui.launch import run_app
    from agent_assist.ui.startup import load_for_gui

    tries = [first]

    def loaded_config() -> LoadedConfig:
        result = tries.pop() if tries else load(args, config_flags(args))
        if isinstance(result, AgentAssistError):
            raise result
        return result

    started = load_for_gui(loaded_config, user_file(args))
    if started is None:
        return 2
    loaded = started.loaded
    return run_app(
        sys.argv[:1],
        loaded.config,
        demo=args.demo,
        locked=loaded.locked,
        open_settings=started.open_settings,
        user_file=user_file(args),
    )


def setup_logging(args: argparse.Namespace, loaded: LoadedConfig | AgentAssistError) -> None:
    """Log at the effective ``logging.level`` (``--log-level`` is refused where it is locked);
    a config that does not load leaves the defaults (or ``--log-level``): the command reports it."""
    if isinstance(loaded, AgentAssistError):
        logs.setup(args.log_level or "INFO", stderr_level=args.log_level or "WARNING")
    else:
        logs.setup_from_config(loaded)


def load_once(args: argparse.Namespace) -> LoadedConfig | AgentAssistError:
    """The run's effective config, or why it does not load."""
    try:
        return load(args, config_flags(args))
    except AgentAssistError as error:
        return error


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    loaded = load_once(args)
    try:
        setup_logging(args, loaded)
        if not isinstance(loaded, AgentAssistError):
            say_notes(loaded)
        if args.self_test:
            from agent_assist.selftest import run_self_test

            return run_self_test(user_file=user_file(args), loaded=loaded)
        if args.command is None:
            return run_gui(args, loaded)
        return run_command(args, loaded)
    except AgentAssistError as error:
        error_line(str(error))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def run_command(args: argparse.Namespace, loaded: LoadedConfig | AgentAssistError) -> int:
    """The chosen command with the run's config; one that cannot start without it (every one
    but those with an ``on_bad_config`` handler, like ``doctor``) fails with the reason."""
    if isinstance(loaded, AgentAssistError):
        on_bad_config: Callable[[argparse.Namespace, str], int] | None = getattr(
            args, "on_bad_config", None
        )
        if on_bad_config is None:
            raise loaded
        return on_bad_config(args, str(loaded))
    handler: Handler = args.func
    return handler(args, loaded)
