"""core.CallSession on fake models: feeding, release order, ticks, voice cues, the seams."""

from __future__ import annotations

import numpy as np
import pytest

from agent_assist.config import Config
from agent_assist.contracts import SAMPLE_RATE, Transcription, Utterance
from agent_assist.core import CallSession, policy_for
from agent_assist.events import (
    CallSummary,
    MoodUpdate,
    Speaker,
    TranscriptFinal,
    VoiceCues,
    Word,
)
from tests.live.helpers import (
    Collector,
    GrowingTranscriber,
    ManualClock,
    OrderedGuidance,
    fake_models,
    fast_config,
    speech_pattern,
)


def two_roles() -> dict[Speaker, np.ndarray]:
    agent = speech_pattern(("-", 0.5), ("s", 1.0), ("-", 3.0), ("s", 1.2), ("-", 2.3))
    customer = speech_pattern(("-", 1.8), ("s", 1.5), ("-", 1.0), ("s", 2.0), ("-", 1.7))
    return {"agent": agent, "customer": customer}


def run_file(
    tracks: dict[Speaker, np.ndarray], block_s: float, config: Config | None = None
) -> tuple[Collector, CallSession, CallSummary]:
    config = config or fast_config()
    events = Collector()
    session = CallSession(
        fake_models(), config, policy_for(config, live=False), events, roles=list(tracks)
    )
    guidance = OrderedGuidance()
    session.engine.guidance = guidance
    step = int(block_s * SAMPLE_RATE)
    length = max(len(a) for a in tracks.values())
    for begin in range(0, length, step):
        for role, audio in tracks.items():
            session.feed(role, audio[begin : begin + step])
    summary = session.finish()
    return events, session, summary


def finals(events: Collector) -> list[tuple[str, float, float, str]]:
    return [(f.speaker, f.start, f.end, f.text) for f in events.of(TranscriptFinal)]


def test_a_two_role_file_comes_out_in_start_order_with_the_summary_last() -> None:
    events, _, summary = run_file(two_roles(), 0.1)
    found = finals(events)
    assert [f[0] for f in found] == ["agent", "customer", "customer", "agent"]
    assert [f[1] for f in found] == sorted(f[1] for f in found)
    assert all(text for *_, text in found)
    assert len(events.of(MoodUpdate)) == 4
    assert events.events[-1] is summary and summary.utterances == 4


def test_the_result_does_not_depend_on_how_the_audio_is_cut_into_blocks() -> None:
    tracks = two_roles()
    runs = [finals(run_file(tracks, block_s)[0]) for block_s in (0.032, 0.1, 1.0, 20.0)]
    assert all(run == runs[0] for run in runs)


def test_guidance_ticks_every_half_second_and_never_ahead_of_unscored_speech() -> None:
    _, session, summary = run_file(two_roles(), 0.1)
    guidance = session.engine.guidance
    assert isinstance(guidance, OrderedGuidance)
    ticks = [t for kind, t in guidance.log if kind == "tick"]
    assert ticks == sorted(ticks) and ticks[-1] == pytest.approx(summary.duration)
    assert all(t == pytest.approx(0.5 * round(t / 0.5)) for t in ticks[:-1])
    assert len(ticks) >= summary.duration / 0.5 - 1
    for index, (kind, start) in enumerate(guidance.log):
        if kind == "final":  # no tick past this utterance's start came before it
            assert all(t <= start for k, t in guidance.log[:index] if k == "tick")


def test_voice_cues_need_each_speaker_on_a_channel_of_their_own() -> None:
    two, _, _ = run_file(two_roles(), 0.1)
    assert {c.speaker for c in two.of(VoiceCues)} == {"agent", "customer"}
    one, _, _ = run_file({"customer": two_roles()["customer"]}, 0.1)
    assert one.of(TranscriptFinal) and not one.of(VoiceCues)
    config = fast_config()
    config = config.model_copy(
        update={"privacy": config.privacy.model_copy(update={"voice_cues": False})}
    )
    off, _, _ = run_file(two_roles(), 0.1, config)
    assert off.of(TranscriptFinal) and not off.of(VoiceCues)


def cut(speaker: Speaker, start: float, seconds: float) -> Utterance:
    audio = speech_pattern(("s", seconds))
    return Utterance(speaker, start, start + seconds, audio, speech_end=start + seconds)


