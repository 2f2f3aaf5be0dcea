from agent_assist.contracts import Guidance
from agent_assist.events import Evidence, TranscriptPartial
from agent_assist.guidance.playbook import MAX_PHRASES
from agent_assist.guidance.text import MAX_GAPS
from tests.factories import cues, final, mood
from tests.fuzz.support import no_hang

from .factory import engine, rule
from .test_call_sequence import asr_style, corpus

PHRASE = {"kind": "phrase", "phrases": ["3rd time i am calling", "called * 3 times"]}


def test_phrase_fires_with_the_words_as_evidence() -> None:
    guide: Guidance = engine(rule("repeat", PHRASE, cooldown_s=60))
    event = final("Um, this is the THIRD time I'm calling about this", 10.0, 14.0)
    [suggestion] = guide.observe(event)
    assert suggestion.id == "repeat"
    assert suggestion.title == "Title of repeat"
    assert suggestion.time == 14.0
    assert suggestion.evidence == (
        Evidence("phrase", "…this is the THIRD time I'm calling about this", 10.0, "customer"),
    )


def test_phrase_is_matched_on_asr_text_without_punctuation_or_case() -> None:
    guide = engine(rule("repeat", PHRASE))
    assert guide.observe(final("ive called you like three times now", 0.0))
    assert not guide.observe(final("i called you once", 5.0))


def test_phrase_rule_listens_only_to_its_speaker() -> None:
    guide = engine(
        rule("customer-says", {"kind": "phrase", "phrases": ["manager"]}),
        rule("agent-says", {"kind": "phrase", "speaker": "agent", "phrases": ["calm down"]}),
        rule("anyone-says", {"kind": "phrase", "speaker": "any", "phrases": ["hello"]}),
    )
    assert ids(guide.observe(final("hello get me your manager", 0.0, speaker="agent"))) == [
        "anyone-says"
    ]
    assert ids(guide.observe(final("hello you need to calm down", 5.0, speaker="agent"))) == [
        "agent-says",
        "anyone-says",
    ]
    assert ids(guide.observe(final("get me your manager", 9.0))) == ["customer-says"]


def ids(suggestions: list) -> list[str]:
    return [s.id for s in suggestions]


def test_utterance_sentiment_level() -> None:
    guide = engine(rule("upset", {"kind": "sentiment", "source": "utterance", "below": -0.6}))
    assert not guide.observe(final("it's fine", 0.0, mood="neutral"))
    assert not guide.observe(final("meh", 3.0, mood="negative", strength=0.6))  # valence -0.4
    [fired] = guide.observe(final("This is a disgrace.", 6.0, 8.0, mood="negative"))
    assert fired.evidence == (
        Evidence("sentiment", "This is a disgrace. (negative, -0.85)", 6.0, "customer"),
    )
    assert not guide.observe(final("Awful!", 20.0, speaker="agent", mood="negative"))


def test_mood_level_and_label() -> None:
    guide = engine(
        rule("low-mood", {"kind": "sentiment", "source": "mood", "below": -0.5}),
        rule("neg-label", {"kind": "sentiment", "source": "mood", "label": "negative"}),
    )
    assert not guide.observe(mood(1.0, -0.1))
    assert ids(guide.observe(mood(2.0, -0.3))) == ["neg-label"]
    fired = guide.observe(mood(3.0, -0.7, "falling"))
    assert ids(fired) == ["low-mood", "neg-label"]
    assert fired[0].evidence == (
        Evidence("mood", "customer mood -0.70 (negative, falling)", 3.0, "customer"),
    )
    # an utterance-level rule does not react to the mood, and vice versa
    assert not guide.observe(final("terrible", 5.0, mood="negative", strength=1.0))


def test_trend_with_optional_level() -> None:
    guide = engine(
        rule("falling", {"kind": "trend", "trend": "falling", "below": -0.1}),
        rule("rising", {"kind": "trend", "trend": "rising", "above": 0.1}),
    )
    assert not guide.observe(mood(1.0, 0.3, "falling"))
    assert not guide.observe(mood(2.0, -0.3, "steady"))
    [fell] = guide.observe(mood(3.0, -0.3, "falling"))
    assert fell.id == "falling" and fell.evidence[0].kind == "trend"
    assert not guide.observe(mood(4.0, 0.05, "rising"))
    assert ids(guide.observe(mood(5.0, 0.4, "rising"))) == ["rising"]
    assert not guide.observe(mood(6.0, -0.6, "falling", speaker="agent"))


