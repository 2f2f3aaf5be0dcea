"""Normalising ASR-style text and matching playbook phrases against it.

Both the transcript and the playbook phrases go through ``normalize``, so they meet in one
form: lowercase, no punctuation, contractions expanded (``I'm`` -> ``i am``), fillers dropped
(``um``, ``uh``), stuttered repeats collapsed (``I I want`` -> ``i want``) and numbers as digits
(``three`` -> ``3``, ``third`` -> ``3rd``, ``twenty-five`` -> ``25``, ``twice`` -> ``2 times``;
``second`` stays a word, being a unit of time too, and ``2nd`` -> ``second``).

Phrase syntax: words separated by spaces, where

* ``word*`` matches any word starting with ``word`` (``cancel*``: cancel, cancelled, cancelling),
* ``a|b|c`` matches one word out of the alternatives,
* a lone ``*`` matches a gap of 0 to 3 words (``called * 3 times``).

A compiled phrase is an RE2 expression over the normalised words joined by spaces: RE2 matches
in time linear in the text, whatever the phrase, so no playbook can stall the engine. The
``MAX_*`` bounds keep each expression small; a phrase over them is a ``PhraseSyntaxError``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property

import re2

MAX_GAP = 3
"""Words one lone ``*`` may skip."""
MAX_GAPS = 6
"""Lone ``*`` per phrase."""
MAX_WORDS = 20
"""Words (with their alternatives) per phrase, gaps not counted."""
MAX_PHRASE_CHARS = 200
"""Characters per phrase as written."""


def _words(text: str) -> list[str]:
    return text.split()


FILLERS = frozenset(_words("um umm uh uhh uhm erm er ah ahh eh hm hmm mm mmm mhm"))
_S_IS = frozenset(_words("it that what there here he she who where how"))
_IRREGULAR = {
    "won't": ["will", "not"],
    "can't": ["can", "not"],
    "cannot": ["can", "not"],
    "shan't": ["shall", "not"],
    "ain't": ["is", "not"],
    "let's": ["let", "us"],
}
_SUFFIXES = (
    ("n't", "not"),
    ("'m", "am"),
    ("'re", "are"),
    ("'ve", "have"),
    ("'ll", "will"),
    ("'d", "would"),
)

_UNITS = _words("zero one two three four five six seven eight nine")
_TEENS = _words("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen")
_TENS = _words("twenty thirty forty fifty sixty seventy eighty ninety")
_CARDINAL = {
    **{w: i for i, w in enumerate(_UNITS)},
    **{w: 10 + i for i, w in enumerate(_TEENS)},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS)},
}
_ORDINAL_WORDS = _words(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
)
_ORDINAL = {w: i for i, w in enumerate(_ORDINAL_WORDS, 1)}
_ORDINAL |= {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50}
# "second" is also a unit of time, so it stays a word and "2nd" becomes "second".
del _ORDINAL["second"]
_MULTIPLIERS = {"twice": 2, "thrice": 3}
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}\b)")


@dataclass(frozen=True)
class Tokens:
    """Normalised words, each with the index of the original (whitespace-split) word."""

    words: tuple[str, ...]
    origin: tuple[int, ...]
    raw: tuple[str, ...]

    @cached_property
    def line(self) -> str:
        """The words joined for matching, each followed by one space."""
        return "".join(f"{word} " for word in self.words)

    @cached_property
    def starts(self) -> tuple[int, ...]:
        """Where each word starts in ``line``."""
        offsets = [0]
        for word in self.words[:-1]:
            offsets.append(offsets[-1] + len(word) + 1)
        return tuple(offsets) if self.words else ()

    def excerpt(self, first: int, last: int, context: int = 3) -> str:
        """The original words behind normalised words ``first..last``, with ``context`` words
        either side (cut ends marked with an ellipsis)."""
        lo = max(0, self.origin[first] - context)
        hi = min(len(self.raw), self.origin[last] + context + 1)
        text = " ".join(self.raw[lo:hi])
        if context == 0:
            return text
        return ("…" if lo > 0 else "") + text + ("…" if hi < len(self.raw) else "")


def _ordinal_suffix(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _expand(word: str) -> list[str]:
    """Expand one lowercase word's contraction; drop other apostrophes."""
    if word in _IRREGULAR:
        return list(_IRREGULAR[word])
    for suffix, full in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return [word[: -len(suffix)], full]
    if word.endswith("'s"):
        base = word[:-2]
        return [base, "is"] if base in _S_IS else [base]
    return [word.replace("'", "")]


