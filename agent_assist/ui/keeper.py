"""What the desktop app keeps of its calls: the call history, when the privacy settings allow it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from agent_assist.config import Config
from agent_assist.events import CallSummary
from agent_assist.ui.session import describe
from agent_assist.ui.viewmodels import CallRecord

log = logging.getLogger(__name__)


class CallKeeper:
    """Opens the history once, on first use, and only while ``privacy.history`` is on.

    ``notify`` shows a one-line notice in the app's status (why history is off)."""

    def __init__(self, config: Config, notify: Callable[[str], None]) -> None:
        self.config = config
        self.notify = notify
        self._history: Any = None
        self._failed = False

    def history(self) -> Any:
        """The call history (``store.history.History``) when allowed and openable, else None."""
        if not self.config.privacy.history or self._failed:
            return None
        if self._history is None:
            try:
                from agent_assist.redact import Redactor
                from agent_assist.store.history import History

                self._history = History.open(
                    retention_days=self.config.privacy.retention_days,
                    redactor=Redactor.from_config(self.config),
                )
            except Exception as error:  # noqa: BLE001 - history is optional; say why it is off
                log.warning("history unavailable: %s", error)
                self.notify(f"history off: {describe(error)}")
                self._failed = True
                return None
        return self._history

    def save_call(self, record: CallRecord, summary: CallSummary) -> None:
        """A call ended: its redacted events become a history row (``record.history_id``)."""
        history = self.history()
        if history is None:
            return
        started = record.started_at or datetime.now(UTC)
        record.history_id = history.save_call(summary.call, started, record.events, redacted=True)
        if record.history_id is None and history.problem:
            self.notify(f"history off: {history.problem}")

    def save_feedback(self, suggestion_id: str, action: str) -> None:
        history = self.history()
        if history is not None:
            history.record_feedback(None, suggestion_id, action, datetime.now(UTC))

    def reconfigure(self, config: Config) -> None:
        """New settings: history switched off closes it now."""
        self.config = config
        if not config.privacy.history:
            self.close()

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None
