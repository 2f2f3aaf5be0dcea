"""Config layering: defaults ← system file ← user file, with keys IT can lock."""

from __future__ import annotations

import json
import logging
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_assist import config, logs, paths
from agent_assist.cli import main
from agent_assist.errors import ConfigError


@pytest.fixture
def files(tmp_path, monkeypatch) -> Iterator[tuple[Path, Path]]:
    system = tmp_path / "etc" / "config.toml"
    system.parent.mkdir()
    monkeypatch.setenv("AGENT_ASSIST_SYSTEM_CONFIG", str(system))
    monkeypatch.setattr(paths, "user_config_dir", lambda: tmp_path / "home-config")
    yield system, paths.user_config_file()
    logs.setup("WARNING", to_file=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_no_files_give_defaults_from_default(files):
    loaded = config.load_layered()
    assert loaded.config == config.Config()
    assert set(loaded.origins.values()) == {"default"}
    assert set(loaded.origins) == set(config.all_keys()) and "ui.positions" in loaded.origins
    assert loaded.locked == frozenset()


def test_user_overrides_system_overrides_default(files):
    system, user = files
    write(system, "[asr]\nbeam_size = 3\nprofile = 'accurate'\n[ui]\ntheme = 'light'\n")
    write(user, "[asr]\nbeam_size = 1\n[mood]\nsmoothing = 0.5\n")
    loaded = config.load_layered()
    cfg = loaded.config
    assert (cfg.asr.beam_size, cfg.asr.profile) == (1, "accurate")
    assert (cfg.ui.theme, cfg.mood.smoothing) == ("light", 0.5)
    assert loaded.origins["asr.beam_size"] == f"user:{user}"
    assert loaded.origins["asr.profile"] == f"system:{system}"
    assert loaded.origins["ui.theme"] == f"system:{system}"
    assert loaded.origins["asr.cpu_threads"] == "default"
    assert config.load() == cfg


def test_locked_keys_keep_the_system_value_and_warn(files, caplog):
    system, user = files
    write(system, "[privacy]\nhistory = false\n[locked]\nkeys = ['privacy.history', 'guidance']\n")
    write(user, "[privacy]\nhistory = true\nretention_days = 7\n[guidance]\nenabled = false\n")
    with caplog.at_level(logging.INFO, logger="agent_assist.config"):
        loaded = config.load_layered()
    assert loaded.config.privacy.history is False
    assert loaded.config.guidance.enabled is True  # the whole section is locked, at its default
    assert loaded.config.privacy.retention_days == 7
    assert loaded.origins["privacy.history"] == f"system:{system}"
    assert loaded.origins["guidance.enabled"] == "default"
    assert {"privacy.history", "guidance.enabled", "guidance.playbook"} <= loaded.locked
    assert loaded.is_locked("guidance.max_visible")
    assert not loaded.is_locked("privacy.retention_days")
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "privacy.history" in warned and "guidance.enabled" in warned
    assert len(loaded.notes) == 2


def test_locked_key_set_to_the_same_value_is_quiet(files, caplog):
    system, user = files
    write(system, "[asr]\nprofile = 'accurate'\n[locked]\nkeys = ['asr.profile']\n")
    write(user, "[asr]\nprofile = 'accurate'\n")
    with caplog.at_level(logging.WARNING):
        loaded = config.load_layered()
    assert loaded.config.asr.profile == "accurate" and not loaded.notes and not caplog.records


def test_explicit_user_file_still_honours_locks(files, tmp_path):
    system, _ = files
    write(system, "[privacy]\nhistory = false\n[locked]\nkeys = ['privacy.history']\n")
    other = write(tmp_path / "mine.toml", "[privacy]\nhistory = true\n")
    assert config.load(other).privacy.history is False


def test_save_writes_only_differences_and_never_locked_keys(files):
    system, user = files
    write(
        system,
        "[asr]\nbeam_size = 3\n[privacy]\nhistory = false\n[locked]\nkeys = ['privacy.history']\n",
    )
    changes = {"privacy.history": True, "ui.scale": 1.5, "asr.beam_size": 3}
    cfg = config.with_values(config.load(), changes)
    config.save(cfg)
    assert tomllib.loads(user.read_text()) == {"ui": {"scale": 1.5}}
    reloaded = config.load()
    assert reloaded.ui.scale == 1.5 and reloaded.asr.beam_size == 3
    assert reloaded.privacy.history is False


def test_a_later_system_change_reaches_users_who_saved(files):
    system, _ = files
    write(system, "[asr]\nbeam_size = 3\n")
    cfg = config.with_values(config.load(), {"ui.compact": True})
    config.save(cfg)
    write(system, "[asr]\nbeam_size = 2\n")
    assert config.load().asr.beam_size == 2


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[asr]\nbeam_size = -1\n", ": asr.beam_size:"),
        ("[locked]\nkeys = ['privacy.histroy']\n", "locked.keys: unknown key 'privacy.histroy'"),
        ("[locked]\nkeys = 'privacy.history'\n", "locked.keys:"),
        ("[locked]\nkey = ['privacy.history']\n", "locked:"),
        ("[asr\n", "not valid TOML"),
    ],
)
def test_bad_system_file_names_the_file_and_key(files, text, needle):
    system, _ = files
    write(system, text)
    with pytest.raises(ConfigError) as info:
        config.load_layered()
    message = str(info.value)
    assert message.startswith(str(system)) and needle in message and "\n" not in message


