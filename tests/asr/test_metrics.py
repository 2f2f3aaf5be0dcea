from __future__ import annotations

import pytest

from agent_assist.asr.metrics import (
    edit_distance,
    normalise_words,
    number_words,
    word_error_rate,
    word_errors,
    words_found,
)


def test_normalisation_lowercases_strips_punctuation_hesitations_and_notes() -> None:
    text = "Uh, so THIS is the [noise] sick corpus... <VOCNOISE> um, I'm here!"
    assert normalise_words(text) == ["so", "this", "is", "the", "sick", "corpus", "i'm", "here"]


@pytest.mark.parametrize(
    ("digits", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (15, "fifteen"),
        (40, "forty"),
        (95, "ninety five"),
        (100, "one hundred"),
        (312, "three hundred twelve"),
        (1500, "one thousand five hundred"),
        (2_000_019, "two million nineteen"),
    ],
)
def test_number_words(digits: int, words: str) -> None:
    assert number_words(digits) == words


def test_numbers_and_variants_compare_equal() -> None:
    assert word_error_rate("ten of clubs five five", "10 of clubs, 5-5.") == 0.0
    assert word_error_rate("mister john dashwood", "Mr. John Dashwood") == 0.0
    assert word_error_rate("one thousand five hundred dollars", "1,500 dollars") == 0.0
    assert word_error_rate("all right okay", "Alright, OK.") == 0.0
    assert word_error_rate("we're just yknow", "We're just, you know,") == 0.0


def test_edit_distance_counts_substitutions_insertions_deletions() -> None:
    assert edit_distance(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert edit_distance(["a", "b", "c"], ["a", "x", "c"]) == 1
    assert edit_distance(["a", "b", "c"], ["a", "b"]) == 1
    assert edit_distance(["a", "b"], ["x", "a", "b", "y"]) == 2
    assert edit_distance([], ["a", "b"]) == 2


def test_wer_is_errors_over_reference_words() -> None:
    assert word_errors("ask not what your country", "ask what your country can") == (2, 5)
    assert word_error_rate("ask not what your country", "ask what your country can") == 0.4
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "you") == float("inf")


def test_words_found_counts_each_reference_word_once() -> None:
    reference = ["ask", "not", "what", "your", "country"]
    assert words_found(["ask", "ask", "what", "you"], reference) == 2
    assert words_found([], reference) == 0
    assert words_found(["ask"], []) == 0
