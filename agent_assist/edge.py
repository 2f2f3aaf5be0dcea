"""The output edge: where one call's events leave the core.

Every output (the terminal, JSONL/CSV files, ``listen``, the overlay, the history, the exports
and the cluster's results) takes its events from an ``OutputEdge`` built from the config. The
edge redacts each event exactly once, with one per-call redactor (``privacy.redact_keep``
honoured), and hands that one redacted event to every sink. A sink that must see the words as
said (the overlay with ``privacy.redact_overlay`` off) is added as a raw sink instead.

The call's figures are counted once, in the core (``figures.CallStats``), and leave in its
``CallSummary`` like any other event; what shows them later reads that summary.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from agent_assist.events import Event, EventSink

if TYPE_CHECKING:
    from agent_assist.config import Config
    from agent_assist.redact import CallRedactor, Redactor


class OutputEdge:
    """One call's way out: ``edge(event)`` redacts the event once and feeds every sink.

    ``redactor`` None keeps text as said (``--no-redact``). Call ``new_call`` between calls:
    the per-call redactor arms on what was said earlier in the call, and must not carry that
    into the next one."""

    def __init__(
        self,
        redactor: Redactor | None,
        sinks: Iterable[EventSink] = (),
        raw_sinks: Iterable[EventSink] = (),
    ) -> None:
        self.redactor = redactor
        self.sinks: list[EventSink] = list(sinks)
        self.raw_sinks: list[EventSink] = list(raw_sinks)
        self._call: CallRedactor | None = None
        self.new_call()

    @classmethod
    def from_config(
        cls,
        config: Config,
        sinks: Iterable[EventSink] = (),
        raw_sinks: Iterable[EventSink] = (),
        *,
        redact: bool | None = None,
    ) -> OutputEdge:
        """The edge for ``config``: redacting unless ``privacy.redact_outputs`` is off (or
        ``redact`` says otherwise; the history always redacts)."""
        from agent_assist.redact import Redactor

        redacting = config.privacy.redact_outputs if redact is None else redact
        return cls(Redactor.from_config(config) if redacting else None, sinks, raw_sinks)

    @property
    def redacts(self) -> bool:
        return self.redactor is not None

    def new_call(self) -> None:
        """A new call starts: a fresh per-call redactor."""
        self._call = self.redactor.for_call() if self.redactor is not None else None

    def add_sink(self, sink: EventSink, *, raw: bool = False) -> None:
        (self.raw_sinks if raw else self.sinks).append(sink)

    def __call__(self, event: Event) -> Event:
        """Pass one event out: redacted once, then to every sink. Returns what the sinks got."""
        shown = self._call.event(event) if self._call is not None else event
        for sink in self.raw_sinks:
            sink(event)
        for sink in self.sinks:
            sink(shown)
        return shown

    def pass_all(self, events: Iterable[Event]) -> list[Event]:
        """Pass a whole call's events out in order; returns them as the sinks got them."""
        return [self(event) for event in events]
