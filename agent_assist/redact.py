"""PII redaction: replace card numbers, phone numbers, e-mails, SSN- and IBAN-like ids and long
digit strings with typed placeholders before text is stored, exported or logged.

Digits are found as *runs*: numerals (``4111``) and spoken digit words (``four``, ``oh``,
``double one``) joined by spaces, dashes, dots, commas or parentheses. A run is classified by
its digit count and shape; short runs ("3 times", "flight 123") are left alone, and dates,
times, money amounts and the configured keep patterns are never part of a run.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent_assist.errors import ConfigError
from agent_assist.events import (
    Event,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    Word,
)

MIN_DIGITS = 7
"""Runs with fewer digits are ordinary numbers (unless shaped like an SSN)."""

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_ZERO_ONLY = {"oh", "o"}
_REPEAT = {"double": 2, "triple": 3}

_TOKEN = re.compile(
    r"(?:\b(?P<mult>double|triple)[\s-]+)?"
    r"(?:\b(?P<word>" + "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True)) + r")\b"
    r"|(?P<num>\d+))",
    re.IGNORECASE,
)
_NUMERAL_GAP = re.compile(r"\)?(?:\s+|\s*-\s*|\.)?\(?")
"""Between numerals: spaces, a dash, a dot (not ". ", which ends a sentence), parentheses."""
_WORD_GAP = re.compile(r"\s*[,.\-]?\s*")
"""Next to a digit word: also a comma or a full stop, as dictated digits get transcribed."""

_EMAIL = re.compile(
    # the look-behinds start a match only where a name starts: linear time on long words
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.+-])[\w.+-]+(?:\s(?:dot|underscore)\s[\w-]+){0,3}\s+at\s+[\w-]+"
    r"(?:(?:\.|\sdot\s)[\w-]+){0,3}(?:\.|\sdot\s)(?:com|net|org|edu|gov|mil|io|co|uk|us|de|fr|ca|au|info|biz)\b",
    re.IGNORECASE,
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?\d{1,3})?\b")
_PROTECTED = re.compile(
    r"[$€£¥]\s?\d[\d,]*(?:\.\d+)?"  # money
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|dollars\b|euros?\b|pounds\b|bucks\b|cents\b)"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"  # times
    # dates and year ranges, unless they are only a piece of a longer digit chain (a card)
    r"|(?<!\d[./ -])(?<!\d\s[-–])(?<!\d[-–]\s)(?<!\d\s[-–]\s)"
    r"(?:\b\d{4}[./-]\d{1,2}[./-]\d{1,2}\b"  # ISO-like dates
    r"|\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b"  # day/month/year
    r"|\b(?:19|20)\d{2}\s?[-–]\s?(?:19|20)?\d{2}\b)(?!\s?[./–-]?\s?\d)",  # year ranges
    re.IGNORECASE,
)
_SSN_SHAPE = re.compile(r"\d{3}[- ]\d{2}[- ]\d{4}")
_SSN_CONTEXT = re.compile(r"social|security|ssn|tax id", re.IGNORECASE)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97."""
    compact = "".join(text.split())
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


@dataclass
class _Run:
    start: int
    end: int
    digits: str = ""
    groups: list[int] = dataclasses.field(default_factory=list)
    spoken: bool = False
    last_word: bool = False
    content: bool = False  # a token other than "oh"/"o"


def _token_digits(match: re.Match[str]) -> str:
    if match["num"]:
        digits = match["num"]
        if match["mult"] and len(digits) == 1:
            digits *= _REPEAT[match["mult"].lower()]
        return digits
    digit = _DIGIT_WORDS[match["word"].lower()]
    return digit * (_REPEAT[match["mult"].lower()] if match["mult"] else 1)


class Redactor:
    """Finds PII in text and replaces it with ``[CARD]``, ``[PHONE]``, ``[EMAIL]``, ``[SSN]``,
    ``[IBAN]`` or ``[NUMBER]``. ``keep_patterns`` are regexes for ids that must stay readable
    (order numbers the playbook refers to, say ``ORD-\\d+``)."""

    def __init__(self, keep_patterns: Sequence[str] = ()) -> None:
        self._keep: list[re.Pattern[str]] = []
        for pattern in keep_patterns:
            try:
                self._keep.append(re.compile(pattern))
            except re.error as error:
                raise ConfigError(
                    f"privacy.redact_keep: invalid regex {pattern!r} ({error})"
                ) from None

    def redact(self, text: str) -> str:
        return apply_spans(text, self.spans(text))

    def spans(self, text: str) -> list[Span]:
        """Non-overlapping spans to replace, sorted by position."""
        protected = [m.span() for rx in self._keep for m in rx.finditer(text) if m.group()]
        found: list[Span] = []
        for rx, label in ((_EMAIL, "EMAIL"), (_IBAN, "IBAN")):
            for m in rx.finditer(text):
                if label == "IBAN" and not iban_valid(m.group()):
                    continue
                span = Span(m.start(), m.end(), label)
                if not _hits(span, protected) and not _hits(span, found):
                    found.append(span)
        blocked = protected + [(s.start, s.end) for s in found]
        blocked += [m.span() for m in _PROTECTED.finditer(text)]
        found += self._digit_spans(text, blocked)
        return sorted(found, key=lambda s: s.start)

    def _digit_spans(self, text: str, blocked: list[tuple[int, int]]) -> list[Span]:
        spans = []
        for run in _runs(text, blocked):
            label = _classify(text, run)
            if label:
                spans.append(Span(run.start, run.end, label))
        return spans


