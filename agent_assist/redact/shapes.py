"""What a span of text is: money, a time or a date (kept), an e-mail, an IBAN, a phone number,
or a digit run classified as a card, SSN, phone or plain number.

Patterns are RE2 (linear time whatever the text); the checks a regex cannot express (is this
amount part of a longer digit chain? does the IBAN's check pass?) are plain code, and the
validation is python-stdnum's and libphonenumber's.
"""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
import re2
from stdnum import iban, luhn
from stdnum.us import ssn

from agent_assist.redact.digits import DASHES, Run, in_chain

MIN_DIGITS = 7
"""Runs with fewer digits are ordinary numbers (unless shaped like an SSN, or in context)."""
PHONE_REGION = "US"
"""Numbers without a ``+`` country code are read as dialled from here."""

_DASH = "[" + DASHES.replace("-", r"\-") + "]"
_DATE_MARK = "[./" + DASHES.replace("-", r"\-") + "]"
_AMOUNT = r"[0-9][0-9,]*(?:\.[0-9]+)?"
_MONEY_BEFORE = re2.compile(r"(?i)(?:[$€£¥₹]|\b(?:usd|eur|gbp|us\$))\s?(?P<amount>" + _AMOUNT + ")")
_MONEY_AFTER = re2.compile(
    r"(?i)\b(?P<amount>" + _AMOUNT + r")\s?"
    r"(?:%|percent\b|dollars?\b|euros?\b|pounds?\b|bucks\b|cents?\b|usd\b|eur\b|gbp\b)"
)
_SANE_AMOUNT = re2.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3}){0,2}|[0-9]{1,7})(?:\.[0-9]{1,2})?")
"""Money is at most hundreds of millions, with cents: a 16-digit "amount" is a card."""
_TIME = re2.compile(r"\b[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?\b")
_DATE = re2.compile(
    r"\b(?:[0-9]{4}" + _DATE_MARK + "[0-9]{1,2}" + _DATE_MARK + "[0-9]{1,2}"
    r"|[0-9]{1,2}" + _DATE_MARK + "[0-9]{1,2}" + _DATE_MARK + "(?:[0-9]{4}|[0-9]{2})"
    r"|(?:19|20)[0-9]{2}\s?" + _DASH + r"\s?(?:19|20)?[0-9]{2})\b"
)
_EMAIL = re2.compile(
    r"(?i)[a-z0-9_.!#$%&'*+/=?^`{|}~-]+@[a-z0-9_-]+(?:\.[a-z0-9_-]+)+"
    r"|[a-z0-9_.+-]+(?:\s(?:dot|underscore)\s[a-z0-9_-]+){0,3}\s+at\s+[a-z0-9_-]+"
    r"(?:(?:\.|\sdot\s)[a-z0-9_-]+){0,3}(?:\.|\sdot\s)"
    r"(?:com|net|org|edu|gov|mil|io|co|uk|us|de|fr|ca|au|info|biz)\b"
)
_IBAN = re2.compile(r"(?i)\b[a-z]{2}[0-9]{2}(?:[ ,.\-]{0,2}[a-z0-9]{1,4}){1,34}")
_IBAN_GROUP = re2.compile(r"(?i)[a-z0-9]+")
_SSN_SHAPE = re2.compile(r"[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}")
_SSN_CONTEXT = re2.compile(r"(?i)social|security|ssn|tax id")
_YEAR = re2.compile(r"(?:19|20)[0-9]{2}")
_COUNTED = re2.compile(
    r"(?i)\s*(?:minutes?|mins?|hours?|days?|weeks?|months?|years?|times|seconds?|people|items?)\b"
)
"""A short number followed by one of these is a count, not a piece of an id read out."""
_DIGIT_GROUPS = re2.compile("[0-9]+")
_DIGIT_BEFORE = re2.compile("[0-9][^0-9]*$")
_DIGIT_AFTER = re2.compile("^[^0-9]*[0-9]")


def protected(text: str) -> list[tuple[int, int]]:
    """Money, times and dates: never part of a digit run (unless inside a longer chain)."""
    spans: list[tuple[int, int]] = []
    for pattern in (_MONEY_BEFORE, _MONEY_AFTER):
        for match in pattern.finditer(text):
            start, end = match.span(1)  # the amount (RE2 spans take group numbers only)
            if _SANE_AMOUNT.fullmatch(match.group("amount")) and not in_chain(text, start, end):
                spans.append(match.span())
    spans += [m.span() for m in _TIME.finditer(text)]
    return spans + _dates(text)


