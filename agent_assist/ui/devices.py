"""Audio devices for the settings dialog, listed without ever failing (no Qt here).

PortAudio missing or no sound card are normal states: the listing says so in ``problem``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudioDevice:
    index: int
    name: str
    hostapi: str
    input_channels: int
    output_channels: int

    @property
    def label(self) -> str:
        return f"{self.name} — {self.hostapi} ({self.input_channels} ch)"


@dataclass(frozen=True)
class DeviceListing:
    devices: tuple[AudioDevice, ...] = ()
    problem: str = ""
    inputs: tuple[AudioDevice, ...] = field(init=False)

    def __post_init__(self) -> None:
        inputs = tuple(d for d in self.devices if d.input_channels > 0)
        object.__setattr__(self, "inputs", inputs)

    @property
    def has_output(self) -> bool:
        return any(d.output_channels > 0 for d in self.devices)


DeviceProvider = Callable[[], DeviceListing]


def query_devices(import_sounddevice: Callable[[], Any] | None = None) -> DeviceListing:
    """List PortAudio devices with their host API names."""
    try:
        sd = import_sounddevice() if import_sounddevice else _import_sounddevice()
    except OSError as error:
        return DeviceListing(problem=f"PortAudio missing: {error}")
    except ImportError as error:
        return DeviceListing(problem=f"sounddevice not installed: {error}")
    try:
        hostapis = [h["name"] for h in sd.query_hostapis()]
        raw = sd.query_devices()
    except Exception as error:  # noqa: BLE001 - PortAudio errors are a state to show
        return DeviceListing(problem=f"cannot list audio devices: {error}")
    devices = tuple(
        AudioDevice(
            index=i,
            name=str(d["name"]),
            hostapi=hostapis[d["hostapi"]] if 0 <= d["hostapi"] < len(hostapis) else "?",
            input_channels=int(d["max_input_channels"]),
            output_channels=int(d["max_output_channels"]),
        )
        for i, d in enumerate(raw)
    )
    listing = DeviceListing(devices)
    if not listing.inputs:
        return DeviceListing(devices, problem="no audio input devices found")
    return listing


def _import_sounddevice() -> Any:
    import sounddevice

    return sounddevice
