from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest

from agent_assist.config import Config
from agent_assist.events import Event, PipelineStatus
from agent_assist.ui.devices import AudioDevice, DeviceListing


class FakeRunner:
    """A Runner that plays scripted real events from its own worker thread.

    ``hold`` (optional) makes the worker wait before each event until the test releases it.
    """

    def __init__(self, events: Sequence[Event], on_event: Callable[[Event], None]) -> None:
        self.events = list(events)
        self.on_event = on_event
        self.started = threading.Event()
        self.stopped = threading.Event()
        self.paused: list[bool] = []
        self.thread: threading.Thread | None = None
        self.worker_ident: int | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="fake-runner", daemon=True)
        self.thread.start()
        self.started.set()

    def _run(self) -> None:
        self.worker_ident = threading.get_ident()
        for event in self.events:
            if self.stopped.is_set():
                return
            self.on_event(event)

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(5)

    def set_paused(self, paused: bool) -> None:
        self.paused.append(paused)
        self.on_event(PipelineStatus("paused" if paused else "listening", "by test"))


class FakeFactory:
    """Makes ``FakeRunner``s; ``configs`` holds the config each one was made for."""

    def __init__(self, events: Sequence[Event]) -> None:
        self.events = events
        self.runners: list[FakeRunner] = []
        self.configs: list[Config] = []

    def __call__(self, config: Config, on_event: Callable[[Event], None]) -> FakeRunner:
        runner = FakeRunner(self.events, on_event)
        self.runners.append(runner)
        self.configs.append(config)
        return runner


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def no_devices() -> Callable[[], DeviceListing]:
    return lambda: DeviceListing(problem="no audio input devices found")


@pytest.fixture
def two_devices() -> Callable[[], DeviceListing]:
    devices = (
        AudioDevice(0, "Headset Mic", "ALSA", 1, 0),
        AudioDevice(1, "Monitor of Speakers", "PulseAudio", 2, 0),
        AudioDevice(2, "Speakers", "PulseAudio", 0, 2),
    )
    return lambda: DeviceListing(devices)