def test_repeated_negative_utterances_within_window() -> None:
    guide = engine(rule("again", {"kind": "repeated_negative", "count": 3, "window_s": 60}))
    assert not guide.observe(final("this is bad", 0.0, mood="negative"))
    assert not guide.observe(final("okay", 10.0, mood="neutral"))
    assert not guide.observe(final("still bad", 20.0, mood="negative"))
    assert not guide.observe(final("bad", 30.0, speaker="agent", mood="negative"))
    [fired] = guide.observe(final("and it is worse", 40.0, mood="negative"))
    assert [e.detail for e in fired.evidence] == ["this is bad", "still bad", "and it is worse"]
    assert [e.time for e in fired.evidence] == [0.0, 20.0, 40.0]
    assert {e.kind for e in fired.evidence} == {"repeated_negative"}


def test_repeated_negative_forgets_old_utterances_and_needs_a_negative_now() -> None:
    guide = engine(rule("again", {"kind": "repeated_negative", "count": 2, "window_s": 30}))
    assert not guide.observe(final("bad", 0.0, mood="negative"))
    assert not guide.observe(final("bad again", 40.0, mood="negative"))  # first is 37 s before
    assert not guide.observe(final("fine", 45.0, mood="neutral"))
    assert guide.observe(final("bad yet again", 50.0, mood="negative"))


def test_silence_fires_on_tick_once_anyone_spoke() -> None:
    guide = engine(rule("quiet", {"kind": "silence", "after_s": 10}, cooldown_s=30))
    assert not guide.tick(20.0)  # nobody has spoken yet
    guide.observe(final("hello", 20.0, 22.0, speaker="agent"))
    assert not guide.tick(31.9)
    [fired] = guide.tick(32.5)
    assert fired.time == 32.5
    assert fired.evidence == (Evidence("silence", "no speech for 10 s", 32.5, None),)
    assert not guide.tick(40.0)  # cooldown
    assert guide.tick(62.5)  # still silent, cooldown over


def test_speech_in_progress_is_not_silence() -> None:
    guide = engine(rule("quiet", {"kind": "silence", "after_s": 10}))
    guide.observe(final("hello", 0.0, 2.0))
    guide.observe(TranscriptPartial("customer", 5.0, 11.0, "so the thing is"))
    assert not guide.tick(15.0)
    guide.mark_speech(20.0)
    assert not guide.tick(25.0)
    assert guide.tick(30.5)


def test_hold_is_started_by_agent_phrase_and_ended_by_the_agent_speaking_again() -> None:
    guide = engine(
        rule("hold-check", {"kind": "silence", "after_s": 45, "during": "hold"}),
        rule("dead-air", {"kind": "silence", "after_s": 10, "during": "not_hold"}),
        hold_phrases=("put * on hold", "one moment"),
    )
    guide.observe(final("Let me put you on hold for a moment", 0.0, 3.0, speaker="agent"))
    guide.observe(final("okay", 4.0, 5.0))
    assert not guide.tick(20.0)  # on hold: no dead-air
    [fired] = guide.tick(50.5)
    assert fired.id == "hold-check"
    assert fired.evidence == (
        Evidence("hold", "on hold (put you on hold), no speech for 46 s", 50.5, None),
    )
    guide.observe(final("Thanks for holding", 60.0, 62.0, speaker="agent"))
    assert ids(guide.tick(73.0)) == ["dead-air"]


def test_agent_talk_share_over_a_window() -> None:
    share = {"kind": "talk_share", "above": 0.7, "window_s": 60, "min_speech_s": 20}
    guide = engine(rule("talky", share))
    assert not guide.observe(final("long explanation", 0.0, 15.0, speaker="agent"))  # < 20 s
    assert not guide.observe(final("ok", 16.0, 20.0))
    [fired] = guide.observe(final("more explanation", 21.0, 40.0, speaker="agent"))
    assert fired.evidence == (
        Evidence("talk_share", "agent talked 89% of the last 60 s", 40.0, "agent"),
    )
    guide2 = engine(rule("talky", share))
    guide2.observe(final("long explanation", 0.0, 15.0, speaker="agent"))
    guide2.observe(final("a long story of my own", 16.0, 30.0))
    assert not guide2.observe(final("more explanation", 31.0, 40.0, speaker="agent"))


