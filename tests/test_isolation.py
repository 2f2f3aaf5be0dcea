"""The suite's rules (tests/conftest.py): no test touches the real user's files, and only slow
tests load the real models."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from agent_assist import config as config_module
from agent_assist import logs, paths
from agent_assist.config import Config
from agent_assist.store.history import History
from tests.conftest import REAL_HOME


def app_folders() -> dict[str, Path]:
    return {
        "home": Path.home(),
        "config": paths.user_config_dir(),
        "data": paths.user_data_dir(),
        "state": paths.user_state_dir(),
        "log": paths.user_log_dir(),
        "cache": Path(platformdirs.user_cache_dir(paths.APP_NAME, appauthor=False)),
        "system config": Path(os.environ[paths.SYSTEM_CONFIG_ENV]),
    }


def test_every_user_folder_of_the_app_is_inside_this_test_s_tmp_path(tmp_path: Path) -> None:
    for name, folder in app_folders().items():
        assert folder.is_relative_to(tmp_path), f"{name}: {folder}"


def test_what_the_app_writes_by_default_lands_inside_tmp_path(tmp_path: Path) -> None:
    saved = config_module.save(Config.model_validate({"asr": {"beam_size": 2}}))
    with History.open() as history:
        stored = history.path
    try:
        logs.setup("INFO", to_file=True)
        logging.getLogger("agent_assist.test").info("a line for the log file")
    finally:
        logs.setup("WARNING", to_file=False)
    written = [saved, stored, logs.log_file()]
    assert all(path.is_file() and path.is_relative_to(tmp_path) for path in written), written


def test_a_child_process_inherits_the_private_folders(tmp_path: Path) -> None:
    code = "from agent_assist import paths; print(paths.user_config_dir(), paths.user_data_dir())"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    folders = result.stdout.split()
    assert len(folders) == 2 and all(Path(f).is_relative_to(tmp_path) for f in folders), folders


@pytest.fixture(scope="module")
def module_folders() -> dict[str, Path]:
    """What code that runs outside a test (module and session fixtures) sees."""
    return app_folders()


def test_code_outside_a_test_gets_a_throwaway_home(module_folders: dict[str, Path]) -> None:
    for name, folder in module_folders.items():
        assert not folder.is_relative_to(REAL_HOME), f"{name}: {folder}"


def test_every_test_that_loads_the_real_models_is_slow(request: pytest.FixtureRequest) -> None:
    users = [i for i in request.session.items if "real_models" in getattr(i, "fixturenames", ())]
    assert all(item.get_closest_marker("slow") for item in users)
