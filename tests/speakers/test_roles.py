"""Role assignment from phrase cues and the fallback rule (real transcripts come in the
integration tests of test_analyze_mono.py)."""

from __future__ import annotations

import pytest

from agent_assist.guidance.text import PhraseSyntaxError
from agent_assist.speakers.roles import RoleCues, clock, decide_roles, find_cues


def test_greeting_makes_the_second_voice_the_agent_with_evidence() -> None:
    lines = [
        (0, 0.5, "Hello?"),
        (1, 2.4, "Thank you for calling Acme, my name is Dana, how can I help you today?"),
        (0, 6.0, "Hi, I'm calling about my bill, it doubled."),
    ]
    decision = decide_roles(lines, {0: 5.0, 1: 4.0})
    assert decision.roles == {0: "customer", 1: "agent"}
    assert decision.rule == "cues"
    assert decision.confident and decision.confidence > 0.9
    assert "agent: greeting 'Thank you for calling' at 0:02" in decision.evidence
    assert "customer: reason for call 'I'm calling about' at 0:06" in decision.evidence


def test_closing_alone_decides() -> None:
    lines = [
        (0, 1.0, "okay so it works now"),
        (1, 70.0, "Is there anything else I can help you with?"),
    ]
    decision = decide_roles(lines, {0: 3.0, 1: 2.0}, first_speaker="agent")
    assert decision.roles == {0: "customer", 1: "agent"}
    assert decision.rule == "cues"


def test_no_cue_falls_back_to_the_rule_and_says_it_is_unsure() -> None:
    lines = [(0, 0.0, "the weather was fine"), (1, 3.0, "yes it was lovely")]
    as_agent = decide_roles(lines, {0: 2.0, 1: 2.0}, first_speaker="agent")
    assert as_agent.roles == {0: "agent", 1: "customer"}
    assert as_agent.rule == "first_speaker" and as_agent.confidence == 0.5
    assert not as_agent.confident
    assert as_agent.evidence[-1] == "no deciding cue: the first voice is taken as the agent"
    as_customer = decide_roles(lines, {0: 2.0, 1: 2.0}, first_speaker="customer")
    assert as_customer.roles == {0: "customer", 1: "agent"}


def test_cues_that_cancel_out_are_a_guess() -> None:
    lines = [(0, 0.0, "thank you for calling"), (1, 2.0, "thank you for calling")]
    decision = decide_roles(lines, {0: 1.0, 1: 1.0})
    assert decision.rule == "first_speaker" and not decision.confident


def test_third_voice_is_other_and_an_automated_prompt_is_not_the_agent() -> None:
    lines = [
        (
            0,
            0.0,
            "Thank you for calling. This call may be recorded for quality and training purposes.",
        ),
        (1, 8.0, "Hi, this is Sam speaking, how may I help you?"),
        (2, 12.0, "Yes I have a problem with my order."),
        (1, 20.0, "Let me check that for you."),
        (2, 30.0, "It never arrived."),
    ]
    decision = decide_roles(lines, {0: 6.0, 1: 10.0, 2: 12.0})
    assert decision.roles == {0: "other", 1: "agent", 2: "customer"}
    assert any(line.startswith("other: automated prompt") for line in decision.evidence)


def test_an_automated_greeting_does_not_make_the_prompt_the_agent() -> None:
    """A phone menu greets ("thank you for calling"); Asterisk's real IVR main prompt, as
    Whisper writes it. The agent who says nothing cue-like is still the first human voice."""
    ivr = (
        "Thank you for calling Super Awesome Company, Waldo's premier provider of perfect "
        "products. To establish a sales partnership, press one. For an operator, press zero."
    )
    lines = [(0, 0.0, ivr), (1, 26.0, "Hello, yes."), (2, 28.0, "Hi there, I wanted to ask.")]
    decision = decide_roles(lines, {0: 25.0, 1: 10.0, 2: 12.0})
    assert decision.roles == {0: "other", 1: "agent", 2: "customer"}
    assert decision.rule == "first_speaker" and not decision.confident
    assert "other: greeting 'Thank you for calling' at 0:00" in decision.evidence


def test_a_prompt_and_one_human_leave_the_prompt_other() -> None:
    lines = [(0, 0.0, "Your call is important to us, press one for sales."), (1, 9.0, "hello?")]
    as_customer = decide_roles(lines, {0: 8.0, 1: 20.0}, first_speaker="customer")
    assert as_customer.roles == {0: "other", 1: "customer"}
    as_agent = decide_roles(lines, {0: 8.0, 1: 20.0}, first_speaker="agent")
    assert as_agent.roles == {0: "other", 1: "agent"}