def test_speaking_rate_talk_over_and_loudness_from_voice_cues() -> None:
    guide = engine(
        rule("fast", {"kind": "speaking_rate", "above": 190}),
        rule("over", {"kind": "talk_over", "min_s": 3, "window_s": 30}),
        rule("loud", {"kind": "loudness", "above_db": 6}),
    )
    assert not guide.observe(cues(1.0, words_per_minute=170.0))
    [fast] = guide.observe(cues(2.0, words_per_minute=212.0))
    assert fast.evidence == (Evidence("speaking_rate", "agent at 212 words/min", 2.0, "agent"),)
    assert not guide.observe(cues(3.0, talk_over_s=1.5))
    assert not guide.observe(cues(4.0, speaker="customer", talk_over_s=4.0))
    [over] = guide.observe(cues(10.0, talk_over_s=2.0))
    assert over.evidence == (
        Evidence("talk_over", "agent talked over for 3.5 s in 30 s", 10.0, "agent"),
    )
    assert not guide.observe(cues(50.0, talk_over_s=2.0))  # the earlier 3.5 s is out of window
    assert not guide.observe(cues(51.0, speaker="customer", loudness_vs_baseline_db=4.0))
    assert not guide.observe(cues(52.0, speaker="agent", loudness_vs_baseline_db=9.0))
    [loud] = guide.observe(cues(53.0, speaker="customer", loudness_vs_baseline_db=8.5))
    assert loud.evidence == (
        Evidence("loudness", "customer +8.5 dB above usual", 53.0, "customer"),
    )


def test_cooldown_is_per_rule_and_uses_event_time() -> None:
    guide = engine(
        rule("a", {"kind": "phrase", "phrases": ["refund"]}, cooldown_s=60),
        rule("b", {"kind": "phrase", "phrases": ["refund"]}, cooldown_s=10),
    )
    assert ids(guide.observe(final("refund", 0.0, 1.0))) == ["a", "b"]
    assert ids(guide.observe(final("refund", 5.0, 6.0))) == []
    assert ids(guide.observe(final("refund", 11.0, 12.0))) == ["b"]
    assert ids(guide.observe(final("refund", 19.0, 20.0))) == []
    assert ids(guide.observe(final("refund", 60.0, 61.0))) == ["a", "b"]
    guide.reset()
    assert ids(guide.observe(final("refund", 0.0, 1.0))) == ["a", "b"]


def test_suggestions_come_most_urgent_first_ties_in_file_order() -> None:
    trigger = {"kind": "phrase", "phrases": ["manager"]}
    guide = engine(
        rule("low", trigger, priority=10),
        rule("tie-1", trigger, priority=50),
        rule("high", trigger, priority=90),
        rule("tie-2", trigger, priority=50),
    )
    fired = guide.observe(final("get me a manager", 0.0))
    assert ids(fired) == ["high", "tie-1", "tie-2", "low"]
    assert [s.priority for s in fired] == [90, 50, 50, 10]


def test_disabled_rule_never_fires() -> None:
    guide = engine(rule("off", {"kind": "phrase", "phrases": ["refund"]}, enabled=False))
    assert not guide.observe(final("refund", 0.0))


UPSET = {"kind": "sentiment", "below": -0.5}


def test_unreliable_utterance_triggers_nothing() -> None:
    rules = (
        rule("phrase", {"kind": "phrase", "phrases": ["lawyer"]}),
        rule("upset", UPSET),
        rule("again", {"kind": "repeated_negative", "count": 2, "window_s": 60}),
    )
    guide = engine(*rules, min_confidence=0.5)
    angry = "I am calling my lawyer"
    assert not guide.observe(final(angry, 0.0, mood="negative", reliable=False))
    assert not guide.observe(final(angry, 5.0, mood="negative", confidence=0.3))
    # neither unreliable utterance counted as a complaint
    assert ids(guide.observe(final(angry, 10.0, mood="negative"))) == ["phrase", "upset"]
    assert "again" in ids(guide.observe(final("still angry", 20.0, mood="negative")))


