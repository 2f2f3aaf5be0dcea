import pytest

from agent_assist.guidance.text import PhraseSyntaxError, compile_phrase, normalize


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