def said(text: str) -> Transcription:
    words = tuple(Word(0.3 * i, 0.3 * i + 0.25, w, 0.9) for i, w in enumerate(text.split()))
    return Transcription(text, words, 0.9, 0.01, -0.2, 1.2, True)


def test_a_driver_that_cuts_turns_itself_gets_the_same_scoring() -> None:
    """The seam for a diarizer: labelled utterances in start order, with or without text."""
    config = fast_config()
    events = Collector()
    session = CallSession(  # the roles are the call's speakers: no audio is fed for them
        fake_models(), config, policy_for(config, live=False), events, roles=["agent", "customer"]
    )
    session.add_utterance(cut("agent", 0.5, 1.0), said("how can I help"))
    session.add_utterance(cut("customer", 2.0, 1.5), said("this is unacceptable"))
    session.add_utterance(cut("agent", 4.0, 1.0))  # transcribed by the session
    summary = session.finish()
    found = finals(events)
    assert [(s, t) for s, _, _, t in found] == [
        ("agent", "how can I help"),
        ("customer", "this is unacceptable"),
        ("agent", "hello I am calling"),
    ]
    [customer] = [f for f in events.of(TranscriptFinal) if f.speaker == "customer"]
    assert customer.sentiment is not None and customer.sentiment.label == "negative"
    assert customer.words[0].start == pytest.approx(2.0)
    assert {c.speaker for c in events.of(VoiceCues)} == {"agent", "customer"}
    assert summary.utterances == 3 and events.events[-1] is summary


def test_a_driver_may_hand_in_the_same_utterances_the_segmenters_would_cut() -> None:
    tracks = two_roles()
    events, _, _ = run_file(tracks, 0.1)
    config = fast_config()
    again = Collector()
    roles = list(tracks)
    session = CallSession(fake_models(), config, policy_for(config, live=False), again, roles=roles)
    for final in events.of(TranscriptFinal):
        audio = tracks[final.speaker][int(final.start * SAMPLE_RATE) : int(final.end * SAMPLE_RATE)]
        session.add_utterance(Utterance(final.speaker, final.start, final.end, audio))
    session.finish()
    assert [(s, t) for s, _, _, t in finals(again)] == [(s, t) for s, _, _, t in finals(events)]


def test_the_live_policy_needs_a_clock() -> None:
    config = fast_config()
    with pytest.raises(ValueError, match="clock"):
        CallSession(fake_models(), config, policy_for(config, live=True), Collector(), roles=[])


def live_session(config: Config, clock: ManualClock) -> tuple[CallSession, Collector]:
    events = Collector()
    session = CallSession(
        fake_models(GrowingTranscriber(clock=clock, cost=0.05)),
        config,
        policy_for(config, live=True),
        events,
        roles=["customer"],
        clock=clock,
    )
    return session, events


def feed_live(session: CallSession, clock: ManualClock, audio: np.ndarray, at: float) -> None:
    step = int(0.05 * SAMPLE_RATE)
    for begin in range(0, len(audio), step):
        block = audio[begin : begin + step]
        at += len(block) / SAMPLE_RATE
        clock.at_least(at)
        session.feed("customer", block, at)


def test_live_a_late_block_is_a_gap_and_discarded_speech_is_never_transcribed() -> None:
    clock = ManualClock()
    config = fast_config()
    session, events = live_session(config, clock)
    feed_live(session, clock, speech_pattern(("-", 0.5), ("s", 1.0), ("-", 1.0)), 0.0)
    assert len(events.of(TranscriptFinal)) == 1
    feed_live(session, clock, speech_pattern(("s", 1.0)), 10.0)  # 7.5 s later than its samples
    assert session.speech.stats.restarts == 1
    session.discard("customer")
    feed_live(session, clock, speech_pattern(("-", 1.0)), 12.0)
    session.finish()
    assert len(events.of(TranscriptFinal)) == 1


def test_a_pause_that_ends_restarts_the_guidance_silence_clock() -> None:
    clock = ManualClock()
    session, _ = live_session(fast_config(), clock)
    guidance = OrderedGuidance()
    session.engine.guidance = guidance
    session.pause_ended(42.0)
    assert guidance.resumed == [42.0]
