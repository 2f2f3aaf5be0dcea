"""The Redactor on text, words and events: cards, phones, e-mails, spoken numbers, keep patterns."""

import logging
import re

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from agent_assist.errors import ConfigError
from agent_assist.events import (
    CallSummary,
    Evidence,
    MoodUpdate,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    Word,
)
from agent_assist.redact import RedactingFilter, Redactor, luhn_valid, redact_event, redact_words
from tests.conftest import examples

REDACTOR = Redactor()
DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SPOKEN_WORDS = set(DIGIT_NAMES) | {"oh", "o", "nought", "double", "triple"}


def luhn_complete(body: str) -> str:
    """Append the check digit that makes ``body`` Luhn-valid."""
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


cards = st.integers(min_value=12, max_value=18).flatmap(
    lambda n: (
        st.text(alphabet="0123456789", min_size=n, max_size=n)
        .filter(lambda body: body[0] != "0")
        .map(luhn_complete)
    )
)


def group(digits: str, sizes: list[int], sep: str) -> str:
    parts, i = [], 0
    for size in sizes:
        if i >= len(digits):
            break
        parts.append(digits[i : i + size])
        i += size
    if i < len(digits):
        parts.append(digits[i:])
    return sep.join(parts)


def spoken(digits: str, compress: bool, zero: str) -> str:
    words, i = [], 0
    while i < len(digits):
        run = len(digits[i:]) - len(digits[i:].lstrip(digits[i]))
        name = zero if digits[i] == "0" else DIGIT_NAMES[int(digits[i])]
        if compress and run >= 3:
            words.append(f"triple {name}")
            i += 3
        elif compress and run == 2:
            words.append(f"double {name}")
            i += 2
        else:
            words.append(name)
            i += 1
    return " ".join(words)


@st.composite
def formatted_cards(draw: st.DrawFn) -> str:
    digits = draw(cards)
    style = draw(st.sampled_from(["plain", "4s", "amex", "spoken", "mixed"]))
    if style == "plain":
        return digits
    if style in ("4s", "amex"):
        sep = draw(st.sampled_from([" ", "-", "  ", " - "]))
        sizes = [4, 4, 4, 4, 4] if style == "4s" else [4, 6, 5, 4]
        return group(digits, sizes, sep)
    said = spoken(digits, draw(st.booleans()), draw(st.sampled_from(["zero", "oh"])))
    if style == "spoken":
        return said
    # the first group as numerals, the rest spoken
    return digits[:4] + " " + spoken(digits[4:], False, "zero")


@st.composite
def phones(draw: st.DrawFn) -> str:
    area = draw(st.integers(200, 999))
    exchange = draw(st.integers(200, 999))
    line = draw(st.integers(0, 9999))
    return draw(
        st.sampled_from(
            [
                f"({area}) {exchange}-{line:04d}",
                f"{area}-{exchange}-{line:04d}",
                f"{area}.{exchange}.{line:04d}",
                f"{area} {exchange} {line:04d}",
                f"+1 {area} {exchange} {line:04d}",
                f"+1 ({area}) {exchange}-{line:04d}",
                f"1-{area}-{exchange}-{line:04d}",
                f"{area}{exchange}{line:04d}",
                f"+44 20 {exchange}{line % 10} {line:04d}",
                spoken(f"{area}{exchange}{line:04d}", False, "oh"),
            ]
        )
    )


filler = st.sampled_from(["", "my number is ", "please call ", "it's "])
tail = st.sampled_from(["", ".", " thanks", ", okay?"])


@given(formatted_cards(), filler, tail)
@example("4111 1111 1111 1111", "my card is ", ".")
@example("four one one one one one one one one one one one one one one one", "", "")
def test_luhn_valid_cards_are_redacted_in_any_format(card: str, before: str, after: str) -> None:
    out = REDACTOR.redact(before + card + after)
    assert out == f"{before}[CARD]{after}"


@given(phones(), filler, tail)
def test_phone_numbers_are_redacted(phone: str, before: str, after: str) -> None:
    assert REDACTOR.redact(before + phone + after) == f"{before}[PHONE]{after}"