def test_an_agent_who_introduces_themselves_and_says_press_one_is_still_the_agent() -> None:
    lines = [
        (0, 0.0, "Hi, I'm calling about my card."),
        (1, 3.0, "Thank you for calling, my name is Dana, how can I help you?"),
        (1, 40.0, "I'll send you a code, please press 1 when you have it."),
    ]
    decision = decide_roles(lines, {0: 10.0, 1: 12.0})
    assert decision.roles == {0: "customer", 1: "agent"} and decision.automated == ()
    menu = decide_roles(
        [(2, 0.0, "Thank you for calling, press one for sales."), *lines], {0: 10, 1: 12, 2: 5}
    )
    assert menu.automated == (2,)
    assert menu.roles == {0: "customer", 1: "agent", 2: "other"}


def test_one_speaker_and_no_speaker() -> None:
    one = decide_roles([(0, 0.0, "I would like to cancel my subscription")], {0: 3.0})
    assert one.roles == {0: "customer"} and one.rule == "one speaker"
    agent = decide_roles([(0, 0.0, "thanks for calling, how can I help you")], {0: 3.0})
    assert agent.roles == {0: "agent"}
    menu = decide_roles([(0, 0.0, "Welcome to voicemail. Press 1 for your messages.")], {0: 4.0})
    assert menu.roles == {0: "other"} and menu.automated == (0,)
    none = decide_roles([], {})
    assert none.roles == {} and none.rule == "no speech" and not none.confident


def test_each_cue_kind_counts_once_per_speaker() -> None:
    cues = RoleCues.build()
    lines = [(0, t, "let me check, one moment please") for t in (1.0, 2.0, 3.0)]
    matches = find_cues(lines, cues)
    assert [(m.cue.kind, m.time) for m in matches] == [("hold", 1.0)]


def test_configured_cues_replace_the_defaults_and_bad_phrases_are_named() -> None:
    cues = RoleCues.build(agent={"greeting": ["gday from * support"]}, customer={}, automated={})
    decision = decide_roles([(1, 4.0, "G'day from the support team")], {0: 1.0, 1: 1.0}, cues=cues)
    assert decision.roles[1] == "agent"
    assert decide_roles([(1, 4.0, "thank you for calling")], {0: 1.0, 1: 1.0}, cues=cues).rule == (
        "first_speaker"
    )
    with pytest.raises(PhraseSyntaxError, match="has no words"):
        RoleCues.build(agent={"greeting": ["*"]})


def test_clock() -> None:
    assert clock(2.4) == "0:02"
    assert clock(754.0) == "12:34"


def test_the_speakers_section_reaches_the_settings() -> None:
    from agent_assist.config import Config, ConfigError, from_dict, with_values
    from agent_assist.speakers.mono import mono_settings

    default = mono_settings(Config())
    assert default.diarize.speakers == 2 and default.first_speaker == "agent"
    assert default.min_confidence == 0.7 and default.cues is None
    config = with_values(
        Config(),
        {
            "speakers.count": "auto",
            "speakers.max_speakers": 3,
            "speakers.first_speaker": "customer",
            "speakers.min_role_confidence": 0.95,
            "speakers.agent_phrases": ["welcome aboard"],
            "speakers.customer_phrases": ["where is my parcel"],
        },
    )
    settings = mono_settings(config)
    assert settings.diarize.speakers is None and settings.diarize.max_speakers == 3
    lines = [(1, 3.0, "Welcome aboard, what do you need?"), (0, 5.0, "Where is my parcel?")]
    decision = decide_roles(
        lines,
        {0: 1.0, 1: 1.0},
        cues=settings.cues,
        first_speaker=settings.first_speaker,
        min_confidence=settings.min_confidence,
    )
    assert decision.roles == {0: "customer", 1: "agent"}
    assert decision.evidence == (
        "agent: configured 'Welcome aboard' at 0:03",
        "customer: configured 'Where is my parcel' at 0:05",
    )
    assert decision.confidence == pytest.approx(0.93, abs=0.01)
    assert not decision.confident  # under the configured 0.95
    with pytest.raises(ConfigError, match=r"speakers\.agent_phrases.*has no words"):
        from_dict({"speakers": {"agent_phrases": ["*"]}}, "cfg")
    with pytest.raises(ConfigError, match=r"speakers\.count"):
        from_dict({"speakers": {"count": 0}}, "cfg")
