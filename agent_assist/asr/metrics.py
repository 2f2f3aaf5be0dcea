"""Word error rate with a plain edit distance, after a simple English text normalisation.

Normalisation (applied to reference and hypothesis alike): lowercase; bracketed annotations
(``[noise]``, ``<VOCNOISE>``) removed; digits spelled out as words ("10" -> "ten",
"1,500" -> "one thousand five hundred"); punctuation removed except apostrophes inside words;
hesitations (uh, um, hmm, ...) removed; a few spelling variants unified ("mr" -> "mister",
"ok" -> "okay", "yknow" -> "you know", "all right" -> "alright").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))
_HESITATIONS = frozenset({"uh", "um", "umm", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm", "hm"})
_VARIANTS = {"mr": "mister", "mrs": "missus", "ok": "okay", "dr": "doctor", "yknow": "you know"}
_ANNOTATION = re.compile(r"\[[^\]]*\]|<[^>]*>")
_NUMBER = re.compile(r"\d+(?:,\d{3})*")
_NON_WORD = re.compile(r"[^a-z0-9'\s]")


def number_words(value: int) -> str:
    """Spell a non-negative integer in English words."""
    if value < 20:
        return _ONES[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    for scale, name in _SCALES:
        if value >= scale:
            high, rest = divmod(value, scale)
            return number_words(high) + " " + name + ("" if rest == 0 else " " + number_words(rest))
    raise AssertionError("unreachable")


def normalise_words(text: str) -> list[str]:
    text = _ANNOTATION.sub(" ", text.lower())
    text = text.replace("%", " percent ")
    text = _NUMBER.sub(lambda m: " " + number_words(int(m.group().replace(",", ""))) + " ", text)
    text = _NON_WORD.sub(" ", text.replace("-", " "))
    words = [w.strip("'") for w in text.split()]
    words = [_VARIANTS.get(w, w) for w in words if w and w not in _HESITATIONS]
    joined = " ".join(words).replace("all right", "alright")
    return joined.split()


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions each cost 1)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, start=1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (ref_word != hyp_word),
            )
        previous = current
    return previous[-1]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance, reference word count) after normalisation."""
    ref = normalise_words(reference)
    return edit_distance(ref, normalise_words(hypothesis)), len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    errors, words = word_errors(reference, hypothesis)
    if words == 0:
        return 0.0 if errors == 0 else float("inf")
    return errors / words


def words_found(words: Sequence[str], reference: Sequence[str]) -> int:
    """How many of ``words`` the reference has (order-free; each reference word counts once)."""
    left = Counter(reference)
    found = 0
    for word in words:
        if left[word] > 0:
            left[word] -= 1
            found += 1
    return found
