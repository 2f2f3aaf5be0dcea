from pathlib import Path

import pytest


@pytest.fixture
def data_home(isolated_dirs: Path) -> Path:
    """The test's private XDG data home (tests/conftest.py isolates every test)."""
    return isolated_dirs / "xdg_data_home"
