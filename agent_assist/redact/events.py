"""Redacting events (transcripts, partials, suggestion evidence), word lists and log records."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import re2

from agent_assist.events import (
    Event,
    EventVisitor,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    Word,
    dispatch,
)
from agent_assist.redact.core import Redactor, Span, apply_spans

CONTEXT = re2.compile(
    r"(?i)\b(?:card|credit|debit|visa|master ?card|amex|american express|account|acct|iban"
    r"|routing|sort code|phone|mobile|cell|number|call me|call back|reach me|ssn|social security"
    r"|security code|cvv|cvc|pin|expir|zip|post ?code|postal|digits)"
)
"""Words after which numbers read out in pieces are redacted (said by either side)."""
CONTEXT_UTTERANCES = 6
"""Finals (of any speaker) that a context word covers."""
SPEAKER_UTTERANCES = 4
"""Finals of the same speaker that a redacted number covers (the next chunk of a card)."""
WINDOW_S = 30.0
"""Seconds after the arming utterance's end that either cover."""
SHORT_DIGITS = 2
"""In context, runs of this many digits are redacted (a card read four digits at a time)."""
BARE_DIGITS = 4
"""An utterance that is only a number of this many digits is a number read out."""
FILLER = frozenset(
    {"and", "uh", "um", "er", "erm", "so", "it's", "its", "it", "is", "that's", "yes", "yeah"}
    | {"okay", "ok", "right", "then", "the", "next"}
)
_WORDS = re2.compile(r"[a-z']+")


def redact_words(
    words: Sequence[Word], redactor: Redactor, short_digits: int | None = None
) -> tuple[Word, ...]:
    """Redact a word list as one text, so a number split over words is still found. Words that
    share a redacted span are merged into one word that spans their times."""
    full = "".join(w.text for w in words)
    spans = redactor.spans(full, short_digits)
    if not spans:
        return tuple(words)
    offsets, position = [], 0
    for word in words:
        offsets.append((position, position + len(word.text)))
        position += len(word.text)
    result: list[Word] = []
    index = 0
    while index < len(words):
        start, end = offsets[index]
        last = index
        while True:
            inside = [s for s in spans if s.overlaps(start, end)]
            reach = max((s.end for s in inside), default=end)
            if last + 1 < len(words) and offsets[last + 1][0] < reach:
                last += 1
                end = offsets[last][1]
                continue
            break
        if last == index and not inside:
            result.append(words[index])
        else:
            local = [Span(s.start - start, s.end - start, s.label) for s in inside]
            group = words[index : last + 1]
            result.append(
                Word(
                    start=group[0].start,
                    end=group[-1].end,
                    text=apply_spans(full[start:end], local),
                    probability=min(w.probability for w in group),
                )
            )
        index = last + 1
    return tuple(result)


@dataclass
class _Armed:
    until: float
    """Event time (s) after which it lapses."""
    left: int
    """Finals it still covers."""

    def covers(self, time: float) -> bool:
        return self.left > 0 and time <= self.until


class CallRedactor(EventVisitor[Event]):
    """Redacts one call's events in arrival order. Numbers read out in pieces ("4111" [pause]
    "1111" ...) arrive as utterances too short to look like a card: once a card / phone /
    account word is said, or a speaker's number was just redacted, or an utterance is nothing
    but a number, that speaker's next short digit runs are redacted too. Each event is decided
    when it arrives, so this works live (an event already shown is never recalled)."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._context = _Armed(0.0, 0)
        self._speakers: dict[str, _Armed] = {}

    def __call__(self, event: Event) -> Event:
        return self.event(event)

    def event(self, event: Event) -> Event:
        return dispatch(event, self)

    def other(self, event: Event) -> Event:
        return redact_text_fields(event, self.redactor, None)

    def on_partial(self, event: TranscriptPartial) -> Event:
        short = self._short_digits(event.speaker, event.start, event.text)
        return redact_text_fields(event, self.redactor, short)

    def on_final(self, event: TranscriptFinal) -> Event:
        short = self._short_digits(event.speaker, event.start, event.text)
        spans = self.redactor.spans(event.text, short)
        self._context.left -= 1
        speaker = self._speakers.setdefault(event.speaker, _Armed(0.0, 0))
        speaker.left -= 1
        if CONTEXT.search(event.text):
            self._context = _Armed(event.end + WINDOW_S, CONTEXT_UTTERANCES)
        if any(span.label != "EMAIL" for span in spans):
            self._speakers[event.speaker] = _Armed(event.end + WINDOW_S, SPEAKER_UTTERANCES)
        return redact_text_fields(event, self.redactor, short)

    def _short_digits(self, speaker: str, time: float, text: str) -> int | None:
        armed = self._context.covers(time) or CONTEXT.search(text) is not None
        armed = armed or (speaker in self._speakers and self._speakers[speaker].covers(time))
        return SHORT_DIGITS if armed or self._bare_number(text) else None

    def _bare_number(self, text: str) -> bool:
        spans = self.redactor.spans(text, BARE_DIGITS)
        if not spans:
            return False
        rest = apply_spans(text, [Span(s.start, s.end, "") for s in spans]).lower()
        return all(word in FILLER for word in _WORDS.findall(rest))


def redact_event(event: Event, redactor: Redactor | CallRedactor) -> Event:
    """A copy of ``event`` with every free-text field redacted. With a ``CallRedactor`` (one
    per call, events in order) numbers read out in pieces over several utterances are caught."""
    if isinstance(redactor, CallRedactor):
        return redactor.event(event)
    return redact_text_fields(event, redactor, None)


def redact_text_fields(event: Event, redactor: Redactor, short_digits: int | None) -> Event:
    return dispatch(event, _TextFields(redactor, short_digits))


class _TextFields(EventVisitor[Event]):
    """A copy of an event with its free text redacted (events without any pass unchanged)."""

    def __init__(self, redactor: Redactor, short_digits: int | None) -> None:
        self.redactor = redactor
        self.short = short_digits

    def other(self, event: Event) -> Event:
        return event

    def on_final(self, event: TranscriptFinal) -> Event:
        return dataclasses.replace(
            event,
            text=self.redactor.redact(event.text, self.short),
            words=redact_words(event.words, self.redactor, self.short),
        )

    def on_partial(self, event: TranscriptPartial) -> Event:
        return dataclasses.replace(
            event,
            text=self.redactor.redact(event.text, self.short),
            stable_text=self.redactor.redact(event.stable_text, self.short),
        )

    def on_suggestion(self, event: Suggestion) -> Event:
        evidence = tuple(
            dataclasses.replace(e, detail=self.redactor.redact(e.detail)) for e in event.evidence
        )
        return dataclasses.replace(event, evidence=evidence)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's formatted message (install on handlers)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redactor.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