def _hits(span: Span | tuple[int, int], others: Sequence[Span | tuple[int, int]]) -> bool:
    start, end = (span.start, span.end) if isinstance(span, Span) else span
    for other in others:
        o_start, o_end = (other.start, other.end) if isinstance(other, Span) else other
        if o_start < end and start < o_end:
            return True
    return False


def _runs(text: str, blocked: list[tuple[int, int]]) -> list[_Run]:
    runs: list[_Run] = []
    current: _Run | None = None
    for m in _TOKEN.finditer(text):
        if _hits(m.span(), blocked):
            current = None
            continue
        word = m["word"] is not None
        gap = _WORD_GAP if word or (current and current.last_word) else _NUMERAL_GAP
        joined = current is not None and gap.fullmatch(text, current.end, m.start()) is not None
        if current is None or not joined:
            current = _Run(m.start(), m.end())
            runs.append(current)
        digits = _token_digits(m)
        current.end = m.end()
        current.digits += digits
        current.groups.append(len(digits))
        current.spoken |= word
        current.last_word = word
        current.content |= m["num"] is not None or m["word"].lower() not in _ZERO_ONLY
    for run in runs:
        _widen(text, run)
    return [run for run in runs if run.content]


def _widen(text: str, run: _Run) -> None:
    """Take in a leading ``+`` or ``(`` and a closing ``)`` of a phone number."""
    if run.start > 0 and text[run.start - 1] in "+(":
        run.start -= 1
        if run.start > 0 and text[run.start - 1] == "+":
            run.start -= 1
    if run.end < len(text) and text[run.end] == ")" and "(" in text[run.start : run.end]:
        run.end += 1


def _classify(text: str, run: _Run) -> str | None:
    digits, n = run.digits, len(run.digits)
    raw = text[run.start : run.end]
    if not run.spoken and _SSN_SHAPE.fullmatch(raw):
        return "SSN"
    if n < MIN_DIGITS:
        return None
    if raw.startswith("+") and n <= 15:
        return "PHONE"
    if 13 <= n <= 19 and luhn_valid(digits):
        return "CARD"
    if n == 9 and _SSN_CONTEXT.search(text, max(0, run.start - 40), run.start):
        return "SSN"
    if _phone_like(raw, run):
        return "PHONE"
    return "NUMBER"


def _phone_like(raw: str, run: _Run) -> bool:
    n = len(run.digits)
    if "(" in raw and n <= 12:
        return True
    if n == 10 or (n == 11 and run.digits[0] in "01"):
        return True
    return n == 7 and (run.spoken or run.groups == [3, 4])


def apply_spans(text: str, spans: Sequence[Span]) -> str:
    parts: list[str] = []
    position = 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append(f"[{span.label}]")
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def redact_words(words: Sequence[Word], redactor: Redactor) -> tuple[Word, ...]:
    """Redact a word list as one text, so a number split over words is still found. Words that
    share a redacted span are merged into one word that spans their times."""
    full = "".join(w.text for w in words)
    spans = redactor.spans(full)
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


def redact_event(event: Event, redactor: Redactor) -> Event:
    """A copy of ``event`` with every free-text field redacted."""
    if isinstance(event, TranscriptFinal):
        return dataclasses.replace(
            event,
            text=redactor.redact(event.text),
            words=redact_words(event.words, redactor),
        )
    if isinstance(event, TranscriptPartial):
        return dataclasses.replace(
            event,
            text=redactor.redact(event.text),
            stable_text=redactor.redact(event.stable_text),
        )
    if isinstance(event, Suggestion):
        evidence = tuple(
            dataclasses.replace(e, detail=redactor.redact(e.detail)) for e in event.evidence
        )
        return dataclasses.replace(event, evidence=evidence)
    return event


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
