"""paths.py in the three layouts (source tree, installed wheel, PyInstaller bundle), per OS."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from agent_assist import paths

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_home(monkeypatch):
    monkeypatch.delenv("AGENT_ASSIST_HOME", raising=False)


def make_root(base: Path) -> Path:
    (base / "resources" / "samples").mkdir(parents=True)
    (base / "models").mkdir()
    return base


def test_source_tree_layout():
    assert paths.app_root() == REPO
    assert paths.layout() == "source"
    assert paths.sample_call().is_file()
    assert paths.default_playbook().is_file()
    assert (paths.models_dir() / "manifest.toml").is_file()


def test_frozen_layout_uses_meipass(tmp_path, monkeypatch):
    bundle = make_root(tmp_path / "_internal")
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert paths.app_root() == bundle
    assert paths.resources_dir() == bundle / "resources"
    assert paths.models_dir() == bundle / "models"
    assert paths.layout() == "frozen"


def test_installed_layout_uses_prefix_share(tmp_path, monkeypatch):
    site_packages = tmp_path / "lib" / "site-packages" / "agent_assist"
    site_packages.mkdir(parents=True)
    share = make_root(tmp_path / "prefix" / "share" / "agent-assist")
    monkeypatch.setattr(paths, "_PACKAGE_DIR", site_packages)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))
    assert paths.app_root() == share
    assert paths.layout() == "installed"


def test_user_install_uses_the_user_base(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "_PACKAGE_DIR", tmp_path / "nowhere" / "agent_assist")
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "empty-prefix"))
    monkeypatch.setattr(paths.site, "USER_BASE", str(tmp_path / "userbase"))
    share = make_root(tmp_path / "userbase" / "share" / "agent-assist")
    assert paths.app_root() == share


def test_home_override_wins(tmp_path, monkeypatch):
    home = make_root(tmp_path / "home")
    monkeypatch.setenv("AGENT_ASSIST_HOME", str(home))
    monkeypatch.setattr(sys, "_MEIPASS", str(make_root(tmp_path / "bundle")), raising=False)
    assert paths.app_root() == home and paths.layout() == "AGENT_ASSIST_HOME"


def test_incomplete_root_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "bundle" / "resources").mkdir(parents=True)  # no models/
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    assert paths.app_root() == REPO


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {}, "/etc/xdg/agent-assist/config.toml"),
        ("win32", {"PROGRAMDATA": r"D:\PD"}, r"D:\PD/agent-assist/config.toml"),
        ("win32", {}, r"C:\ProgramData/agent-assist/config.toml"),
        ("darwin", {}, "/Library/Application Support/agent-assist/config.toml"),
    ],
)
def test_system_config_file_per_platform(monkeypatch, platform, env, expected):
    monkeypatch.delenv("AGENT_ASSIST_SYSTEM_CONFIG", raising=False)
    monkeypatch.delenv("PROGRAMDATA", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "platform", platform)
    assert paths.system_config_file() == Path(expected)


def test_system_config_env_override(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "managed_config_file", lambda: tmp_path / "not-managed.toml")
    monkeypatch.setenv("AGENT_ASSIST_SYSTEM_CONFIG", str(tmp_path / "x.toml"))
    assert not paths.is_managed()
    assert paths.system_config_file() == tmp_path / "x.toml"


@pytest.fixture
def managed(monkeypatch, tmp_path) -> Path:
    """A managed install: IT's config at the (patched) platform location."""
    site = tmp_path / "etc" / "config.toml"
    site.parent.mkdir()
    site.write_text("[privacy]\nhistory = false\n[locked]\nkeys = ['privacy', 'asr.profile']\n")
    monkeypatch.setattr(paths, "managed_config_file", lambda: site)
    monkeypatch.setattr(paths, "_warned", set())
    monkeypatch.setattr(paths, "user_config_dir", lambda: tmp_path / "user")
    return site


@pytest.mark.parametrize("override", ["/dev/null", "/nonexistent/none.toml", "mine.toml"])
def test_a_managed_install_ignores_the_system_config_variable(
    managed, monkeypatch, tmp_path, caplog, override
):
    from agent_assist import config

    (tmp_path / "mine.toml").write_text("[asr]\nbeam_size = 2\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENT_ASSIST_SYSTEM_CONFIG", override)
    with caplog.at_level("WARNING", logger="agent_assist.paths"):
        assert paths.system_config_file() == managed
        assert paths.system_config_file() == managed
        user = tmp_path / "user" / "config.toml"
        user.parent.mkdir()
        user.write_text("[privacy]\nhistory = true\nredact_outputs = false\n")
        loaded = config.load_layered(flags={"asr.profile": "accurate"})
    assert loaded.config.privacy.history is False and loaded.config.privacy.redact_outputs
    assert loaded.config.asr.profile == "fast" and loaded.system_file == managed
    assert len(loaded.refused) == 1 and len(loaded.notes) == 2
    warnings = [r.getMessage() for r in caplog.records if r.name == "agent_assist.paths"]
    ignored = f"AGENT_ASSIST_SYSTEM_CONFIG is ignored: this install is managed by {managed}"
    assert warnings == [ignored]


def test_a_managed_install_ignores_the_home_variable(managed, monkeypatch, tmp_path):
    home = make_root(tmp_path / "home")
    monkeypatch.setenv("AGENT_ASSIST_HOME", str(home))
    assert paths.app_root() == REPO and paths.layout() == "source"


def test_a_dangling_link_at_the_managed_location_still_counts(monkeypatch, tmp_path):
    link = tmp_path / "config.toml"
    link.symlink_to(tmp_path / "gone.toml")
    monkeypatch.setattr(paths, "managed_config_file", lambda: link)
    monkeypatch.setattr(paths, "_warned", set())
    monkeypatch.setenv("AGENT_ASSIST_SYSTEM_CONFIG", "/dev/null")
    assert paths.system_config_file() == link


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG dirs are Linux only")
def test_user_dirs_follow_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert paths.user_config_file() == tmp_path / "c" / "agent-assist" / "config.toml"
    assert paths.user_data_dir() == tmp_path / "d" / "agent-assist"
    assert paths.user_log_dir().is_relative_to(tmp_path / "s")


@pytest.mark.slow
def test_real_wheel_installs_resources_and_models(tmp_path):
    """Build the wheel, install it into a fresh venv, and resolve paths from outside the repo."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next((tmp_path / "dist").glob("agent_assist-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    data = [n for n in names if ".data/data/share/agent-assist/" in n]
    assert any(n.endswith("resources/samples/sample_call.flac") for n in data), names
    assert any(n.endswith("resources/playbooks/default.toml") for n in data)
    assert any(n.endswith("models/manifest.toml") for n in data)
    assert not any(n.startswith("tests/") for n in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = next(venv.glob("lib/python3*/site-packages"))
    deps = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site / "deps.pth").write_text(f"{deps}\n")
    code = (
        "from agent_assist import paths; "
        "print(paths.layout(), paths.app_root(), paths.sample_call().is_file())"
    )
    env = {k: v for k, v in os.environ.items() if k != "AGENT_ASSIST_HOME"}
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split()
    assert out == ["installed", str(venv / "share" / "agent-assist"), "True"]
