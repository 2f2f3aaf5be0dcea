"""LiveRunner on its worker thread with fake sources: waits on events, never on sleeps."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from agent_assist.config import AsrConfig, SentimentConfig
from agent_assist.contracts import SAMPLE_RATE, Transcription
from agent_assist.core.models import ModelCache, Speech
from agent_assist.errors import DeviceError
from agent_assist.events import Latency, TranscriptFinal, TranscriptPartial
from agent_assist.live import FileReplayRunner, LiveRunner, RunnerStats
from agent_assist.live import runners as live
from tests.fakes import KeywordSentiment
from tests.live.helpers import (
    Collector,
    EnergyVad,
    FakeSource,
    GrowingTranscriber,
    fake_models,
    fast_config,
    speech_pattern,
)

UTTERANCE = speech_pattern(("-", 0.5), ("s", 1.5), ("-", 1.0))


def finals(events: Collector, role: str) -> list[TranscriptFinal]:
    return [f for f in events.of(TranscriptFinal) if f.speaker == role]


def start(sources: list[FakeSource], **audio: object) -> tuple[LiveRunner, Collector]:
    events = Collector()
    runner = LiveRunner(fast_config(**audio), events, models=fake_models(), sources=sources)
    runner.start()
    roles = {source.role for source in sources}
    events.wait_for(lambda ev: roles <= {s.role for s in events.statuses("listening")})
    return runner, events


def test_two_roles_at_device_rates_give_captions_transcripts_and_latency() -> None:
    customer = FakeSource("customer", rate=48_000, channels=2)
    agent = FakeSource("agent", rate=44_100)
    runner, events = start([customer, agent])
    try:
        now = time.monotonic()
        customer.push(speech_pattern(("-", 0.5), ("s", 1.5), rate=48_000), now)
        agent.push(speech_pattern(("-", 0.2), ("s", 1.0), rate=44_100), now)
        # drafts decode on their own thread: pausing in the same burst would end the utterance
        events.wait_for(
            lambda ev: any(p.speaker == "customer" for p in events.of(TranscriptPartial))
        )
        now = time.monotonic()
        customer.push(speech_pattern(("-", 1.0), rate=48_000), now)
        agent.push(speech_pattern(("-", 1.0), rate=44_100), now)
        events.wait_for(lambda ev: finals(events, "customer") and finals(events, "agent"))
    finally:
        runner.stop()
    customer_final = finals(events, "customer")[0]
    assert 0.3 < customer_final.end - customer_final.start < 2.5
    assert customer_final.sentiment is not None
    assert any(p.speaker == "customer" for p in events.of(TranscriptPartial))
    assert {latency.speaker for latency in events.of(Latency)} == {"customer", "agent"}
    assert events.statuses("stopped")


class StuckDrafts(GrowingTranscriber):
    """Caption drafts that do not finish until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()

    def transcribe(self, audio: np.ndarray) -> Transcription:
        self.started.set()
        assert self.release.wait(20), "draft never released"
        return super().transcribe(audio)


def test_the_final_does_not_wait_for_a_caption_draft_and_the_draft_is_not_shown_after_it() -> None:
    models = fake_models()
    drafts = StuckDrafts()
    models.partial_transcriber = drafts
    events = Collector()
    customer = FakeSource("customer")
    runner = LiveRunner(fast_config(), events, models=models, sources=[customer])
    runner.start()
    try:
        events.wait_for(lambda ev: events.statuses("listening", "customer"))
        customer.push(speech_pattern(("-", 0.5), ("s", 1.5)), time.monotonic())
        assert drafts.started.wait(20)
        customer.push(speech_pattern(("-", 1.0)), time.monotonic())
        events.wait_for(lambda ev: finals(events, "customer"))  # while the draft is stuck
        drafts.release.set()
    finally:
        runner.stop()  # the caption thread finishes its draft before it stops
    assert runner.stats().caption_decodes >= 1
    [final] = finals(events, "customer")
    assert final.text
    assert not events.of(TranscriptPartial)  # the draft finished after the final: dropped


def test_a_lost_device_is_reported_the_other_role_keeps_going_and_it_resumes() -> None:
    customer, agent = FakeSource("customer"), FakeSource("agent")
    runner, events = start([customer, agent])
    try:
        agent.lost = True
        agent.available = False
        events.wait_for(lambda ev: events.statuses("device_lost", "agent"))
        customer.push(UTTERANCE, time.monotonic())
        events.wait_for(lambda ev: finals(events, "customer"))
        assert agent.opens == 1
        agent.available = True
        events.wait_for(
            lambda ev: any("resumed" in s.message for s in events.statuses("listening", "agent"))
        )
        agent.push(UTTERANCE, time.monotonic())
        events.wait_for(lambda ev: finals(events, "agent"))
    finally:
        runner.stop()
    assert agent.opens == 2
    assert not events.statuses("device_lost", "customer")


