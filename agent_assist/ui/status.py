"""The status line (no Qt): the pipeline's state in plain words, what each side's audio
device is doing, and what the agent can do about a problem."""

from __future__ import annotations

import re
from typing import Literal

from agent_assist.events import PipelineStatus

StatusTone = Literal["ok", "busy", "warn", "error", "idle"]

_STATE_TEXT: dict[str, tuple[str, StatusTone]] = {
    "starting": ("Starting…", "busy"),
    "loading": ("Loading model…", "busy"),
    "listening": ("Listening", "ok"),
    "paused": ("Paused for privacy", "idle"),
    "stopped": ("Stopped", "idle"),
    "behind": ("Falling behind", "warn"),
    "device_lost": ("Audio device lost", "error"),
    "no_device": ("No audio device", "error"),
    "error": ("Error", "error"),
    "recovering": ("Recovered from an error", "warn"),
}
DEVICE_PROBLEMS = {"no_device", "device_lost"}
DEVICE_ADVICE = "plug in the headset, or choose the devices in Settings › Audio"
ON_CPU = "speech recognition on the processor"
PLAIN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"CUDA requested but no CUDA GPU is usable; falling back to CPU \(int8\)"),
     f"no usable graphics card, {ON_CPU}"),
    (re.compile(r"no CUDA GPU found; using CPU \(int8\)"), ON_CPU),
    (re.compile(r"CUDA GPU \(float16, \d+ device\(s\)\)"), "speech recognition on the GPU"),
    (re.compile(r"\bCPU \(int8\)"), ON_CPU),
)  # fmt: skip


def plain(message: str) -> str:
    """Engine wording an agent should not have to decode, in plain words."""
    for pattern, words in PLAIN:
        message = pattern.sub(words, message)
    return message


class StatusModel:
    """The status line: the pipeline state plus the latest info note (e.g. 'ASR on CPU'),
    and the sides whose audio device is missing (a side's device problem does not stop the
    other side)."""

    def __init__(self) -> None:
        self.state: str = "stopped"
        self.message: str = ""
        self.info: str = ""
        self.lag: float = 0.0
        self.missing: dict[str, str] = {}
        """Side (customer / agent) → why its audio device is not capturing."""

    def update(self, event: PipelineStatus) -> None:
        if event.state == "info":
            self.info = event.message
            return
        if event.role is not None and event.state in DEVICE_PROBLEMS:
            self.missing[event.role] = event.message
        elif event.role is not None and event.state == "listening":
            self.missing.pop(event.role, None)
        elif event.state in {"starting", "stopped"}:
            self.missing.clear()
        self.state = event.state
        self.message = event.message
        self.lag = event.lag

    def set_local(self, state: str, message: str = "") -> None:
        """A state the app itself knows (e.g. a runner that failed to import)."""
        self.state = state
        self.message = message

    @property
    def tone(self) -> StatusTone:
        return _STATE_TEXT.get(self.state, ("", "idle"))[1]

    @property
    def running(self) -> bool:
        return self.state in {"starting", "loading", "listening", "paused", "behind"}

    @property
    def waiting_for_devices(self) -> bool:
        """Listening is on, but no side has a working audio device."""
        return self.state in DEVICE_PROBLEMS and len(self.missing) >= 1

    def text(self) -> str:
        title = _STATE_TEXT.get(self.state, (self.state.capitalize(), "idle"))[0]
        if self.state == "behind" and self.lag > 0:
            title = f"Falling behind ({self.lag:.1f} s)"
        parts = [title]
        if self.state in DEVICE_PROBLEMS and self.missing:
            sides = " and ".join(sorted(self.missing))
            parts = [f"{title} for the {sides} side{'s' if len(self.missing) > 1 else ''}"]
        elif self.message and self.message.lower() not in title.lower():
            parts.append(plain(self.message))
        if self.missing and self.state not in DEVICE_PROBLEMS:
            parts.append(f"no audio device for the {' and '.join(sorted(self.missing))} side")
        if self.state in DEVICE_PROBLEMS:
            parts.append(DEVICE_ADVICE)
        elif self.info and self.state != "error":
            parts.append(plain(self.info))
        return " · ".join(parts)
