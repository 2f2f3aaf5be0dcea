"""Fixtures for end-to-end capture through a real (user-space) PulseAudio server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.live import pulse

DATA = Path(__file__).parent.parent / "data"


class Rig:
    """Two PulseAudio servers: ``call_monitor`` (customer) and ``headset_mic`` (agent)."""

    def __init__(self, root: Path) -> None:
        self.customer = pulse.PulseServer(root / "customer", "callsink")
        self.agent = pulse.PulseServer(root / "agent", "headsetsink", rate=44_100)
        self.config_file = root / "asoundrc"

    def start(self) -> None:
        self.customer.start()
        self.agent.start()
        pulse.alsa_config(
            self.config_file, {"call_monitor": self.customer, "headset_mic": self.agent}
        )
        pulse.use_alsa_config(self.config_file)

    def stop(self) -> None:
        self.customer.stop()
        self.agent.stop()
        pulse.use_alsa_config(None)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    reason = pulse.available()
    if reason:
        pytest.skip(reason)
    saved = os.environ.get("ALSA_CONFIG_PATH")
    rig = Rig(tmp_path / "pulse")
    try:
        rig.start()
        yield rig
    finally:
        rig.stop()
        if saved is not None:
            os.environ["ALSA_CONFIG_PATH"] = saved


def padded_clip(name: str, out: Path, lead_s: float = 3.0, tail_s: float = 2.0) -> Path:
    """A real recording with silence around it (PulseAudio streams take up to ~2 s to start)."""
    audio, rate = sf.read(DATA / name, dtype="float32")
    padded = np.concatenate(
        [np.zeros(int(lead_s * rate), np.float32), audio, np.zeros(int(tail_s * rate), np.float32)]
    )
    path = out / f"{Path(name).stem}_padded.wav"
    sf.write(path, padded, rate)
    return path
