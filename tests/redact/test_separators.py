"""Whisper's ways of writing a number read out: every separator, tens words, glued currency."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from agent_assist.redact import Redactor, luhn_valid

REDACTOR = Redactor()
SEPARATORS = [" ", ",", ", ", " , ", "-", " - ", "\u2011", "\u2010", "\u2013", "\u2014", "\u2212"]
SEPARATORS += ["/", " / ", "_", ".", "\u00a0"]


def luhn_complete(body: str) -> str:
    return next(body + check for check in "0123456789" if luhn_valid(body + check))


cards = st.integers(12, 18).flatmap(
    lambda n: (
        st.text("0123456789", min_size=n, max_size=n)
        .filter(lambda body: body[0] != "0")
        .map(luhn_complete)
    )
)
us_phones = st.tuples(st.integers(200, 999), st.integers(200, 999), st.integers(0, 9999)).map(
    lambda p: f"{p[0]}{p[1]}{p[2]:04d}"
)
ssns = st.tuples(st.integers(1, 665), st.integers(1, 99), st.integers(1, 9999)).map(
    lambda p: f"{p[0]:03d}{p[1]:02d}{p[2]:04d}"
)


@st.composite
def written(draw: st.DrawFn, digits: str) -> str:
    """``digits`` in groups of 1 to 4, each gap any separator Whisper writes."""
    parts, i = [], 0
    while i < len(digits):
        size = draw(st.integers(1, 4))
        parts.append(digits[i : i + size])
        i += size
    text = parts[0]
    for part in parts[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + part
    return text


before = st.sampled_from(["", "my card is ", "it's ", "call me back on ", "number: "])
after = st.sampled_from(["", ".", " thanks", ", okay?", " please."])


def assert_no_digits_left(text: str, out: str) -> None:
    assert not any(ch.isdigit() for ch in out), (text, out)
    assert "[" in out, (text, out)


@given(cards.flatmap(written), before, after)
def test_a_card_with_any_separators_leaves_no_digit(card: str, pre: str, post: str) -> None:
    text = pre + card + post
    assert_no_digits_left(text, REDACTOR.redact(text))


@given(us_phones.flatmap(written), before, after)
def test_a_phone_number_with_any_separators_leaves_no_digit(
    phone: str, pre: str, post: str
) -> None:
    text = pre + phone + post
    assert_no_digits_left(text, REDACTOR.redact(text))


@given(ssns.flatmap(written), after)
def test_an_ssn_with_any_separators_leaves_no_digit(ssn: str, post: str) -> None:
    text = "my social security number is " + ssn + post
    assert_no_digits_left(text, REDACTOR.redact(text))


@given(cards, st.sampled_from(["$", "€", "£", "USD", "usd ", "EUR", "US$"]))
def test_a_currency_sign_or_word_glued_to_a_card_does_not_hide_it(card: str, sign: str) -> None:
    out = REDACTOR.redact(f"charge {sign}{card} now")
    assert out == f"charge {sign}[CARD] now"


amounts = st.integers(0, 999_999_999).map(lambda n: f"{n:,}") | st.integers(0, 9_999_999).map(str)
cents = st.sampled_from(["", ".50", ".99", ".05"])


@given(amounts, cents, cards)
@example("0", "", "1112012000008")  # libphonenumber also reads these 13 digits as a phone number
def test_money_is_kept_next_to_a_card(amount: str, cent: str, card: str) -> None:
    paid = f"I paid ${amount}{cent} and {amount}{cent} dollars"
    assert REDACTOR.redact(f"{paid} with card {card}.") == f"{paid} with card [CARD]."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, 2, 3, 4, 5, 6, 7, 8, 9", "[NUMBER]"),
        ("415,555,0132", "[PHONE]"),
        ("4111, 1111, 1111, 1111", "[CARD]"),
        ("4,111,111,111,111,111", "[CARD]"),
        ("My card number is 4,111,111,111,111,111.", "My card number is [CARD]."),
        ("4111\u20111111\u20111111\u20111111", "[CARD]"),
        ("call 415\u2011555\u20110132", "call [PHONE]"),
        ("415\u2013555\u20130132", "[PHONE]"),
        ("4111/1111/1111/1111", "[CARD]"),
        ("4111_1111_1111_1111", "[CARD]"),
        ("five five five twelve thirty four", "[PHONE]"),
        ("My phone number is 5, 5, 5, 12, 34.", "My phone number is [PHONE]."),
        ("it's four one five, five five five, oh one thirty two", "it's [PHONE]"),
        ("twenty-one forty-five sixty-seven eighty-nine", "[NUMBER]"),
        ("my iban is gb82 west 1234 5698 7654 32", "my iban is [IBAN]"),
        ("IBAN gb82west12345698765432.", "IBAN [IBAN]."),
        ("GB82, WEST, 1234, 5698, 7654, 32.", "[IBAN]."),
        ("$4111111111111111", "$[CARD]"),
        ("USD4111111111111111", "USD[CARD]"),
        ("4111111111111111 dollars", "[CARD] dollars"),
        ("$4,111,111,111,111,111", "$[CARD]"),
        ("call 415-555-0132 ext. 12 today", "call [PHONE] today"),
    ],
)
def test_whisper_number_formats_are_redacted(text: str, expected: str) -> None:
    assert REDACTOR.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "it costs $1,200, or $1,200.50 with tax, or 1,200 dollars cash",
        "we open at 10:30 and close at 17:45:00",
        "on 12/25/2024, 2024-01-15, 2024\u201101\u201115 and 25.12.2024",
        "in 2019, 2020 and 2021",
        "between 2010-2014 and 2020\u201325",
        "I called twenty times over three days",
        "1,200 people, 15% more, 3 items",
    ],
)
def test_money_times_dates_and_counts_are_kept(text: str) -> None:
    assert REDACTOR.redact(text) == text


@pytest.mark.slow
def test_a_long_text_full_of_amounts_dates_and_numbers_does_not_stall() -> None:
    """Every span check is O(log n): 20 000 money amounts, times and dates stay linear."""
    code = (
        "from agent_assist.redact import Redactor\n"
        "text = '$5 and 12 at 10:30 on 1/2/2020, 3/4/2021 with 4111 1111 1111 1111. ' * 20000\n"
        "out = Redactor().redact(text)\n"
        "print(out.count('[CARD]'), '4111' in out)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=True
    )
    assert result.stdout.split() == ["20000", "False"]
