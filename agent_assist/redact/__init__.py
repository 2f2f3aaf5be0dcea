"""PII redaction: replace card numbers, phone numbers, e-mails, SSN- and IBAN-like ids and long
digit strings with typed placeholders before text is stored, exported or logged.

Digits are found as *runs*: numerals (``4111``) and spoken digit words (``four``, ``oh``,
``double one``, ``twelve``, ``thirty four``) joined by the separators Whisper writes (spaces,
dashes of any kind, dots, commas, slashes, underscores, parentheses). A run is classified by its
digit count and shape, validated with python-stdnum (Luhn, IBAN, SSN) and libphonenumber; short
runs ("3 times", "flight 123") are left alone, and dates, times, money amounts and the
configured keep patterns are never part of a run. :class:`CallRedactor` (one per call) also
catches a number read out in pieces over several utterances.
"""

from agent_assist.redact.core import Redactor, Span, apply_spans, luhn_valid
from agent_assist.redact.events import (
    CallRedactor,
    RedactingFilter,
    redact_event,
    redact_text_fields,
    redact_words,
)
from agent_assist.redact.keep import check_keep_patterns

__all__ = [
    "CallRedactor",
    "RedactingFilter",
    "Redactor",
    "Span",
    "apply_spans",
    "check_keep_patterns",
    "luhn_valid",
    "redact_event",
    "redact_text_fields",
    "redact_words",
]
