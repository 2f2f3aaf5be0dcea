"""Starts and stops a Runner off the GUI thread (no Qt): model loading never freezes a window.

Whatever goes wrong (the runner cannot be imported, created or started) becomes a
``PipelineStatus(state="error")`` event on the same path as the pipeline's own events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from agent_assist.errors import AgentAssistError
from agent_assist.events import Event, EventSink, PipelineStatus

if TYPE_CHECKING:  # the contracts module pulls in numpy: keep it off the launch path
    from agent_assist.contracts import Runner

log = logging.getLogger(__name__)

RunnerFactory = Callable[[EventSink], "Runner"]


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

    def start(self) -> None:
        if self.active:
            return
        self.active = True
        self.paused = False
        self._generation += 1
        self.on_event(PipelineStatus(state="starting", message="starting"))
        generation = self._generation
        self._spawn(lambda: self._start(generation), "runner-start")

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

    def _start(self, generation: int) -> None:
        with self._lock:
            try:
                runner = self.factory(self._sink(generation))
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