def test_a_missing_device_is_a_status_and_is_retried() -> None:
    customer = FakeSource("customer")
    customer.available = False
    events = Collector()
    runner = LiveRunner(fast_config(), events, models=fake_models(), sources=[customer])
    runner.start()
    try:
        events.wait_for(lambda ev: events.statuses("no_device", "customer"))
        customer.available = True
        events.wait_for(lambda ev: events.statuses("listening", "customer"))
    finally:
        runner.stop()


def test_no_portaudio_is_a_clear_status_not_a_crash(monkeypatch) -> None:  # noqa: ANN001
    def missing() -> None:
        raise DeviceError(
            "PortAudio library not found (no libportaudio.so); live capture unavailable"
        )

    monkeypatch.setattr(live, "import_sounddevice", missing)
    events = Collector()
    runner = LiveRunner(fast_config(), events, models=fake_models())
    runner.start()
    runner.join(10)
    runner.stop()
    states = [s.state for s in events.statuses("no_device")]
    assert states == ["no_device"]
    assert "PortAudio" in events.statuses("no_device")[0].message
    assert not events.statuses("error")


def test_pause_drops_audio_and_discards_speech_in_progress() -> None:
    customer = FakeSource("customer")
    runner, events = start([customer])
    try:
        customer.push(speech_pattern(("-", 0.3), ("s", 1.0)), time.monotonic())
        events.wait_for(lambda ev: events.of(TranscriptPartial))
        runner.set_paused(True)
        events.wait_for(lambda ev: events.statuses("paused"))
        customer.push(speech_pattern(("s", 1.0), ("-", 1.0)), time.monotonic())
        runner.set_paused(False)
        events.wait_for(lambda ev: len(events.statuses("listening")) >= 2)
        customer.push(UTTERANCE, time.monotonic())
        events.wait_for(lambda ev: finals(events, "customer"))
    finally:
        runner.stop()
    got = finals(events, "customer")
    assert len(got) == 1
    assert got[0].end - got[0].start < 2.5


def test_both_roles_switched_off_says_so() -> None:
    events = Collector()
    runner = LiveRunner(
        fast_config(customer_device="none", agent_device="off"), events, models=fake_models()
    )
    runner.start()
    runner.join(10)
    assert events.statuses("no_device")
    assert not events.statuses("error")


def test_default_sources_follow_the_config() -> None:
    config = fast_config(customer_device="Monitor of Speakers", agent_device="none")
    sources = live.default_sources(config)
    assert [s.role for s in sources] == ["customer"]
    assert np.isfinite(config.audio.max_lag_s)


def counting_cache(loads: list[str]) -> ModelCache:
    """A model cache whose loaders count each load (fakes: the wiring is what is tested)."""

    def speech(config: AsrConfig) -> Speech:
        loads.append("speech")
        return Speech(GrowingTranscriber(), None, None, "cpu")

    def sentiment(config: SentimentConfig) -> KeywordSentiment:
        loads.append("sentiment")
        return KeywordSentiment()

    def vad() -> type[EnergyVad]:
        loads.append("vad")
        return EnergyVad

    return ModelCache(speech, sentiment, vad)  # type: ignore[arg-type]


def replay_once(path: Path, cache: ModelCache) -> RunnerStats:
    events = Collector()
    runner = FileReplayRunner(path, fast_config(), events, realtime=False, load=cache.get)
    runner.start()
    events.wait_for(lambda ev: events.statuses("stopped"))
    runner.stop()
    assert len(events.of(TranscriptFinal)) == 1
    return runner.stats()


def listen_once(cache: ModelCache) -> RunnerStats:
    customer = FakeSource("customer")
    events = Collector()
    runner = LiveRunner(fast_config(), events, load=cache.get, sources=[customer])
    runner.start()
    try:
        events.wait_for(lambda ev: events.statuses("listening", "customer"))
        customer.push(UTTERANCE, time.monotonic())
        events.wait_for(lambda ev: finals(events, "customer"))
    finally:
        runner.stop()
    return runner.stats()


def test_a_second_start_of_a_runner_does_not_load_the_models_again(tmp_path: Path) -> None:
    loads: list[str] = []
    cache = counting_cache(loads)
    path = tmp_path / "call.wav"
    sf.write(path, UTTERANCE, SAMPLE_RATE)
    for _ in range(2):
        replayed = replay_once(path, cache)
        assert replayed.policy == "file" and replayed.utterances == 1
        heard = listen_once(cache)
        assert heard.policy == "live" and len(heard.latencies) == 1
    assert sorted(loads) == ["sentiment", "speech", "vad"]


def test_stats_before_a_start_are_empty() -> None:
    runner = LiveRunner(fast_config(), Collector(), models=fake_models(), sources=[])
    assert runner.stats() == RunnerStats()
