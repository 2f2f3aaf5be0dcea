"""``privacy.redact_keep``: patterns for ids that must stay readable (order numbers, say).

A keep pattern is RE2 (linear time, so no pattern can hang redaction) and must match a whole
token, never a stretch of text: ``ORD-\\d+`` keeps ``ORD-00012345``. A pattern that would keep
a real card, phone number, e-mail, SSN or IBAN is refused, so ``.*`` cannot turn redaction off.
"""

from __future__ import annotations

from collections.abc import Sequence

import re2

SETTING = "privacy.redact_keep"
PII_SAMPLES = (
    ("a card number", "4111 1111 1111 1111"),
    ("a card number", "4111111111111111"),
    ("a card number", "4111-1111-1111-1111"),
    ("a card number read in groups", "4111"),
    ("a card number read in groups", "1111"),
    ("a phone number", "415-555-0132"),
    ("a phone number", "(415) 555-0132"),
    ("a phone number", "+14155550132"),
    ("a phone number", "4155550132"),
    ("a phone number read in groups", "0132"),
    ("an e-mail address", "jane.doe@example.com"),
    ("an SSN", "123-45-6789"),
    ("an SSN", "123456789"),
    ("an IBAN", "GB82WEST12345698765432"),
    ("an IBAN", "GB82 WEST 1234 5698 7654 32"),
    ("an IBAN", "de89370400440532013000"),
)
"""What no keep pattern may match (each is also what ``Redactor`` redacts)."""
_TRIM = "\"'()[]{}<>.,;:!?"


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # the error goes into our one-line message instead
    return options


def compile_keep(patterns: Sequence[str]) -> list[re2._Regexp]:
    """Compiled keep patterns; ValueError (one line naming the setting and pattern) if one is
    not valid RE2 or would keep real PII."""
    compiled = []
    for pattern in patterns:
        try:
            regex = re2.compile(pattern, _options())
        except re2.error as error:
            reason = error.args[0] if error.args else error
            if isinstance(reason, bytes):
                reason = reason.decode(errors="replace")
            raise ValueError(
                f"{SETTING}: invalid regex {pattern!r} ({reason}; RE2 syntax, no look-arounds"
                " or back-references)"
            ) from None
        for what, sample in PII_SAMPLES:
            if regex.fullmatch(sample):
                raise ValueError(
                    f"{SETTING}: pattern {pattern!r} would keep {what} ({sample!r}) unredacted;"
                    " make it match only your own ids (e.g. 'ORD-[0-9]+')"
                )
        compiled.append(regex)
    return compiled


def check_keep_patterns(patterns: Sequence[str]) -> None:
    """Raise ValueError (one line) unless every pattern is a safe keep pattern."""
    compile_keep(patterns)


class KeepList:
    """Decides whether a candidate span is an id to keep."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self._patterns = compile_keep(patterns)

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def tokens(self, text: str) -> list[tuple[int, int]]:
        """The whitespace-separated tokens of ``text`` (less surrounding punctuation) that a
        pattern matches in full."""
        if not self._patterns:
            return []
        kept = []
        position = 0
        for token in text.split():
            start = text.index(token, position)
            position = start + len(token)
            stripped = token.strip(_TRIM)
            if stripped and self.matches(stripped):
                offset = token.index(stripped)
                kept.append((start + offset, start + offset + len(stripped)))
        return kept

    def keeps(self, text: str, start: int, end: int) -> bool:
        """Whether the span, alone or with the rest of the token(s) it sits in, is kept."""
        if not self._patterns:
            return False
        if self.matches(text[start:end]):
            return True
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        return self.matches(text[start:end].strip(_TRIM))

    def matches(self, candidate: str) -> bool:
        return any(regex.fullmatch(candidate) for regex in self._patterns)
