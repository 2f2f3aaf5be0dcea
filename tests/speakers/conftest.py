"""Shared fixtures of the speaker tests."""

from __future__ import annotations

import numpy as np
import pytest

from tests.speakers.voices import load_clips


@pytest.fixture(scope="module")
def clips() -> dict[str, np.ndarray]:
    """Three real speakers: J. F. Kennedy, a LibriVox reader, the MFA corpus's speaker."""
    return load_clips()
