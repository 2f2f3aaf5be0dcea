"""The frozen (PyInstaller) app, built once per session unless AGENT_ASSIST_SKIP_BUILD is set.

AGENT_ASSIST_BUILD_DIR=<dir> uses an existing build folder (the one holding the executable).
Otherwise a build in dist/agent-assist that is newer than every source file is reused, and a
missing or stale one is rebuilt with packaging/build.py (about 2 minutes on 2 cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.offline.harness import namespace_prefix

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("agent_assist", "packaging", "resources", "models", "pyproject.toml")
EXE = "agent-assist-cli.exe" if sys.platform == "win32" else "agent-assist"


def newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        root = REPO / name
        files = [root] if root.is_file() else root.rglob("*")
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                newest = max(newest, path.stat().st_mtime)
    return newest


def build_dir() -> Path:
    if given := os.environ.get("AGENT_ASSIST_BUILD_DIR"):
        app = Path(given)
        if not (app / EXE).is_file():
            pytest.fail(f"AGENT_ASSIST_BUILD_DIR={given}: no {EXE} there")
        return app
    app = REPO / "dist" / "agent-assist"
    if (app / EXE).is_file() and (app / EXE).stat().st_mtime > newest_source():
        return app
    result = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "build.py")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        pytest.fail(f"packaging/build.py failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return app


@pytest.fixture(scope="session")
def frozen_app() -> Path:
    if os.environ.get("AGENT_ASSIST_SKIP_BUILD"):
        pytest.skip("AGENT_ASSIST_SKIP_BUILD is set: the frozen app is not built")
    return build_dir() / EXE


def offline_prefix() -> list[str]:
    """A command prefix that runs a program with no network at all (a new network namespace)."""
    return list(namespace_prefix())


@pytest.fixture
def run_frozen(frozen_app: Path, tmp_path: Path) -> Iterator:
    """Run the frozen app offline, with its own empty user dirs and no system config."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AGENT_ASSIST_", "XDG_", "HF_", "PYTHON"))
    }
    env.update(
        {
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "AGENT_ASSIST_SYSTEM_CONFIG": str(tmp_path / "system.toml"),
            "QT_QPA_PLATFORM": "offscreen",
        }
    )
    prefix = offline_prefix() if sys.platform.startswith("linux") else []

    def run(
        *args: str, stdin: str | None = None, timeout: int = 600
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, str(frozen_app), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=timeout,
        )

    yield run
