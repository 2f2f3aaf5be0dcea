"""Fuzzing the config loader: random text and bytes, TOML-ish files built from the real schema,
random dicts, and system files with random ``[locked]`` tables.

Every input must end in a ``Config`` or one ``ConfigError`` line; never another exception.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from agent_assist import config as config_module
from agent_assist.config import Config
from agent_assist.errors import ConfigError
from tests.fuzz.support import FUZZ, result_or_clean_error

SECTIONS = list(Config.model_fields)
KEYS = [key.split(".", 1)[1] for key in config_module.all_keys()]
NAMES = st.one_of(st.sampled_from(SECTIONS + KEYS), st.text(max_size=12))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["fast", "accurate", "custom", "cuda", "dark", "agent", "customer", "DEBUG"]),
)
json_like = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(NAMES, inner, max_size=4)),
    max_leaves=12,
)
schema_shaped = st.dictionaries(
    st.one_of(st.sampled_from(SECTIONS), st.text(max_size=8)),
    st.one_of(st.dictionaries(NAMES, json_like, max_size=5), json_like),
    max_size=5,
)


def is_config(outcome: object) -> bool:
    return isinstance(outcome, Config)


def check_config(outcome: object) -> None:
    if isinstance(outcome, Config):
        assert math.isfinite(outcome.asr.no_speech_threshold)
        assert math.isfinite(outcome.vad.threshold) and math.isfinite(outcome.audio.max_lag_s)


@FUZZ
@given(data=schema_shaped)
@example(data={"asr": {"beam_size": float("nan")}})
@example(data={"vad": {"threshold": float("inf")}})
@example(data={"asr\nx": {}})
@example(data={"asr": {"bad\nkey": 1}})
def test_random_dicts(data: dict[str, Any]) -> None:
    check_config(result_or_clean_error(lambda: config_module.from_dict(data, "cfg"), ConfigError))


@FUZZ
@given(data=st.one_of(st.binary(max_size=512), st.text(max_size=512).map(str.encode)))
@example(data=b"\xff\xfe[asr]")
@example(data=b"[asr]\nbeam_size = 3\n\x80")
def test_random_bytes_as_the_user_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    check_config(result_or_clean_error(lambda: config_module.load(path), ConfigError))


def toml_value(value: Any) -> str:
    """``value`` as an inline TOML literal (None, NaN and odd strings give malformed TOML)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(value), repr(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def tomlish(draw: st.DrawFn) -> str:
    """Lines of real sections and keys with random values, some of them malformed."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["section", "pair", "pair", "pair", "junk"]))
        if kind == "section":
            name = draw(st.one_of(st.sampled_from(SECTIONS + ["locked"]), st.text(max_size=6)))
            lines.append(f"[{name}]")
        elif kind == "pair":
            key = draw(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)))
            lines.append(f"{key} = {toml_value(draw(json_like))}")
        else:
            lines.append(draw(st.text(max_size=20)))
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=tomlish())
@example(text='[asr]\n"beam\\nsize" = 3\n')
@example(text='["asr\\nx"]\nbeam_size = 3\n')
def test_tomlish_user_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    check_config(result_or_clean_error(lambda: config_module.load(path), ConfigError))


@FUZZ
@given(text=tomlish(), locked=json_like, user=tomlish())
@example(text="", locked={"keys": ["asr", "privacy.history"]}, user="[asr]\nbeam_size = 2\n")
@example(text="", locked={"keys": ["nope"]}, user="")
def test_system_files_with_random_locks(tmp_path: Path, text: str, locked: Any, user: str) -> None:
    system, user_file = tmp_path / "system.toml", tmp_path / "user.toml"
    if isinstance(locked, dict):
        pairs = (f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in locked.items())
        lock_table = "[locked]\n" + "".join(pairs)
    else:
        lock_table = f"[locked]\nkeys = {toml_value(locked)}\n"
    system.write_text(text + "\n" + lock_table, encoding="utf-8")
    user_file.write_text(user, encoding="utf-8")
    outcome = result_or_clean_error(
        lambda: config_module.load_layered(user_file, system), ConfigError
    )
    if isinstance(outcome, config_module.LoadedConfig):
        check_config(outcome.config)
        assert all("\n" not in note for note in outcome.notes)


DOTTED = st.one_of(st.sampled_from(config_module.all_keys()), st.text(max_size=16))


@FUZZ
@given(
    flags=st.dictionaries(DOTTED, json_like, max_size=4),
    locked=st.lists(st.sampled_from(SECTIONS + config_module.all_keys()), max_size=3),
)
@example(flags={"privacy.redact_outputs": False}, locked=["privacy"])
@example(flags={"asr.profile": "accurate", "nope": 1}, locked=[])
def test_random_command_line_flags(tmp_path: Path, flags: dict[str, Any], locked: list) -> None:
    """Random flags over a system file with random locks: a config where no locked key moved,
    or one ``ConfigError`` line."""
    system = tmp_path / "system.toml"
    system.write_text(f"[locked]\nkeys = {json.dumps(locked)}\n", encoding="utf-8")
    outcome = result_or_clean_error(
        lambda: config_module.load_layered(None, system, flags=flags), ConfigError
    )
    if isinstance(outcome, config_module.LoadedConfig):
        check_config(outcome.config)
        defaults = Config()
        for key in outcome.locked:
            assert config_module.get_value(outcome.config, key) == config_module.get_value(
                defaults, key
            )
        assert all("\n" not in line for line in outcome.refused)