@given(st.emails(), filler, tail)
def test_emails_are_redacted(email: str, before: str, after: str) -> None:
    out = REDACTOR.redact(f"{before}{email}{after}")
    assert out == f"{before}[EMAIL]{after}"


plain_text = st.text(
    alphabet=st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters="@"),
    max_size=200,
)


@given(plain_text)
def test_text_without_digits_or_at_is_unchanged(text: str) -> None:
    words = set(re.findall(r"\w+", text.lower()))
    assume(not words & (SPOKEN_WORDS | {"at"}))  # "x at y dot com" is a spoken e-mail
    assert REDACTOR.redact(text) == text


@given(
    st.lists(
        st.sampled_from(
            [
                "I",
                "called",
                "one",
                "two",
                "oh",
                "three",
                "times",
                "and",
                "no",
                "the",
                "order",
                ",",
                ".",
            ]
        ),
        max_size=12,
    )
)
def test_a_few_spoken_numbers_in_words_are_kept(words: list[str]) -> None:
    text = " ".join(words)
    digits = sum(w in SPOKEN_WORDS for w in words)
    assume(digits < 7)
    assert REDACTOR.redact(text) == text


def texts_of(tokens: list[str], max_size: int = 60) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=max_size).map("".join)


any_text = texts_of(list("0123456789 -().+@abcxyzORD,$:/") + ["one ", "oh ", "double "]) | st.text(
    max_size=80
)


@given(any_text)
@settings(max_examples=examples(300))
def test_redaction_is_idempotent(text: str) -> None:
    once = REDACTOR.redact(text)
    assert REDACTOR.redact(once) == once


DATE = re.compile(r"\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
LONG_RUN = re.compile(r"\d(?:(?:[ .,/_-]|, )?\d){6,}")


@given(texts_of(list("0123456789 -.()+abcxyz,@/_") + ["one ", ", ", "\u2011"]))
def test_no_long_digit_run_survives(text: str) -> None:
    out = REDACTOR.redact(text)
    # dates are the one kind of long run the redactor keeps
    assert not LONG_RUN.search(DATE.sub("/", out)), (text, out)


@given(st.integers(0, 10**8 - 1), cards)
def test_keep_patterns_are_kept(order: int, card: str) -> None:
    redactor = Redactor([r"ORD-\d+"])
    text = f"order ORD-{order:08d} paid with {card}"
    assert redactor.redact(text) == f"order ORD-{order:08d} paid with [CARD]"
    assert REDACTOR.redact(text) == "order ORD-[NUMBER] paid with [CARD]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("four one one one, one one one one, one one one one, one one one one", "[CARD]"),
        ("it's four triple one double one" + " one" * 10, "it's [CARD]"),
        ("card 5500 0000 0000 0004 expires", "card [CARD] expires"),
        ("amex 3782 822463 10005", "amex [CARD]"),
        ("five five five, oh one two, three four five six", "[PHONE]"),
        ("my SSN is 123-45-6789", "my SSN is [SSN]"),
        ("social security number is 123456789", "social security number is [SSN]"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN [IBAN] please"),
        ("DE89370400440532013000", "[IBAN]"),
        ("write to jane.doe+work@example.co.uk today", "write to [EMAIL] today"),
        ("it's jane dot doe at gmail dot com", "it's [EMAIL]"),
        ("account 98765432", "account [NUMBER]"),
        ("card 4111 1111 1111 1112 failed", "card [NUMBER] failed"),
        ("ticket 0162431184663. 3 of your agents", "ticket [NUMBER]. 3 of your agents"),
        ("bad check GB82 WEST 1234 5698 7654 33", "bad check GB82 WEST [NUMBER]"),
        # Whisper writes dictated digits with commas: a list of seven is a number read out
        ("items 1, 2, 3, 4, 5, 6, 7 and 8", "items [PHONE] and 8"),
    ],
)
def test_examples_are_redacted(text: str, expected: str) -> None:
    assert REDACTOR.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I called 3 times and waited 45 minutes",
        "it cost $40, then $1,299.99 and 15% more",
        "flight 123 on 2024-01-15 at 10:30, back on 12/25/2024 or 25.12.2024",
        "that one was two or three hours, oh well",
        "room 1204, gate B12, 2 bags",
        "in 1999 and 2004",
        "oh oh oh oh oh oh oh oh",
        "the last four digits are 1234",
        "between 2010-2014 and 2020 - 25",
        "items 1, 2 and 3, then 4",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert REDACTOR.redact(text) == text