def test_bad_user_file_names_the_user_file(files):
    system, user = files
    write(system, "[asr]\nbeam_size = 3\n")
    write(user, "[ui]\nopacity = 7\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(user))}: ui.opacity:"):
        config.load()


def test_locked_table_is_not_allowed_in_the_user_file(files):
    _, user = files
    write(user, "[locked]\nkeys = ['privacy.history']\n")
    with pytest.raises(ConfigError, match="locked"):
        config.load()


def run_show(fmt: str, capsys) -> str:
    assert main(["config", "show", "--format", fmt]) == 0
    return capsys.readouterr().out


def test_config_show_prints_valid_toml_with_origins(files, capsys):
    system, user = files
    write(system, "[asr]\nprofile = 'accurate'\n[locked]\nkeys = ['asr.profile']\n")
    write(user, "[ui]\ntheme = 'light'\npositions = { overlay = [10, 20] }\n")
    out = run_show("toml", capsys)
    assert tomllib.loads(out) == config.load().model_dump(mode="json")
    line = {ln.split("=")[0].strip(): ln for ln in out.splitlines() if "=" in ln}
    assert line["profile"].endswith(f"# system:{system} (locked)")
    assert line["theme"].endswith(f"# user:{user}")
    assert line["beam_size"].endswith("# default")


def test_config_show_json(files, capsys):
    system, _ = files
    write(system, "[locked]\nkeys = ['privacy']\n")
    body = json.loads(run_show("json", capsys))
    assert body["privacy.history"] == {"value": False, "origin": "default", "locked": True}
    assert body["asr.beam_size"]["locked"] is False


def test_config_path_names_both_files(files, capsys):
    assert main(["config", "path"]) == 0
    out = capsys.readouterr().out
    assert "not present" in out and str(files[0]) in out


# ---------------------------------------------------------------- the command-line layer


def test_flags_override_the_user_file_and_name_their_origin(files):
    _, user = files
    write(user, "[asr]\nprofile = 'accurate'\n[logging]\nlevel = 'ERROR'\n")
    loaded = config.load_layered(
        flags={"asr.profile": "custom", "logging.level": "DEBUG"},
        flag_names={"asr.profile": "--profile"},
    )
    assert (loaded.config.asr.profile, loaded.config.logging.level) == ("custom", "DEBUG")
    assert loaded.origins["asr.profile"] == "flag:--profile"
    assert loaded.origins["logging.level"] == "command line"
    assert loaded.refused == ()


@pytest.mark.parametrize(
    ("lock", "flags", "names", "line"),
    [
        ("asr.profile", {"asr.profile": "accurate"}, {"asr.profile": "--profile"}, "--profile"),
        (
            "privacy",
            {"privacy.redact_outputs": False},
            {"privacy.redact_outputs": "--no-redact"},
            "--no-redact",
        ),
        ("logging", {"logging.level": "DEBUG"}, {}, "the command-line value of logging.level is"),
    ],
)
def test_a_flag_cannot_change_a_locked_key(files, caplog, lock, flags, names, line):
    system, _ = files
    write(system, f"[locked]\nkeys = ['{lock}']\n")
    with caplog.at_level(logging.INFO, logger="agent_assist.config"):
        loaded = config.load_layered(flags=flags, flag_names=names)
    key = next(iter(flags))
    assert config.get_value(loaded.config, key) == config.get_value(config.Config(), key)
    assert loaded.origins[key] == "default"
    assert loaded.refused == (f"{key} is locked by {system}; {line} ignored",)
    assert [r.getMessage() for r in caplog.records] == [f"config: {loaded.refused[0]}"]


