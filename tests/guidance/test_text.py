import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from agent_assist.guidance.text import (
    MAX_GAP,
    MAX_GAPS,
    MAX_PHRASE_CHARS,
    MAX_WORDS,
    Phrase,
    PhraseSyntaxError,
    Tokens,
    compile_phrase,
    normalize,
)
from tests.conftest import examples
from tests.fuzz.support import no_hang


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("This is the THIRD time I'm calling!!", "this is the 3rd time i am calling"),
        ("Um, I I've called you guys, uh, three times.", "i have called you guys 3 times"),
        ("twenty-five minutes on hold", "25 minutes on hold"),
        ("I can't, I won't, I don't", "i can not i will not i do not"),
        ("It's the 2nd time; it’s the second time", "it is the second time it is the second time"),
        ("a $1,000 charge", "a 1000 charge"),
        ("you charged me twice", "you charged me 2 times"),
        ("the company's policy", "the company policy"),
        ("", ""),
    ],
)
def test_normalize(text: str, words: str) -> None:
    assert " ".join(normalize(text).words) == words


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("third time i'm calling", "this is the 3rd time I am calling"),
        ("3rd time", "um this is the third time"),
        ("called * 3 times", "I've called you guys like three times already"),
        ("called * 2 times", "I called twice"),
        ("cancel* * account|subscription", "I want to cancel, um, my subscription."),
        ("cancel* * account|subscription", "cancelling the account now"),
        ("sue", "I'm going to SUE you."),
        ("speak to * manager*", "let me speak to your MANAGER please"),
        ("don't understand", "I do not understand"),
    ],
)
def test_phrase_matches(phrase: str, text: str) -> None:
    assert compile_phrase(phrase).search(normalize(text)) is not None


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("sue", "we will pursue this"),
        ("cancel* * account", "cancel my flight and the hotel and the account"),
        ("3rd time", "three times"),
        ("refund", "refundable"),
        ("called * 3 times", "called 2 times"),
    ],
)
def test_phrase_does_not_match(phrase: str, text: str) -> None:
    assert compile_phrase(phrase).search(normalize(text)) is None


def test_excerpt_gives_original_words_with_context() -> None:
    tokens = normalize("well okay so this is the THIRD time I'm calling about my bill today")
    span = compile_phrase("3rd time i am calling").search(tokens)
    assert span is not None
    assert tokens.excerpt(*span) == "…this is the THIRD time I'm calling about my bill…"
    assert tokens.excerpt(*span, context=0) == "THIRD time I'm calling"


@pytest.mark.parametrize("phrase", ["um uh", "*", "   ", "don't*", "a|b c|twice"])
def test_bad_phrases_are_refused(phrase: str) -> None:
    with pytest.raises(PhraseSyntaxError):
        compile_phrase(phrase)


# -- linear-time matching and the size bounds ---------------------------------------------

MANY_GAPS = "this " + "* " * 14 + "nevermatched"
"""14 gaps: the old backtracking matcher took 4**14 paths per 'this' (over a minute a line)."""


def reference_search(phrase: Phrase, tokens: Tokens) -> tuple[int, int] | None:
    """The phrase semantics spelled out: leftmost start, then gaps skipping as few words as
    possible, left to right (memoised, so it is a fair oracle on any input)."""
    words, slots = tokens.words, phrase.slots
    memo: dict[tuple[int, int], int | None] = {}

    def accepts(slot: int, word: str) -> bool:
        exact, prefixes = slots[slot].exact, slots[slot].prefixes
        return word in exact or (bool(prefixes) and word.startswith(prefixes))

    def match(pos: int, slot: int) -> int | None:
        if slot == len(slots):
            return pos - 1
        if (pos, slot) not in memo:
            if slots[slot].gap:
                skips = range(min(MAX_GAP, len(words) - pos) + 1)
                ends = (match(pos + skip, slot + 1) for skip in skips)
                memo[pos, slot] = next((end for end in ends if end is not None), None)
            elif pos < len(words) and accepts(slot, words[pos]):
                memo[pos, slot] = match(pos + 1, slot + 1)
            else:
                memo[pos, slot] = None
        return memo[pos, slot]

    for start, word in enumerate(words):
        if accepts(0, word):
            end = match(start + 1, 1)
            if end is not None:
                return start, end
    return None


SLOTS = ["a", "b", "c", "a*", "a|b", "ab|c*", "3rd|third", "cancel*", "don't", "um"]
TEXT = ["a", "b", "c", "ab", "Third", "cancelled", "B,", "um", "don't"]
phrases = st.builds(
    lambda first, rest: " ".join([first] + [f"{'* ' * gaps}{slot}" for gaps, slot in rest]),
    st.sampled_from(SLOTS),
    st.lists(st.tuples(st.integers(0, 2), st.sampled_from(SLOTS)), max_size=4),
)


@given(phrase=phrases, text=st.lists(st.sampled_from(TEXT), max_size=30))
@example(phrase="a * b", text=["a", "b", "c", "b"])
@example(phrase="a * * b", text=["c", "a", "c", "a", "b", "c", "b"])
@settings(max_examples=examples(400))
def test_matcher_finds_the_same_span_as_the_reference(phrase: str, text: list[str]) -> None:
    try:
        compiled = compile_phrase(phrase)
    except PhraseSyntaxError:
        return
    tokens = normalize(" ".join(text))
    assert compiled.search(tokens) == reference_search(compiled, tokens)


def test_worst_phrase_within_the_bounds_matches_a_long_call_at_once() -> None:
    """Every gap and word could match everywhere but the last word never does: 4**6 paths per
    start for a backtracker. Linear matching returns well inside the hang guard."""
    phrase = compile_phrase(" * ".join(["a|b"] * (MAX_GAPS + 1)) + " nevermatched")
    tokens = normalize("a b " * 20_000)
    with no_hang():
        assert phrase.search(tokens) is None
    assert phrase.search(normalize("x a b a b a b a nevermatched y")) == (1, 8)


def test_many_gaps_are_refused_with_the_phrase_named() -> None:
    with pytest.raises(PhraseSyntaxError) as caught:
        compile_phrase(MANY_GAPS)
    assert str(caught.value) == f"'{MANY_GAPS}' has 14 gaps ('*'); at most {MAX_GAPS} are allowed"


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        (" ".join(f"w{i}" for i in range(MAX_WORDS + 1)), f"has {MAX_WORDS + 1} words; at most"),
        ("refund " + "x" * MAX_PHRASE_CHARS, f"has {MAX_PHRASE_CHARS + 7} characters; at most"),
        ("a " + "* " * (MAX_GAPS + 1) + "b", f"has {MAX_GAPS + 1} gaps ('*'); at most"),
    ],
)
def test_phrases_over_the_bounds_are_refused(phrase: str, message: str) -> None:
    with pytest.raises(PhraseSyntaxError, match=re.escape(message)) as caught:
        compile_phrase(phrase)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(f"'{phrase[:40]}")


def test_phrases_at_the_bounds_compile() -> None:
    gaps = " ".join(["w"] + ["* w"] * MAX_GAPS)
    words = " ".join(f"w{i}" for i in range(MAX_WORDS))
    for phrase in (gaps, words, "a" * MAX_PHRASE_CHARS, "* * * leading and trailing * * *"):
        compile_phrase(phrase)
    assert compile_phrase(words).search(normalize(f"so {words} ok")) == (1, MAX_WORDS)
