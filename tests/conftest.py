"""Fixtures every test shares: private user folders, the real models, the hypothesis profile.

* ``isolated_dirs`` (autouse): each test gets its own HOME, XDG folders and system-config path
  under ``tmp_path``, so no test reads or writes the real user's config, history, logs or caches.
  Code that runs outside a test (collection, session and module fixtures) gets one throwaway
  home for the whole run, set up in ``pytest_configure``.
* ``real_models``: the real Whisper, sentiment and VAD models of the default config, loaded
  once per session. A test that uses it is marked ``slow`` (``make check`` leaves it out).
* Event builders are in ``tests/factories.py``; stage doubles in ``tests/fakes.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from agent_assist.core.models import Models

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REAL_HOME = Path.home()
"""The home of the user running the tests, before any fixture moves HOME away from it."""
USER_DIRS = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")

# Tests judge behaviour, not wall time: hypothesis' default 200 ms deadline fails examples that
# merely ran while the 2 shared cores were busy. Every property test inherits this profile
# (the fuzz suite judges hangs with its own ``no_hang`` timer). ``make check`` runs the
# "check" profile: a tenth of the examples.
settings.register_profile("agent-assist", deadline=None)
settings.register_profile("check", settings.get_profile("agent-assist"), max_examples=10)
settings.load_profile("agent-assist")


def examples(full: int) -> int:
    """A property test's example count: ``full`` in the whole suite, scaled like the loaded
    hypothesis profile's (a tenth, at least 5, under ``make check``)."""
    return max(5, full * settings.default.max_examples // 100)


def user_environment(root: Path) -> dict[str, str]:
    """HOME, the XDG folders and the system-config path, all under ``root``."""
    env = {name: str(root / name.lower()) for name in USER_DIRS}
    env["HOME"] = str(root / "home")
    env["AGENT_ASSIST_SYSTEM_CONFIG"] = str(root / "system.toml")
    return env


_session_home: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _session_home
    _session_home = Path(tempfile.mkdtemp(prefix="agent-assist-tests-"))
    (_session_home / "home").mkdir()
    os.environ.update(user_environment(_session_home))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _session_home is not None:
        shutil.rmtree(_session_home, ignore_errors=True)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's own user folders (created on first write); returns their root, ``tmp_path``.

    ``system.toml`` there is the system config: a test writes it to lock keys.
    """
    for name, value in user_environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    yield tmp_path


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real models, directly or through another fixture, is slow."""
    for item in items:
        if "real_models" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def real_models() -> Models:
    """The default config's real models (Whisper tiny.en, the sentiment model, Silero VAD)."""
    from agent_assist.config import Config
    from agent_assist.core.models import load_models

    return load_models(Config())
