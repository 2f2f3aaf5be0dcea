"""The one door from the engine into Qt: events from any thread reach the GUI thread in order."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from agent_assist.events import Event


class EventBridge(QObject):
    """Call :meth:`post` from any thread; ``received(event, run)`` fires later on the bridge's
    thread (the GUI thread), in the order posted.

    ``run`` is the number of the runner start the event belongs to (``RunnerHost.generation``),
    or None for the app's own notices: the receiver tells a late event of an earlier call from
    one of the call on screen.
    """

    _incoming = Signal(object, object)
    received = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._incoming.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def post(self, event: Event, run: int | None = None) -> None:
        """Thread-safe: hand an engine event to the GUI thread (queued, never re-entrant)."""
        self._incoming.emit(event, run)

    @Slot(object, object)
    def _deliver(self, event: Event, run: int | None) -> None:
        self.received.emit(event, run)
