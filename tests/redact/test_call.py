"""CallRedactor: a number read out in pieces over several utterances, decided as each arrives."""

from __future__ import annotations

from agent_assist.events import Speaker, TranscriptFinal, TranscriptPartial
from agent_assist.redact import CallRedactor, Redactor, redact_event
from tests.factories import final


def run(call: CallRedactor, script: list[tuple[Speaker, float, str]]) -> list[str]:
    out = []
    for speaker, start, text in script:
        said = final(text, start, start + 1.0, speaker, mood=None, timed=True)
        event = redact_event(said, call)
        assert isinstance(event, TranscriptFinal)
        assert "".join(w.text for w in event.words).strip() == event.text.strip()
        out.append(event.text)
    return out


def test_a_card_read_in_four_chunks_after_the_agent_asks_is_redacted() -> None:
    texts = run(
        Redactor().for_call(),
        [
            ("agent", 0.0, "Can I have the long number on your card?"),
            ("customer", 3.0, "Sure, it's"),
            ("customer", 4.5, "4111"),
            ("customer", 6.0, "1111,"),
            ("customer", 7.5, "1111."),
            ("customer", 9.0, "1111"),
        ],
    )
    assert texts[2:] == ["[NUMBER]", "[NUMBER],", "[NUMBER].", "[NUMBER]"]


def test_chunks_without_any_context_are_redacted_as_bare_numbers() -> None:
    texts = run(
        Redactor().for_call(),
        [("customer", 0.0, "4111"), ("customer", 2.0, "1111"), ("customer", 4.0, "and 11 11")],
    )
    assert texts == ["[NUMBER]", "[NUMBER]", "and [NUMBER]"]


def test_a_phone_number_in_pieces_after_call_me_back_on() -> None:
    texts = run(
        Redactor().for_call(),
        [
            ("customer", 0.0, "You can call me back on"),
            ("customer", 2.0, "four one five"),
            ("customer", 3.5, "five five five"),
            ("customer", 5.0, "oh one thirty two"),
        ],
    )
    assert texts[1:] == ["[NUMBER]", "[NUMBER]", "[NUMBER]"]


def test_a_redacted_number_arms_only_its_own_speaker() -> None:
    texts = run(
        Redactor().for_call(),
        [
            ("customer", 0.0, "it is 415 555 0132"),
            ("agent", 2.0, "I see 12 open tickets"),
            ("customer", 4.0, "and extension 12"),
        ],
    )
    assert texts == ["it is [PHONE]", "I see 12 open tickets", "and extension [NUMBER]"]


def test_the_context_lapses_after_a_while_and_money_and_times_stay() -> None:
    texts = run(
        Redactor().for_call(),
        [
            ("customer", 0.0, "my account is 98765432"),
            ("customer", 2.0, "it was $1,200 at 10:30 after 45 minutes on hold"),
            ("customer", 200.0, "I called 12 more"),
        ],
    )
    assert texts == [
        "my account is [NUMBER]",
        "it was $1,200 at 10:30 after 45 minutes on hold",
        "I called 12 more",
    ]


def test_each_call_starts_afresh() -> None:
    redactor = Redactor()
    first = run(redactor.for_call(), [("customer", 0.0, "my card number is 4111 1111")])
    second = run(redactor.for_call(), [("customer", 1.0, "I waited 45 minutes")])
    assert first == ["my card number is [NUMBER]"]
    assert second == ["I waited 45 minutes"]


def test_partials_are_redacted_in_context_too() -> None:
    call = Redactor().for_call()
    run(call, [("customer", 0.0, "my card number is")])
    partial = TranscriptPartial(speaker="customer", start=2.0, end=2.5, text="4111", stable_text="")
    out = call.event(partial)
    assert isinstance(out, TranscriptPartial) and out.text == "[NUMBER]"


def test_keep_patterns_hold_in_context() -> None:
    texts = run(
        Redactor([r"ORD-\d+"]).for_call(),
        [("customer", 0.0, "the order number is ORD-1234 and my card 4111")],
    )
    assert texts == ["the order number is ORD-1234 and my card [NUMBER]"]