def test_bad_keep_pattern_names_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"privacy.redact_keep: invalid regex '\(ORD'"):
        Redactor(["(ORD"])


def words_of(text: str) -> tuple[Word, ...]:
    return tuple(
        Word(start=float(i), end=i + 0.5, text=f" {token}", probability=0.9)
        for i, token in enumerate(text.split())
    )


@given(
    st.lists(
        st.sampled_from(
            [
                "my",
                "card",
                "is",
                "4111",
                "1111",
                "one",
                "two",
                "at",
                "x@y.com",
                "555-123-4567",
                "ok",
                "three",
            ]
        ),
        max_size=20,
    )
)
def test_redacted_words_join_to_the_redacted_text(tokens: list[str]) -> None:
    words = words_of(" ".join(tokens))
    out = redact_words(words, REDACTOR)
    assert "".join(w.text for w in out) == REDACTOR.redact("".join(w.text for w in words))
    assert all(a.end <= b.start for a, b in zip(out, out[1:], strict=False))


def test_a_card_split_over_words_is_one_redacted_word() -> None:
    words = words_of("my card is 4111 1111 1111 1111 thanks")
    out = redact_words(words, REDACTOR)
    assert [w.text for w in out] == [" my", " card", " is", " [CARD]", " thanks"]
    assert (out[3].start, out[3].end) == (3.0, 6.5)


def test_redact_event_covers_every_text_field() -> None:
    final = TranscriptFinal(
        speaker="customer",
        start=0.0,
        end=4.0,
        text="call 555-123-4567",
        confidence=0.9,
        words=words_of("call 555-123-4567"),
    )
    partial = TranscriptPartial(
        speaker="customer", start=0.0, end=1.0, text="mail a@b.com", stable_text="mail a@b.com"
    )
    suggestion = Suggestion(
        id="verify",
        title="Verify",
        prompt="Ask",
        priority=1,
        time=2.0,
        evidence=(Evidence(kind="phrase", detail="card 4111 1111 1111 1111", time=1.0),),
    )
    mood = MoodUpdate(speaker="customer", time=1.0, score=-0.2, trend="steady", uncertain=False)
    summary = CallSummary(
        call="c",
        duration=1.0,
        talk_share={},
        mood_start=None,
        mood_end=None,
        mood_min=None,
        negative_seconds=0.0,
        sentiment_counts={},
    )
    out_final = redact_event(final, REDACTOR)
    assert isinstance(out_final, TranscriptFinal)
    assert out_final.text == "call [PHONE]"
    assert "".join(w.text for w in out_final.words) == " call [PHONE]"
    out_partial = redact_event(partial, REDACTOR)
    assert isinstance(out_partial, TranscriptPartial)
    assert (out_partial.text, out_partial.stable_text) == ("mail [EMAIL]", "mail [EMAIL]")
    out_suggestion = redact_event(suggestion, REDACTOR)
    assert isinstance(out_suggestion, Suggestion)
    assert out_suggestion.evidence[0].detail == "card [CARD]"
    assert redact_event(mood, REDACTOR) is mood
    assert redact_event(summary, REDACTOR) is summary
    assert final.text == "call 555-123-4567"  # the original is untouched


def test_logging_filter_redacts_messages(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test_redact.filter")
    redacting = RedactingFilter(REDACTOR)
    logger.addFilter(redacting)
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("customer said %s", "my card is 4111 1111 1111 1111")
    finally:
        logger.removeFilter(redacting)
    assert caplog.records[-1].getMessage() == "customer said my card is [CARD]"