def test_a_flag_equal_to_the_locked_value_is_quiet(files):
    system, _ = files
    write(system, "[asr]\nprofile = 'accurate'\n[locked]\nkeys = ['asr.profile']\n")
    loaded = config.load_layered(flags={"asr.profile": "accurate"})
    assert loaded.config.asr.profile == "accurate" and loaded.refused == ()


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        ({"asr.profil": "fast"}, "command line: unknown config key 'asr.profil'"),
        ({"asr.profile": "slow"}, "command line: asr.profile:"),
        ({"privacy.redact_outputs": "no"}, "command line: privacy.redact_outputs:"),
    ],
)
def test_bad_flags_are_one_line_errors(files, flags, needle):
    with pytest.raises(ConfigError) as info:
        config.load_layered(flags=flags)
    assert str(info.value).startswith(needle) and "\n" not in str(info.value)


def test_config_show_lists_the_log_level_flag_as_its_own_layer(files, capsys):
    assert main(["--log-level", "DEBUG", "config", "show"]) == 0
    out = capsys.readouterr().out.splitlines()
    line = next(ln for ln in out if ln.startswith("level"))
    assert line.startswith('level = "DEBUG"') and line.endswith("# flag:--log-level")
    assert '# command line: --log-level (logging.level = "DEBUG")' in out


def test_config_show_lists_a_commands_flags_with_their_origin(files, capsys):
    """``config show COMMAND ...``: the config that command line runs with, each of its flags
    a layer of its own over the user's file."""
    _, user = files
    write(user, "[asr]\nprofile = 'fast'\n[audio]\ncustomer_device = 'monitor'\n")
    argv = ["config", "show", "listen", "--profile", "accurate", "--agent", "usb"]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    line = {ln.split("=")[0].strip(): ln for ln in out if "=" in ln and not ln.startswith("#")}
    assert line["profile"].startswith('profile = "accurate"')
    assert line["profile"].endswith("# flag:--profile")
    assert line["agent_device"].endswith("# flag:--agent")
    assert line["customer_device"].endswith(f"# user:{user}")
    assert (
        '# command line: --profile (asr.profile = "accurate"), --agent (audio.agent_device = "usb")'
        in out
    )


def test_config_show_without_flags_has_an_empty_command_line_layer(files, capsys):
    assert "# command line: (no flags that set a key)" in run_show("toml", capsys).splitlines()


def test_config_show_reports_a_refused_flag(files, capsys):
    system, _ = files
    write(system, "[locked]\nkeys = ['logging.level']\n")
    assert main(["--log-level", "DEBUG", "config", "show"]) == 0
    out = capsys.readouterr().out
    assert f"# refused: logging.level is locked by {system}; --log-level ignored" in out
    assert 'level = "INFO"' in out


def test_saving_keeps_the_users_values_for_keys_locked_later(files):
    system, user = files
    write(user, "[ui]\ntheme = 'light'\nscale = 1.5\n[privacy]\nhistory = true\n")
    write(system, "[locked]\nkeys = ['ui.theme', 'privacy']\n")
    cfg = config.load()
    assert (cfg.ui.theme, cfg.privacy.history, cfg.ui.scale) == ("dark", False, 1.5)
    cfg = config.with_values(cfg, {"ui.compact": True, "ui.scale": 1.25})
    config.save(cfg)
    assert tomllib.loads(user.read_text()) == {
        "ui": {"theme": "light", "scale": 1.25, "compact": True},
        "privacy": {"history": True},
    }
    assert config.load().ui.theme == "dark", "still ignored while locked"
    write(system, "")
    unlocked = config.load()
    assert (unlocked.ui.theme, unlocked.privacy.history) == ("light", True)
    assert unlocked.ui.compact is True