def _numbers(words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Turn number words into digits: ``twenty five`` -> ``25``, ``third`` -> ``3rd``."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(words):
        word, origin = words[i]
        if word in _MULTIPLIERS:
            out += [(str(_MULTIPLIERS[word]), origin), ("times", origin)]
            i += 1
            continue
        if word in _TENS and i + 1 < len(words):
            nxt = words[i + 1][0]
            if nxt in _UNITS[1:]:
                out.append((str(_CARDINAL[word] + _CARDINAL[nxt]), origin))
                i += 2
                continue
            if nxt in _ORDINAL and _ORDINAL[nxt] < 10:
                out.append((_ordinal_suffix(_CARDINAL[word] + _ORDINAL[nxt]), origin))
                i += 2
                continue
        if word == "2nd":
            out.append(("second", origin))
        elif word in _CARDINAL:
            out.append((str(_CARDINAL[word]), origin))
        elif word in _ORDINAL:
            out.append((_ordinal_suffix(_ORDINAL[word]), origin))
        else:
            out.append((word, origin))
        i += 1
    return out


def normalize(text: str) -> Tokens:
    """Normalise ASR text for matching (see the module docstring)."""
    raw = tuple(text.split())
    pieces: list[tuple[str, int]] = []
    for index, word in enumerate(raw):
        cleaned = _THOUSANDS_RE.sub("", word.lower().replace("\u2019", "'"))
        for part in _WORD_RE.findall(cleaned):
            pieces += [(w, index) for w in _expand(part) if w and w not in FILLERS]
    merged: list[tuple[str, int]] = []
    for word, origin in _numbers(pieces):
        if not merged or merged[-1][0] != word:
            merged.append((word, origin))
    return Tokens(tuple(w for w, _ in merged), tuple(o for _, o in merged), raw)


@dataclass(frozen=True)
class _Slot:
    """One position of a phrase: exact words and/or word prefixes; ``gap`` is a lone ``*``."""

    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    gap: bool = False

    def pattern(self) -> str:
        """RE2 syntax for this slot: one word and its trailing space, or a lazy gap."""
        if self.gap:
            return f"(?:[^ ]+ ){{0,{MAX_GAP}}}?"
        words = [re2.escape(word) for word in sorted(self.exact)]
        words += [re2.escape(prefix) + "[^ ]*" for prefix in self.prefixes]
        return f"(?:{'|'.join(words)}) "


class PhraseSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Phrase:
    """A compiled playbook phrase."""

    text: str
    slots: tuple[_Slot, ...]
    regex: re2._Regexp = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        body = "".join(slot.pattern() for slot in self.slots)
        # Leftmost-first with lazy gaps: the same match a left-to-right backtracker finds.
        object.__setattr__(self, "regex", re2.compile(f"(?:^| )({body})"))

    def search(self, tokens: Tokens) -> tuple[int, int] | None:
        """First (leftmost) match as (first, last) normalised word index, or None."""
        found = self.regex.search(tokens.line)
        if found is None:
            return None
        first = bisect.bisect_left(tokens.starts, found.start(1))
        last = bisect.bisect_right(tokens.starts, found.end(1) - 1) - 1
        return first, last


def _shorten(phrase: str, limit: int = 60) -> str:
    """The phrase for a one-line message: whitespace collapsed, cut at ``limit``."""
    phrase = " ".join(phrase.split())
    return phrase if len(phrase) <= limit else phrase[: limit - 1] + "…"


def _check_size(phrase: str, slots: list[_Slot]) -> None:
    """Raise PhraseSyntaxError for a phrase over the MAX_* bounds."""
    gaps = sum(slot.gap for slot in slots)
    words = len(slots) - gaps
    if gaps > MAX_GAPS:
        raise PhraseSyntaxError(
            f"'{_shorten(phrase)}' has {gaps} gaps ('*'); at most {MAX_GAPS} are allowed"
        )
    if words > MAX_WORDS:
        raise PhraseSyntaxError(
            f"'{_shorten(phrase)}' has {words} words; at most {MAX_WORDS} are allowed"
        )


def _compile_alternative(alt: str, phrase: str) -> tuple[str | None, str | None]:
    """Return (exact word, prefix) for one alternative of a slot."""
    prefix = alt.endswith("*")
    words = normalize(alt.rstrip("*")).words
    if len(words) != 1:
        raise PhraseSyntaxError(f"'{alt}' in '{_shorten(phrase)}' must be one word")
    return (None, words[0]) if prefix else (words[0], None)


def compile_phrase(phrase: str) -> Phrase:
    """Compile a playbook phrase; raise PhraseSyntaxError when it cannot match anything or is
    over the MAX_* bounds."""
    if len(phrase) > MAX_PHRASE_CHARS:
        raise PhraseSyntaxError(
            f"'{_shorten(phrase)}' has {len(phrase)} characters; "
            f"at most {MAX_PHRASE_CHARS} are allowed"
        )
    slots: list[_Slot] = []
    literal: list[str] = []

    def flush() -> None:
        slots.extend(_Slot(frozenset({w})) for w in normalize(" ".join(literal)).words)
        literal.clear()

    for part in phrase.split():
        if part != "*" and "|" not in part and not part.endswith("*"):
            literal.append(part)
            continue
        flush()
        if part == "*":
            slots.append(_Slot(gap=True))
        else:
            exact: set[str] = set()
            prefixes: list[str] = []
            for alt in part.split("|"):
                word, prefix = _compile_alternative(alt, phrase)
                if word:
                    exact.add(word)
                if prefix:
                    prefixes.append(prefix)
            slots.append(_Slot(frozenset(exact), tuple(prefixes)))
    flush()
    while slots and slots[0].gap:
        slots.pop(0)
    while slots and slots[-1].gap:
        slots.pop()
    if not slots:
        raise PhraseSyntaxError(f"'{_shorten(phrase)}' has no words to match")
    # Consecutive literal words that normalise to a repeat were collapsed in the text too.
    deduped = [s for i, s in enumerate(slots) if i == 0 or s != slots[i - 1] or s.gap]
    _check_size(phrase, deduped)
    return Phrase(phrase, tuple(deduped))


def check_phrases(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """``phrases`` as they are when every one compiles (a pydantic field validator); else the
    first one's ``PhraseSyntaxError`` message as a plain ``ValueError``."""
    for phrase in phrases:
        try:
            compile_phrase(phrase)
        except PhraseSyntaxError as error:
            raise ValueError(str(error)) from None
    return phrases
