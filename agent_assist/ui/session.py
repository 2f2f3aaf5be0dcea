"""Starts and stops a Runner off the GUI thread (no Qt): model loading never freezes a window.

Whatever goes wrong (the runner cannot be imported, created or started) becomes a
``PipelineStatus(state="error")`` event on the same path as the pipeline's own events.
Each start makes its runner for the config of that moment (the settings last saved); the
app's runners share one process-wide ``core.ModelCache``, so a start loads only models
whose settings changed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent_assist import paths
from agent_assist.config import Config
from agent_assist.errors import AgentAssistError
from agent_assist.events import Event, EventSink, PipelineStatus
from agent_assist.ui.devices import DeviceProvider, query_devices

if TYPE_CHECKING:  # these modules pull in numpy: keep them off the launch path
    from agent_assist.contracts import Runner
    from agent_assist.core.models import ModelCache

log = logging.getLogger(__name__)
_MODELS: list[ModelCache] = []

RunnerFactory = Callable[[Config, EventSink], "Runner"]
"""A runner for the effective config at this start (the settings the user last saved)."""
RunEventSink = Callable[[Event, int], None]
"""Takes an event and the number of the run (start) it belongs to."""


def shared_models() -> ModelCache:
    """The process's one model cache: every start of a runner shares its models."""
    if not _MODELS:
        from agent_assist.core.models import ModelCache

        _MODELS.append(ModelCache())
    return _MODELS[0]


def demo_runner_factory(
    devices: DeviceProvider = query_devices, models: ModelCache | None = None
) -> RunnerFactory:
    """Plays the bundled sample call through the real pipeline, in real time, audibly if it can."""

    def make(config: Config, on_event: EventSink) -> Any:
        from agent_assist.live import FileReplayRunner

        audible = devices().has_output
        load = (models or shared_models()).get
        return FileReplayRunner(
            paths.sample_call(), config, on_event, realtime=True, audible=audible, load=load
        )

    return make


def live_runner_factory(models: ModelCache | None = None) -> RunnerFactory:
    """Live capture of both sides of the call (``agent_assist.live.LiveRunner``)."""

    def make(config: Config, on_event: EventSink) -> Any:
        from agent_assist.live import LiveRunner

        return LiveRunner(config, on_event, load=(models or shared_models()).get)

    return make


def describe(error: BaseException) -> str:
    if isinstance(error, AgentAssistError):
        return str(error)
    if isinstance(error, ImportError):
        return f"not available in this build ({error})"
    return f"{type(error).__name__}: {error}"


class RunnerHost:
    """Owns at most one runner. ``start``/``stop`` return at once; one control thread carries
    them out in the order asked, so a model load never freezes a window and a Start right
    after a Stop never overtakes it.

    Each start is a numbered run (``generation``): its events, and the host's own "starting",
    "stopped" and "error" notices, reach ``on_event(event, run)`` with that number, so the app
    can tell the late end of an earlier call from the call now on screen. ``start``, ``stop``,
    ``finished`` and ``set_paused`` are called from one thread (the GUI's)."""

    def __init__(self, factory: RunnerFactory, on_event: RunEventSink) -> None:
        self.factory = factory
        self.on_event = on_event
        self.runner: Runner | None = None
        self.paused = False
        self.active = False
        self.generation = 0
        self._commands: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self, config: Config) -> int | None:
        """Start run number ``generation`` for ``config``; None when one is on already."""
        if self.active:
            return None
        self.active = True
        self.paused = False
        self.generation += 1
        run = self.generation
        self.on_event(PipelineStatus(state="starting", message="starting"), run)
        self._do(lambda: self._start(config, run))
        return run

    def stop(self) -> None:
        if not self.active:
            return
        self.active = False
        run = self.generation
        self._do(lambda: self._release(run, announce=True))

    def finished(self) -> None:
        """The pipeline ended by itself (replay done, fatal error): release the runner."""
        if self.active:
            self.active = False
            run = self.generation
            self._do(lambda: self._release(run, announce=False))

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if self.active:
            run = self.generation
            self._do(lambda: self._pause(run, paused))

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop and wait (bounded) for the control thread: used when the app quits."""
        self.stop()
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._commands.put(None)
            thread.join(timeout)

    def _do(self, command: Callable[[], None]) -> None:
        self._commands.put(command)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._serve, name="runner-control", daemon=True)
            self._thread.start()

    def _serve(self) -> None:
        while (command := self._commands.get()) is not None:
            command()

    def _sink(self, run: int) -> EventSink:
        return lambda event: self.on_event(event, run)

    def _start(self, config: Config, run: int) -> None:
        try:
            runner = self.factory(config, self._sink(run))
            runner.start()
        except Exception as error:  # noqa: BLE001 - shown to the user, never a traceback dialog
            log.exception("cannot start the pipeline")
            self.on_event(PipelineStatus(state="error", message=describe(error)), run)
            return
        self.runner = runner

    # The control thread takes commands in the order asked: start(n), pauses of n, then the
    # release of n, before start(n + 1). So the runner a command finds is run n's, or none.
    def _release(self, run: int, *, announce: bool) -> None:
        runner, self.runner = self.runner, None
        if runner is not None:
            self._call(runner.stop, run)
        if announce:
            self.on_event(PipelineStatus(state="stopped", message="stopped"), run)

    def _pause(self, run: int, paused: bool) -> None:
        if self.runner is not None:
            self._call(self.runner.set_paused, run, paused)

    def _call(self, method: Callable[..., None], run: int, *args: object) -> None:
        try:
            method(*args)
        except Exception as error:  # noqa: BLE001
            log.exception("runner call failed")
            self.on_event(PipelineStatus(state="error", message=describe(error)), run)
