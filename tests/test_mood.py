import pytest

from agent_assist.config import MoodConfig
from agent_assist.mood import MoodTracker, mood_label, utterance_weight
from tests import factories

NEG = factories.sentiment("negative", 0.9)
POS = factories.sentiment("positive", 0.9)
TEXT = "one two three four five six seven eight"


def final(t, sentiment, confidence=0.9, reliable=True, text=TEXT, speaker="customer"):
    return factories.final(
        text, t, t + 1, speaker, sentiment, confidence=confidence, reliable=reliable
    )


def test_negative_turns_pull_the_score_down_and_trend_falls():
    tracker = MoodTracker(MoodConfig())
    updates = [tracker.update(final(t, NEG)) for t in range(0, 10, 2)]
    scores = [u.score for u in updates]
    assert all(b < a for a, b in zip(scores, scores[1:], strict=False))
    assert -1.0 <= scores[-1] < -0.5
    assert updates[-1].label == "negative"
    assert updates[-1].trend == "falling"


def test_recovery_rises():
    tracker = MoodTracker(MoodConfig())
    for t in range(0, 6, 2):
        tracker.update(final(t, NEG))
    ups = [tracker.update(final(t, POS)) for t in range(6, 14, 2)]
    assert ups[-1].trend == "rising"
    assert ups[-1].score > ups[0].score


def test_unreliable_transcript_does_not_move_the_mood():
    tracker = MoodTracker(MoodConfig())
    first = tracker.update(final(0, POS))
    second = tracker.update(final(2, NEG, reliable=False))
    assert second.score == first.score and second.uncertain
    third = tracker.update(final(4, NEG, confidence=0.2))
    assert third.score == first.score and third.uncertain


def test_short_and_low_confidence_turns_weigh_less():
    assert utterance_weight("no", 0.9, 0.35) < utterance_weight(TEXT, 0.9, 0.35)
    assert utterance_weight(TEXT, 0.5, 0.35) < utterance_weight(TEXT, 0.9, 0.35)


def test_speakers_are_tracked_separately():
    tracker = MoodTracker(MoodConfig())
    tracker.update(final(0, NEG))
    agent = tracker.update(final(1, POS, speaker="agent"))
    assert agent.score > 0 > tracker.score("customer")


def test_no_sentiment_gives_no_update():
    assert MoodTracker(MoodConfig()).update(final(0, None)) is None


@pytest.mark.parametrize(
    ("score", "label"), [(-0.6, "negative"), (0.0, "neutral"), (0.5, "positive")]
)
def test_labels(score, label):
    assert mood_label(score, -0.25) == label
