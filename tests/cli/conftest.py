"""Fixtures the command tests share."""

from pathlib import Path

import pytest

SITE = """
[asr]
profile = "fast"
[logging]
level = "WARNING"
[locked]
keys = ["asr.profile", "audio", "privacy", "logging.level"]
"""


@pytest.fixture
def locked_site(isolated_dirs: Path) -> Path:
    """A site (system) file that locks the profile, audio, privacy and the log level."""
    system = isolated_dirs / "system.toml"
    system.write_text(SITE)
    return system
