"""``agent-assist config show|path``: the effective configuration and where each value came from.

The layers are listed in order (defaults, system file, user file, command line). Values given on
the command line are shown with their flag as the origin (``flag:--log-level``), and a flag
refused because IT locked its key is listed as ``# refused: ...``. ``config show COMMAND ...``
shows the config that command line would run with (``config show listen --profile accurate``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from agent_assist import config as config_module
from agent_assist.config import LoadedConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="show the effective configuration and its files")
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="every setting, its value and where it came from")
    show.add_argument("--format", choices=["toml", "json"], default="toml")
    show.add_argument(
        "command_line",
        nargs=argparse.REMAINDER,
        metavar="COMMAND ...",
        help="a command and its flags: show the config it would run with",
    )
    show.set_defaults(func=cmd_show)
    sub.add_parser("path", help="the system and user config files").set_defaults(func=cmd_path)


def toml_value(value: Any) -> str:
    """A TOML literal for one value (inline tables for dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return repr(value)


def describe(loaded: LoadedConfig, key: str) -> str:
    origin = loaded.origins[key]
    return f"{origin} (locked)" if loaded.is_locked(key) else origin


def show_lines(loaded: LoadedConfig) -> list[str]:
    """The effective config as TOML, each value followed by a comment naming its origin."""
    lines = [
        f"# system file: {_state(loaded.system_file)}",
        f"# user file:   {_state(loaded.user_file)}",
        f"# command line: {command_line_layer(loaded) or '(no flags that set a key)'}",
    ]
    lines += [f"# note: {note}" for note in loaded.notes]
    lines += [f"# refused: {line}" for line in loaded.refused]
    dumped = loaded.config.model_dump(mode="json")
    section = ""
    for key in config_module.all_keys():
        head, name = key.split(".", 1)
        if head != section:
            section = head
            lines += ["", f"[{section}]"]
        assignment = f"{name} = {toml_value(dumped[head][name])}"
        lines.append(f"{assignment:<40} # {describe(loaded, key)}")
    return lines


def show_json(loaded: LoadedConfig) -> str:
    dumped = loaded.config.model_dump(mode="json")
    body = {
        key: {
            "value": dumped[key.split(".")[0]][key.split(".", 1)[1]],
            "origin": loaded.origins[key],
            "locked": loaded.is_locked(key),
        }
        for key in config_module.all_keys()
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def command_line_layer(loaded: LoadedConfig) -> str:
    """The command-line layer: each flag that set a key, ``--flag (key = value)``."""
    dumped = loaded.config.model_dump(mode="json")
    flags = []
    for key, origin in loaded.origins.items():
        if origin.startswith("flag:") or origin == config_module.COMMAND_LINE:
            section, name = key.split(".", 1)
            flag = origin.removeprefix("flag:")
            flags.append(f"{flag} ({key} = {toml_value(dumped[section][name])})")
    return ", ".join(flags)


def _state(path: Path) -> str:
    return f"{path}" if path.is_file() else f"{path} (not present)"


def cmd_show(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    print(show_json(loaded) if args.format == "json" else "\n".join(show_lines(loaded)))
    return 0


def cmd_path(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    print(f"system: {_state(loaded.system_file)}")
    print(f"user:   {_state(loaded.user_file)}")
    return 0
