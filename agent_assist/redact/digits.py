"""Digit runs: numerals and spoken digit words joined by the separators Whisper writes.

A run is what a caller reads out as one number: ``4111 1111``, ``4,111,111``, ``415‑555‑0132``
(U+2011), ``4111/1111``, ``four one one one``, ``double five``, ``twelve thirty four``. Each
token and gap is checked in plain code, so finding runs is linear in the text's length.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import re2

_UNITS = {
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
_TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
_TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
_ZERO_ONLY = {"oh", "o"}
_REPEAT = {"double": 2, "triple": 3}


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NONZERO_UNITS = _alternatives([w for w, d in _UNITS.items() if d != "0"])
_TOKEN = re2.compile(
    r"(?i)(?:\b(?P<mult>double|triple)[\s\-]+)?"
    r"(?:\b(?P<tens>"
    + _alternatives(list(_TENS))
    + r")(?:[\s\-]+(?P<unit>"
    + _NONZERO_UNITS
    + r"))?\b"
    r"|\b(?P<word>" + _alternatives([*_UNITS, *_TEENS]) + r")\b"
    r"|(?P<num>[0-9]+))"
)

DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
"""ASCII hyphen-minus and the Unicode dashes (Whisper writes U+2011 between digit groups)."""
_SPACES = " \t\n\r\u00a0\u2009\u202f"
_NUMERAL_MARKS = set(DASHES) | {",", "/", "_"}
"""One of these, with spaces around, joins numerals; a full stop joins only without spaces
(``415.555.0132``), as ``. `` ends a sentence."""
_WORD_MARKS = set(DASHES) | {",", ".", "/", "_"}
"""Next to a digit word any of these joins: dictated digits get transcribed with full stops."""


@dataclass
class Run:
    start: int
    end: int
    digits: str = ""
    groups: list[int] = dataclasses.field(default_factory=list)
    spoken: bool = False
    last_word: bool = False
    content: bool = False
    """A token other than "oh"/"o" (a run of only those is not a number)."""


def _token_digits(match: re2._Match) -> str:
    mult = match.group("mult")
    repeat = _REPEAT[mult.lower()] if mult else 1
    if match.group("num"):
        digits = match.group("num")
        return digits * repeat if len(digits) == 1 else digits
    if match.group("tens"):
        unit = match.group("unit")
        return _TENS[match.group("tens").lower()] + (_UNITS[unit.lower()] if unit else "0")
    word = match.group("word").lower()
    if word in _TEENS:
        return _TEENS[word]
    return _UNITS[word] * repeat


def joins(gap: str, words: bool) -> bool:
    """Whether ``gap`` (the text between two digit tokens) keeps them in one run."""
    if not words:
        if gap == ".":
            return True
        gap = gap.removeprefix(")").removesuffix("(")
    core = gap.strip(_SPACES)
    if core == "":
        return all(ch in _SPACES for ch in gap)
    marks = _WORD_MARKS if words else _NUMERAL_MARKS
    return len(core) == 1 and core in marks


class SpanSet:
    """Character ranges, merged and sorted: whether a range touches any is O(log n), so texts
    with thousands of amounts or times stay linear."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(s for s in spans if s[0] < s[1]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    def touches(self, start: int, end: int) -> bool:
        index = bisect_left(self._starts, end)  # the ranges that start before ``end``
        return index > 0 and self._ends[index - 1] > start


def runs(text: str, blocked: SpanSet) -> list[Run]:
    """The digit runs of ``text`` that do not touch a ``blocked`` span."""
    found: list[Run] = []
    current: Run | None = None
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if blocked.touches(start, end):
            current = None
            continue
        word = match.group("num") is None
        if current is None or not joins(text[current.end : start], word or current.last_word):
            current = Run(start, end)
            found.append(current)
        digits = _token_digits(match)
        current.end = end
        current.digits += digits
        current.groups.append(len(digits))
        current.spoken |= word
        current.last_word = word
        current.content |= not word or (match.group("word") or "").lower() not in _ZERO_ONLY
    for run in found:
        _widen(text, run)
    return [run for run in found if run.content]


def _widen(text: str, run: Run) -> None:
    """Take in a leading ``+`` or ``(`` and a closing ``)`` of a phone number."""
    if run.start > 0 and text[run.start - 1] in "+(":
        run.start -= 1
        if run.start > 0 and text[run.start - 1] == "+":
            run.start -= 1
    if run.end < len(text) and text[run.end] == ")" and "(" in text[run.start : run.end]:
        run.end += 1


_S = "[" + _SPACES + "]*"
_MARK = "[" + "".join(sorted(_NUMERAL_MARKS | {"."})).replace("-", r"\-") + "]"
_NO_COMMA = _MARK.replace(",", "")
_CHAIN_BEFORE = re2.compile("[0-9]" + _S + _MARK + "?" + _S + "$")
_CHAIN_AFTER = re2.compile("^" + _S + _MARK + "?" + _S + "[0-9]")
_LIST_BEFORE = re2.compile("(?:[0-9]" + _S + _NO_COMMA + "?" + _S + "|[0-9],)$")
_LIST_AFTER = re2.compile("^(?:" + _S + _NO_COMMA + "?" + _S + "|,)[0-9]")


def in_chain(text: str, start: int, end: int, lists: bool = False) -> bool:
    """Whether ``text[start:end]`` is only a piece of a longer digit chain (a card, say).
    With ``lists``, a comma and a space end the chain ("on 12/25/2024, 2024-01-15")."""
    before, after = (_LIST_BEFORE, _LIST_AFTER) if lists else (_CHAIN_BEFORE, _CHAIN_AFTER)
    return bool(before.search(text[max(0, start - 4) : start]) or after.search(text[end : end + 4]))
