import numpy as np
import pytest

from agent_assist.config import Config
from agent_assist.contracts import Utterance
from agent_assist.engine import CallEngine
from agent_assist.events import CallSummary, MoodUpdate, Suggestion, TranscriptFinal
from tests.fakes import KeywordSentiment, RecordingGuidance, ScriptedTranscriber


def utterance(speaker, start, end):
    return Utterance(speaker, start, end, np.zeros(int((end - start) * 16000), dtype=np.float32))


def run(texts, speakers, transcriber=None):
    transcriber = transcriber or ScriptedTranscriber(texts)
    sentiment, guidance = KeywordSentiment(), RecordingGuidance()
    engine = CallEngine(transcriber, sentiment, guidance, Config(), "test-call")
    events = []
    for i, speaker in enumerate(speakers):
        events += engine.on_utterance(utterance(speaker, i * 3.0, i * 3.0 + 2.0))
    events += engine.finish(30.0)
    return events, sentiment, guidance


def test_events_in_order_with_shifted_word_times():
    events, _, _ = run(["hello there", "this is unacceptable"], ["agent", "customer"])
    finals = [e for e in events if isinstance(e, TranscriptFinal)]
    assert [f.speaker for f in finals] == ["agent", "customer"]
    assert finals[1].words[0].start == pytest.approx(3.0)
    assert finals[1].sentiment.label == "negative"
    kinds = [e.type for e in events]
    assert kinds[:2] == ["transcript", "mood"]
    assert kinds[-1] == "summary"


def test_suggestion_from_guidance_reaches_the_output_and_the_summary():
    events, _, guidance = run(["I am angry"], ["customer"])
    assert any(isinstance(e, Suggestion) for e in events)
    assert any(isinstance(e, MoodUpdate) for e in guidance.seen)
    summary = events[-1]
    assert isinstance(summary, CallSummary) and summary.suggestions == ("acknowledge",)


def test_previous_turn_is_the_sentiment_context():
    _, sentiment, _ = run(["how can I help", "it is terrible"], ["agent", "customer"])
    assert sentiment.contexts == [None, "how can I help"]


def test_empty_transcription_emits_nothing():
    events, _, _ = run(["", "fine"], ["customer", "customer"])
    assert sum(isinstance(e, TranscriptFinal) for e in events) == 1


def test_summary_figures():
    texts = ["thank you", "I am angry", "this is unacceptable", "great thanks"]
    events, _, _ = run(texts, ["agent", "customer", "customer", "customer"])
    summary = events[-1]
    assert summary.utterances == 4
    assert summary.talk_share == {"customer": pytest.approx(0.75), "agent": pytest.approx(0.25)}
    assert summary.sentiment_counts == {"negative": 2, "neutral": 0, "positive": 1}
    assert summary.mood_min < 0 and summary.mood_min <= summary.mood_end
    assert summary.negative_seconds > 0


def test_unreliable_transcripts_are_marked():
    events, _, _ = run(
        ["I am angry"], ["customer"], ScriptedTranscriber(["I am angry"], reliable=False)
    )
    final = next(e for e in events if isinstance(e, TranscriptFinal))
    mood = next(e for e in events if isinstance(e, MoodUpdate))
    assert not final.reliable and mood.uncertain


def test_partials_reach_guidance_as_speech_activity():
    from agent_assist.events import TranscriptPartial

    guidance = RecordingGuidance()
    engine = CallEngine(ScriptedTranscriber([]), KeywordSentiment(), guidance, Config(), "c")
    partial = TranscriptPartial("customer", 1.0, 2.0, "I have been", "I have")
    assert engine.on_partial(partial) == [partial]
    assert guidance.seen == [partial]


def test_summary_of_a_call_with_no_customer_speech():
    events, _, _ = run(["hello", "anyone there"], ["agent", "agent"])
    summary = events[-1]
    assert summary.mood_start is None and summary.negative_seconds == 0.0
    assert summary.talk_share["agent"] == 1.0


def test_a_privacy_pause_is_not_silence():
    from agent_assist import paths
    from agent_assist.guidance.engine import GuidanceEngine
    from agent_assist.guidance.playbook import load_playbook

    config = Config()

    def dead_air(pause_ended: bool) -> list[str]:
        guidance = GuidanceEngine(load_playbook(paths.default_playbook()), config.guidance)
        transcriber = ScriptedTranscriber(["hello there"])
        engine = CallEngine(transcriber, KeywordSentiment(), guidance, config)
        engine.on_utterance(utterance("agent", 1.0, 3.0))
        if pause_ended:
            engine.pause_ended(20.0)  # paused from 4 s to 20 s
        fired = engine.tick(24.0)
        return [e.id for e in fired if isinstance(e, Suggestion)]

    assert "dead-air" in dead_air(False), "21 s with no speech and no pause is dead air"
    assert "dead-air" not in dead_air(True), "4 s since the pause ended is not"
