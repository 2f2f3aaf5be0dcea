"""The redactor: finds PII spans in a text and replaces them with typed placeholders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stdnum import luhn

from agent_assist.errors import ConfigError
from agent_assist.redact import shapes
from agent_assist.redact.digits import SpanSet, runs
from agent_assist.redact.keep import KeepList

if TYPE_CHECKING:
    from agent_assist.config import Config
    from agent_assist.redact.events import CallRedactor


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


def luhn_valid(digits: str) -> bool:
    return luhn.is_valid(digits)


class Redactor:
    """Finds PII in text and replaces it with ``[CARD]``, ``[PHONE]``, ``[EMAIL]``, ``[SSN]``,
    ``[IBAN]`` or ``[NUMBER]``. ``keep_patterns`` are RE2 patterns for whole tokens that must
    stay readable (order numbers the playbook refers to, say ``ORD-[0-9]+``)."""

    def __init__(self, keep_patterns: Sequence[str] = ()) -> None:
        try:
            self._keep = KeepList(keep_patterns)
        except ValueError as error:
            raise ConfigError(str(error)) from None

    @classmethod
    def from_config(cls, config: Config) -> Redactor:
        """The redactor every output uses: honours ``privacy.redact_keep``."""
        return cls(config.privacy.redact_keep)

    def for_call(self) -> CallRedactor:
        """A redactor for one call's events in arrival order (joins numbers read in pieces)."""
        from agent_assist.redact.events import CallRedactor

        return CallRedactor(self)

    def redact(self, text: str, short_digits: int | None = None) -> str:
        return apply_spans(text, self.spans(text, short_digits))

    def spans(self, text: str, short_digits: int | None = None) -> list[Span]:
        """Non-overlapping spans to replace, sorted by position. With ``short_digits``, digit
        runs of that many digits or more are redacted too (a number read out in pieces)."""
        kept = self._keep.tokens(text)
        amounts = shapes.protected(text)
        protected = SpanSet(amounts)
        found: list[Span] = []
        for finder, label in (
            (shapes.emails, "EMAIL"),
            (shapes.ibans, "IBAN"),
            (shapes.phones, "PHONE"),
        ):
            taken = SpanSet(kept + [(s.start, s.end) for s in found])
            for start, end in finder(text):
                if taken.touches(start, end):
                    continue
                if label == "PHONE" and protected.touches(start, end):
                    continue
                if not self._keep.keeps(text, start, end):
                    found.append(Span(start, end, label))
        blocked = SpanSet(kept + [(s.start, s.end) for s in found] + amounts)
        for run in runs(text, blocked):
            kind = shapes.classify(text, run, short_digits)
            if kind and not self._keep.keeps(text, run.start, run.end):
                found.append(Span(run.start, run.end, kind))
        return sorted(found, key=lambda s: s.start)


def apply_spans(text: str, spans: Sequence[Span]) -> str:
    parts: list[str] = []
    position = 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append(f"[{span.label}]")
        position = span.end
    parts.append(text[position:])
    return "".join(parts)