def test_uncertain_mood_triggers_no_mood_rule() -> None:
    guide = engine(
        rule("low", {"kind": "sentiment", "below": -0.5}),
        rule("fall", {"kind": "trend", "trend": "falling"}),
    )
    assert not guide.observe(mood(1.0, -0.9, "falling", uncertain=True))
    assert ids(guide.observe(mood(2.0, -0.9, "falling"))) == ["low", "fall"]


def test_disabled_guidance_fires_nothing_but_keeps_track() -> None:
    guide = engine(
        rule("again", {"kind": "repeated_negative", "count": 2, "window_s": 60}), enabled=False
    )
    assert not guide.observe(final("bad", 0.0, mood="negative"))
    assert not guide.observe(final("bad", 5.0, mood="negative"))
    guide.config = guide.config.model_copy(update={"enabled": True})  # the config is immutable
    assert guide.observe(final("bad", 10.0, mood="negative"))


def test_sensitivity_scales_thresholds() -> None:
    rules = (
        rule("upset", {"kind": "sentiment", "source": "utterance", "below": -0.6}),
        rule("quiet", {"kind": "silence", "after_s": 20}),
        rule("again", {"kind": "repeated_negative", "count": 4, "window_s": 60}),
        rule("fast", {"kind": "speaking_rate", "above": 190}),
    )
    mild = final("not great", 0.0, 2.0, mood="negative", strength=0.7)  # valence -0.55

    normal = engine(*rules)
    assert not normal.observe(mild)
    assert not normal.tick(15.0)
    assert not normal.observe(final("meh", 16.0, 17.0, mood="negative", strength=0.7))
    assert not normal.observe(cues(18.0, words_per_minute=175.0))

    keen = engine(*rules, sensitivity=2.0)  # -0.3, 10 s, 2 utterances, 170 wpm
    assert ids(keen.observe(mild)) == ["upset"]
    assert ids(keen.tick(15.0)) == ["quiet"]
    assert "again" in ids(keen.observe(final("meh", 16.0, 17.0, mood="negative", strength=0.7)))
    assert ids(keen.observe(cues(18.0, words_per_minute=175.0))) == ["fast"]

    calm = engine(*rules, sensitivity=0.5)  # -1.2 (never), 40 s, 8 utterances, 230 wpm
    assert not calm.observe(final("awful", 0.0, 2.0, mood="negative", strength=1.0))
    assert not calm.tick(30.0)
    assert calm.tick(43.0)
    assert not calm.observe(cues(44.0, words_per_minute=220.0))


def test_debug_log_holds_no_transcript_text(caplog) -> None:
    guide = engine(
        rule("legal", {"kind": "phrase", "phrases": ["lawyer"]}),
        rule("upset", UPSET),
        hold_phrases=("put * on hold",),
    )
    with caplog.at_level("DEBUG", logger="agent_assist.guidance"):
        guide.observe(final("zanzibar calling my lawyer zanzibar", 0.0, mood="negative"))
        guide.observe(final("zanzibar lawyer", 9.0, reliable=False))
        guide.observe(final("zanzibar put you on hold", 12.0, speaker="agent"))
        guide.tick(100.0)
    assert "legal" in caplog.text
    assert "zanzibar" not in caplog.text.lower()


def test_a_playbook_at_the_phrase_bounds_runs_on_a_long_real_call() -> None:
    """A rule with the most phrases, each with the most gaps, on a long real monologue: the
    rule fires on the one phrase that matches and names the customer's words."""
    common = "i|the|to|and|my|a|on"
    missing = [" * ".join([common] * (MAX_GAPS + 1)) + f" z{n}" for n in range(MAX_PHRASES - 1)]
    gapped = {"kind": "phrase", "phrases": [*missing, "i " + "* " * MAX_GAPS + "refund"]}
    guide = engine(rule("refund", gapped))
    lines = [asr_style(text) for _, _, text in corpus().values()]
    without_refund = [line for line in lines if "refund" not in line]
    with no_hang():
        assert guide.observe(final(" ".join(without_refund * 20), 0.0, 600.0)) == []
        [suggestion] = guide.observe(final(" ".join(lines * 20), 600.0, 1200.0))
    assert suggestion.evidence[0].detail == "…waiting on you i want my refund and i'd like…"
