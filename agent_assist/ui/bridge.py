"""The one door from the engine into Qt: events from any thread become GUI-thread signals."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance, Slot

from agent_assist.events import (
    CallSummary,
    Event,
    Latency,
    MoodUpdate,
    PipelineStatus,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    VoiceCues,
)

log = logging.getLogger(__name__)


class EventBridge(QObject):
    """Call :meth:`post` from any thread; typed signals fire later on the bridge's thread.

    ``post`` only emits ``_incoming``; the queued connection hands the event to the thread
    that owns the bridge (the GUI thread), where :meth:`_dispatch` re-emits it typed.
    """

    _incoming = Signal(object)

    received = Signal(object)
    partial = Signal(object)
    transcript = Signal(object)
    mood = Signal(object)
    suggestion = Signal(object)
    cues = Signal(object)
    latency = Signal(object)
    status = Signal(object)
    summary = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._incoming.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._routes: dict[type[Event], SignalInstance] = {
            TranscriptPartial: self.partial,
            TranscriptFinal: self.transcript,
            MoodUpdate: self.mood,
            Suggestion: self.suggestion,
            VoiceCues: self.cues,
            Latency: self.latency,
            PipelineStatus: self.status,
            CallSummary: self.summary,
        }

    def post(self, event: Event) -> None:
        """Thread-safe: hand an engine event to the GUI thread."""
        self._incoming.emit(event)

    @Slot(object)
    def _dispatch(self, event: Event) -> None:
        self.received.emit(event)
        route = self._routes.get(type(event))
        if route is None:
            log.debug("no route for %s", type(event).__name__)
            return
        route.emit(event)
