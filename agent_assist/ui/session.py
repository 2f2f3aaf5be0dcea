"""Starts and stops a Runner off the GUI thread (no Qt): model loading never freezes a window.

Whatever goes wrong (the runner cannot be imported, created or started) becomes a
``PipelineStatus(state="error")`` event on the same path as the pipeline's own events.
Each start makes its runner for the config of that moment (the settings last saved); the
app's runners share one process-wide ``core.ModelCache``, so a start loads only models
whose settings changed.
"""

from __future__ import annotations

import logging
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
    """Owns at most one runner; ``start``/``stop`` return at once and work on a helper thread."""

    def __init__(self, factory: RunnerFactory, on_event: EventSink) -> None:
        self.factory = factory
        self.on_event = on_event
        self.runner: Runner | None = None
        self.paused = False
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.active = False
        self._generation = 0

    def start(self, config: Config) -> None:
        """Start a runner for ``config`` (a copy is taken: later edits do not reach it)."""
        if self.active:
            return
        config = config.model_copy(deep=True)
        self.active = True
        self.paused = False
        self._generation += 1
        self.on_event(PipelineStatus(state="starting", message="starting"))
        generation = self._generation
        self._spawn(lambda: self._start(config, generation), "runner-start")

    def stop(self) -> None:
        if not self.active:
            return
        self.active = False
        self._spawn(self._stop, "runner-stop")

    def finished(self) -> None:
        """The pipeline ended by itself (replay done, fatal error): release the runner."""
        if self.active:
            self.active = False
            self._spawn(lambda: self._release(announce=False), "runner-release")

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        runner = self.runner
        if runner is not None and self.active:
            self._spawn(lambda: self._call(runner.set_paused, paused), "runner-pause")

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop and wait (bounded) for the helper threads: used when the app quits."""
        self.stop()
        for thread in list(self._threads):
            thread.join(timeout)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _sink(self, generation: int) -> EventSink:
        """The runner's callback: events of a runner that was replaced since are dropped."""

        def forward(event: Event) -> None:
            if generation == self._generation:
                self.on_event(event)

        return forward

    def _start(self, config: Config, generation: int) -> None:
        with self._lock:
            try:
                runner = self.factory(config, self._sink(generation))
                runner.start()
            except Exception as error:  # noqa: BLE001 - shown to the user, never a traceback dialog
                log.exception("cannot start the pipeline")
                self.active = False
                self.on_event(PipelineStatus(state="error", message=describe(error)))
                return
            self.runner = runner

    def _stop(self) -> None:
        self._release(announce=True)

    def _release(self, *, announce: bool) -> None:
        with self._lock:
            runner, self.runner = self.runner, None
            if runner is not None:
                self._call(runner.stop)
        if announce:
            self.on_event(PipelineStatus(state="stopped", message="stopped"))

    def _call(self, method: Callable[..., None], *args: object) -> None:
        try:
            method(*args)
        except Exception as error:  # noqa: BLE001
            log.exception("runner call failed")
            self.on_event(PipelineStatus(state="error", message=describe(error)))