def _dates(text: str) -> list[tuple[int, int]]:
    """Real dates not chained to other digits, except to other such dates by ", " (a list of
    dates is kept whole, or not at all when one of them is chained to other digits)."""
    dates = [m.span() for m in _DATE.finditer(text) if _real_date(m.group())]
    ends, starts = {e for _, e in dates}, {s for s, _ in dates}
    kept: list[tuple[int, int]] = []
    group: list[tuple[int, int]] = []
    group_ok = True
    for start, end in dates:
        before, after = _neighbour(text, start, end, ends, starts)
        if before != "date":  # a new list of dates starts here
            kept += group if group_ok else []
            group, group_ok = [], True
        group.append((start, end))
        group_ok = group_ok and "digits" not in (before, after)
    return kept + (group if group_ok else [])


def _neighbour(
    text: str, start: int, end: int, ends: set[int], starts: set[int]
) -> tuple[str, str]:
    """What each side of a date is chained to: "none", another "date" (by ", ") or "digits"."""
    if not in_chain(text, start, end):
        return "none", "none"
    if in_chain(text, start, end, lists=True):
        return "digits", "digits"
    before = _DIGIT_BEFORE.search(text[max(0, start - 4) : start])
    after = _DIGIT_AFTER.search(text[end : end + 4])
    sides = []
    for match, position, others in (
        (before, max(0, start - 4) + (before.start() + 1 if before else 0), ends),
        (after, end + (after.end() - 1 if after else 0), starts),
    ):
        sides.append("none" if match is None else "date" if position in others else "digits")
    return sides[0], sides[1]


def _real_date(text: str) -> bool:
    parts = [int(p) for p in _DIGIT_GROUPS.findall(text)]
    if len(parts) == 2:  # a year range
        return True
    first, second, third = parts
    if len(_DIGIT_GROUPS.findall(text)[0]) == 4:
        return _year(first) and 1 <= second <= 12 and 1 <= third <= 31
    year_ok = _year(third) if third >= 100 else True
    day_month = 1 <= first <= 31 and 1 <= second <= 12
    month_day = 1 <= first <= 12 and 1 <= second <= 31
    return year_ok and (day_month or month_day)


def _year(value: int) -> bool:
    return 1900 <= value <= 2099


def emails(text: str) -> Iterator[tuple[int, int]]:
    for match in _EMAIL.finditer(text):
        yield match.span()


def ibans(text: str) -> Iterator[tuple[int, int]]:
    """IBANs written in any case, grouped by spaces, commas or dashes (the longest valid
    prefix of each candidate, so a following word is not taken in)."""
    for match in _IBAN.finditer(text):
        groups = [(g.start(), g.end()) for g in _IBAN_GROUP.finditer(match.group())]
        compact = ""
        best = None
        for g_start, g_end in groups:
            compact += match.group()[g_start:g_end]
            if len(compact) >= 15 and iban.is_valid(compact):
                best = match.start() + g_end
        if best is not None:
            yield match.start(), best


def phones(text: str) -> Iterator[tuple[int, int]]:
    """Phone numbers libphonenumber finds and validates (with extensions, any country code)."""
    matcher = phonenumbers.PhoneNumberMatcher(
        text, PHONE_REGION, leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        if in_chain(text, match.start, match.end):  # a digit run takes all of it
            continue
        raw = match.raw_string
        if not raw.startswith("+") and is_card("".join(c for c in raw if c.isdigit())):
            continue  # a payment card's digits, even if a phone number could have them too
        yield match.start, match.end


def is_card(digits: str) -> bool:
    """13-19 digits that pass the Luhn check: a payment card number."""
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def classify(text: str, run: Run, short_digits: int | None = None) -> str | None:
    """The placeholder label of a digit run, or None to keep it."""
    digits, n = run.digits, len(run.digits)
    raw = text[run.start : run.end]
    if not run.spoken and _SSN_SHAPE.fullmatch(raw) and ssn.is_valid(digits):
        return "SSN"
    if n < MIN_DIGITS:
        in_context = short_digits is not None and n >= short_digits
        return "NUMBER" if in_context and not _COUNTED.match(text[run.end : run.end + 12]) else None
    if raw.startswith("+") and n <= 15:
        return "PHONE"
    if is_card(digits):
        return "CARD"
    before = text[max(0, run.start - 40) : run.start]
    if n == 9 and ssn.is_valid(digits) and _SSN_CONTEXT.search(before):
        return "SSN"
    if _phone_like(raw, run):
        return "PHONE"
    if short_digits is None and _years(run):
        return None
    return "NUMBER"


def _phone_like(raw: str, run: Run) -> bool:
    n = len(run.digits)
    if "(" in raw and n <= 12:
        return True
    if n == 7:
        return run.spoken or run.groups == [3, 4] or max(run.groups) <= 2
    if n in (10, 11):
        number = phonenumbers.parse(run.digits, PHONE_REGION)
        return phonenumbers.is_possible_number(number)
    return False


def _years(run: Run) -> bool:
    """A list of two or three years ("2019, 2020"), not a number read out."""
    if run.spoken or run.groups not in ([4, 4], [4, 4, 4]):
        return False
    return all(_YEAR.fullmatch(run.digits[i : i + 4]) for i in range(0, len(run.digits), 4))
