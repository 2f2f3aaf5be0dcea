"""One typed configuration, stored as TOML, layered: defaults ← system file ← user file.

``Config`` (``agent_assist.config_schema``, re-exported here) is a tree of strict pydantic models
that forbid unknown keys, so a typo in a config file is an error that names the file and key
(``config.toml: asr.beam_size: ...``), never a silently ignored setting.

The system file (``paths.system_config_file()``, managed by IT) is read before the user's. Its
``[locked]`` table lists dotted keys (``"privacy.history"``) or whole sections (``"guidance"``)
that keep the system (or default) value whatever the user file or the command line says;
``save`` never writes them (a value the user's file already had for one is kept, ignored until
IT unlocks it) and writes only what differs from defaults ← system, so later changes by IT
still reach users. Command-line flags are the last layer (``load_layered(flags=...)``): they
override the user file, and a flag that tries to change a locked key is refused with one line.

Values are strict: TOML's own types only (``history = "yes"`` is an error, not ``true``), except
that an integer is accepted where a number is expected.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import tomli_w
from pydantic import ValidationError

from agent_assist import paths
from agent_assist.config_schema import (
    PROFILE_BEAMS,
    AsrConfig,
    AudioConfig,
    Config,
    GuidanceConfig,
    LoggingConfig,
    MoodConfig,
    PrivacyConfig,
    SentimentConfig,
    UiConfig,
    VadConfig,
)
from agent_assist.errors import AgentAssistError, ConfigError

__all__ = [
    "PROFILE_BEAMS",
    "AsrConfig",
    "AudioConfig",
    "Config",
    "GuidanceConfig",
    "LoadedConfig",
    "LoggingConfig",
    "MoodConfig",
    "PrivacyConfig",
    "SentimentConfig",
    "UiConfig",
    "VadConfig",
    "all_keys",
    "from_dict",
    "get_value",
    "load",
    "load_layered",
    "read_toml",
    "save",
    "with_values",
]

log = logging.getLogger(__name__)


def _describe(error: ValidationError, source: str) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    return " ".join(f"{source}: {key}: {message}".split())


def from_dict(data: dict[str, Any], source: str = "config") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, source)) from None


def read_toml(path: Path, error_type: type[AgentAssistError] = ConfigError) -> dict[str, Any]:
    """Parse a TOML file; any failure is ``error_type`` with one line naming the file."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise error_type(f"{path}: cannot read ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise error_type(f"{path}: not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise error_type(f"{path}: not valid TOML (not UTF-8 text)") from None


Layer = dict[str, dict[str, Any]]
COMMAND_LINE = "command line"
NOT_SAVED = frozenset({"ui.positions"})
"""Keys old files may hold but ``save`` no longer writes (window positions are UI state now:
``agent_assist.ui.state``, which reads an old file's ``ui.positions`` once)."""


@dataclass(frozen=True)
class LoadedConfig:
    """The effective config, where each dotted key came from, and what IT has locked; all of
    it immutable (``with_values`` makes a changed copy of a config)."""

    config: Config
    origins: Mapping[str, str]
    """``"default"``, ``"system:<path>"``, ``"user:<path>"``, ``"flag:--name"`` or
    ``"command line"`` for every dotted key."""
    locked: frozenset[str]
    system_file: Path
    user_file: Path
    notes: tuple[str, ...] = field(default=())
    """Warnings for the user, e.g. locked keys their file tried to change."""
    refused: tuple[str, ...] = field(default=())
    """One line per command-line flag that tried to change a locked key (and was ignored)."""

    def is_locked(self, key: str) -> bool:
        return key in self.locked or key.split(".", 1)[0] in self.locked


def all_keys() -> list[str]:
    """Every dotted ``section.field`` key of the schema, in schema order."""
    return [
        f"{section}.{name}"
        for section, info in Config.model_fields.items()
        for name in info.annotation.model_fields  # type: ignore[union-attr]
    ]


def get_value(config: Config, key: str) -> Any:
    section, name = key.split(".", 1)
    return getattr(getattr(config, section), name)


def _flatten(data: Layer) -> dict[str, Any]:
    return {
        f"{section}.{name}": value
        for section, fields in data.items()
        if isinstance(fields, dict)
        for name, value in fields.items()
    }


def _read_layer(path: Path, required: bool = False) -> Layer:
    """The file's TOML; a missing file is empty unless ``required`` (an explicit ``--config``)."""
    if not os.path.lexists(path):
        if required:
            raise ConfigError(f"{path}: config file does not exist")
        return {}
    if not path.is_file():
        raise ConfigError(f"{path}: not a regular file")
    return read_toml(path)


def _locked_keys(table: Any, path: Path) -> frozenset[str]:
    if not isinstance(table, dict) or set(table) - {"keys"}:
        raise ConfigError(f'{path}: locked: expected one entry, keys = ["section.key", ...]')
    keys = table.get("keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ConfigError(f"{path}: locked.keys: expected a list of dotted key names")
    known = all_keys()
    sections = set(Config.model_fields)
    expanded: set[str] = set()
    for key in keys:
        if key in sections:
            expanded.update(k for k in known if k.startswith(key + "."))
        elif key in known:
            expanded.add(key)
        else:
            raise ConfigError(f"{path}: locked.keys: unknown key {key!r}")
    return frozenset(expanded)


def _system_layer(path: Path) -> tuple[Layer, frozenset[str]]:
    data = _read_layer(path)
    locked = _locked_keys(data.pop("locked"), path) if "locked" in data else frozenset[str]()
    from_dict(data, str(path))
    return data, locked


def _nest(flat: Mapping[str, Any], source: str) -> Layer:
    known = set(all_keys())
    data: Layer = {}
    for key, value in flat.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown config key {key!r}")
        section, name = key.split(".", 1)
        data.setdefault(section, {})[name] = value
    return data


@dataclass
class _Merge:
    """Layers applied in order over the system file; locked keys keep the system value."""

    base: Config
    locked: frozenset[str]
    system_file: Path
    merged: Layer
    origins: dict[str, str]

    def apply(
        self, data: Layer, source: str, origin: Callable[[str], str], what: Callable[[str], str]
    ) -> list[str]:
        """Apply one layer read from ``source``; ``origin(key)`` names where a value came from.

        Returns a line for each locked key the layer tried to change (``what(key)`` says what
        is ignored), and logs it at INFO (for the log file: whoever loads says it to the user)."""
        checked = from_dict(data, source)
        lines = []
        for key, value in _flatten(data).items():
            if key in self.locked:
                if get_value(checked, key) != get_value(self.base, key):
                    lines.append(f"{key} is locked by {self.system_file}; {what(key)} ignored")
                    log.info("config: %s", lines[-1])
                continue
            section, name = key.split(".", 1)
            self.merged.setdefault(section, {})[name] = value
            self.origins[key] = origin(key)
        return lines


def load_layered(
    user_file: Path | None = None,
    system_file: Path | None = None,
    flags: Mapping[str, Any] | None = None,
    flag_names: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """Defaults ← system file ← user file ← command-line ``flags``; locked keys keep the system
    value.

    ``user_file``: an explicit file (``--config``) must exist; the default user file may be
    missing. ``flags`` maps dotted keys to values given on the command line, ``flag_names`` the
    same keys to the flag's name (``{"asr.profile": "--profile"}``) for origins and messages.
    A flag that would change a locked key is ignored, with one line in ``refused`` (also logged).
    """
    explicit = user_file is not None
    user_file = user_file or paths.user_config_file()
    system_file = system_file or paths.system_config_file()
    system_data, locked = _system_layer(system_file)
    origins = dict.fromkeys(all_keys(), "default")
    origins.update(dict.fromkeys(_flatten(system_data), f"system:{system_file}"))
    base = from_dict(system_data, str(system_file))
    merged = {section: dict(fields) for section, fields in system_data.items()}
    merge = _Merge(base, locked, system_file, merged, origins)
    notes = merge.apply(
        _read_layer(user_file, required=explicit),
        str(user_file),
        lambda key: f"user:{user_file}",
        lambda key: f"the value in {user_file} is",
    )
    names = flag_names or {}
    refused = merge.apply(
        _nest(flags or {}, COMMAND_LINE),
        COMMAND_LINE,
        lambda key: f"flag:{names[key]}" if key in names else COMMAND_LINE,
        lambda key: names.get(key, f"the command-line value of {key} is"),
    )
    config = from_dict(merge.merged, f"{system_file} + {user_file}")
    return LoadedConfig(
        config,
        MappingProxyType(merge.origins),
        locked,
        system_file,
        user_file,
        tuple(notes),
        tuple(refused),
    )


def with_values(config: Config, changes: Mapping[str, Any]) -> Config:
    """A new config: ``config`` with the dotted keys of ``changes`` set, checked as a file's
    values are (a config never changes in place)."""
    data = config.model_dump()
    for section, fields in _nest(changes, "config changes").items():
        data[section].update(fields)
    return from_dict(data, "config changes")


def load(path: Path | None = None) -> Config:
    """The effective config: defaults ← system file ← ``path`` (default: the user's file).

    A missing default file gives the defaults; locked keys keep the system value.
    """
    return load_layered(path).config


def _diff(config: Config, base: Config, skip: frozenset[str]) -> Layer:
    data: Layer = {}
    dumped = config.model_dump(mode="json")
    base_dumped = base.model_dump(mode="json")
    for key in all_keys():
        section, name = key.split(".", 1)
        if key not in skip and dumped[section][name] != base_dumped[section][name]:
            data.setdefault(section, {})[name] = dumped[section][name]
    return data


def _own_locked_values(path: Path, locked: frozenset[str]) -> dict[str, Any]:
    """The values the user's file already holds for keys IT locked (ignored while locked)."""
    try:
        existing = _read_layer(path)
    except ConfigError as error:
        log.warning("not keeping locked keys' values from the old file: %s", error)
        return {}
    return {key: value for key, value in _flatten(existing).items() if key in locked}


def save(config: Config, path: Path | None = None) -> Path:
    """Write the user's file: only the values that differ from defaults ← system. A locked key
    is never written from ``config``; the value the file already had for it is kept, so it
    comes back if IT unlocks the key."""
    path = path or paths.user_config_file()
    system_file = paths.system_config_file()
    system_data, locked = _system_layer(system_file)
    base = from_dict(system_data, str(system_file))
    skipped = [k for k in locked if get_value(config, k) != get_value(base, k)]
    if skipped:
        log.warning("not saving locked config key(s): %s", ", ".join(sorted(skipped)))
    data = _diff(config, base, locked | NOT_SAVED)
    for key, value in _own_locked_values(path, locked).items():
        section, name = key.split(".", 1)
        data.setdefault(section, {})[name] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(tomli_w.dumps(data).encode())
    tmp.replace(path)
    log.info("saved config to %s", path)
    return path
