"""The worker loop on a scripted real-time feed and a fake clock: deterministic, no threads."""

from __future__ import annotations

import numpy as np
import pytest

from agent_assist.audio.capture import Block
from agent_assist.config import Config, with_values
from agent_assist.contracts import SAMPLE_RATE, Transcription
from agent_assist.events import (
    Latency,
    MoodUpdate,
    PipelineStatus,
    Speaker,
    TranscriptFinal,
    TranscriptPartial,
    VoiceCues,
)
from agent_assist.live import LagPolicy, PipelineWorker
from agent_assist.live import worker as live_worker
from tests.live.helpers import (
    Collector,
    GrowingTranscriber,
    ManualClock,
    OrderedGuidance,
    fake_models,
    fast_config,
    speech_pattern,
)


class RealTimeFeed:
    """Blocks arrive at their real-time moment on ``clock``; an idle worker waits for the next."""

    measures_lag = True
    drops_when_paused = True

    def __init__(
        self, tracks: dict[Speaker, np.ndarray], clock: ManualClock, block_s: float = 0.05
    ):
        self.clock = clock
        self.pending: list[Block] = []
        step = int(block_s * SAMPLE_RATE)
        for role, audio in tracks.items():
            for begin in range(0, len(audio), step):
                end = min(begin + step, len(audio))
                self.pending.append(Block(role, audio[begin:end], SAMPLE_RATE, end / SAMPLE_RATE))
        self.pending.sort(key=lambda b: b.arrival)

    def open(self, emit, origin):  # noqa: ANN001, ANN201
        assert origin == 0.0
        return sorted({b.role for b in self.pending})

    def get(self, timeout: float) -> list[Block] | None:
        if not self.pending:
            return None
        self.clock.at_least(self.pending[0].arrival)
        now = self.clock()
        due = [b for b in self.pending if b.arrival <= now]
        self.pending = self.pending[len(due) :]
        return due

    def poll(self, now: float) -> list[Speaker]:
        return []

    def set_paused(self, paused: bool) -> None: ...

    def close(self) -> None: ...


def run(
    config: Config, tracks: dict[Speaker, np.ndarray], cost: float
) -> tuple[PipelineWorker, Collector]:
    clock = ManualClock()
    transcriber = GrowingTranscriber(clock=clock, cost=cost)
    events = Collector()
    worker = PipelineWorker(config, events, fake_models(transcriber), "test", clock=clock)
    worker.run(RealTimeFeed(tracks, clock))
    return worker, events


def call(n: int) -> np.ndarray:
    return speech_pattern(
        *[part for _ in range(n) for part in (("-", 1.0), ("s", 1.5))], ("-", 1.0)
    )


def test_a_fast_machine_keeps_up_with_captions_and_latency() -> None:
    worker, events = run(fast_config(max_lag_s=3.0), {"customer": call(4)}, cost=0.05)
    finals = events.of(TranscriptFinal)
    assert len(finals) == 4
    assert all(f.sentiment is not None for f in finals)
    assert len(events.of(MoodUpdate)) == 4
    partials = events.of(TranscriptPartial)
    assert partials and all(p.text for p in partials)
    assert any(p.stable_text for p in partials)
    latencies = events.of(Latency)
    assert len(latencies) == 4
    for latency in latencies:
        assert 0.0 < latency.to_transcript <= latency.to_mood <= latency.to_guidance < 1.0
    assert not events.statuses("behind")
    assert worker.stats.dropped_seconds == {}


def test_finals_are_decoded_while_the_hangover_runs() -> None:
    config = fast_config(max_lag_s=3.0)  # hangover 0.3 s, kept tail 0.1 s
    worker, events = run(config, {"customer": call(4)}, cost=0.15)
    stats = worker.snapshot()
    assert stats.early_decodes == stats.early_used == 4
    latencies = events.of(Latency)
    assert len(latencies) == 4
    for latency in latencies:
        assert latency.utterance_end - latency.speech_end == pytest.approx(0.1, abs=0.04)
        # the decode (0.15 s) ended inside the hangover (0.3 s): the final waits for nothing else
        assert 0.3 <= latency.to_transcript <= 0.3 + 0.05 + 1e-6


def test_an_early_decode_started_before_the_whole_tail_is_kept() -> None:
    # the early decode starts after 0.1 s of pause, with 0.1 s of tail
    config = with_values(fast_config(max_lag_s=3.0), {"vad.tail_ms": 200})
    worker, events = run(config, {"customer": call(4)}, cost=0.15)
    stats = worker.snapshot()
    assert stats.early_decodes == stats.early_used == 4
    for latency in events.of(Latency):
        assert latency.utterance_end - latency.speech_end == pytest.approx(0.2, abs=0.04)
        assert latency.to_transcript == pytest.approx(0.3, abs=0.05)  # the hangover's end


def test_an_early_decode_is_dropped_when_speech_resumes() -> None:
    config = fast_config(max_lag_s=3.0)
    audio = speech_pattern(("-", 1.0), ("s", 1.5), ("-", 0.2), ("s", 1.5), ("-", 1.0))
    worker, events = run(config, {"customer": audio}, cost=0.05)
    stats = worker.snapshot()
    assert (stats.early_decodes, stats.early_used) == (2, 1)
    [final] = events.of(TranscriptFinal)
    assert final.end - final.start > 3.0
    assert len(final.text.split()) >= 12


def test_the_worker_hands_freed_memory_back_after_each_utterance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trims: list[bool] = []
    monkeypatch.setattr(live_worker, "release_free_memory", lambda: trims.append(True) or True)
    worker, _ = run(fast_config(max_lag_s=3.0), {"customer": call(5)}, cost=0.05)
    assert len(trims) == worker.snapshot().utterances == 5  # after each utterance


def test_a_slow_transcriber_stops_partials_then_drops_audio_and_stays_bounded() -> None:
    config = fast_config(max_lag_s=3.0)
    worker, events = run(config, {"customer": call(20)}, cost=2.5)
    behind = events.statuses("behind")
    assert behind and max(s.lag for s in behind) > config.audio.max_lag_s
    assert any("captions paused" in s.message for s in behind)
    assert any("dropped the oldest audio" in s.message for s in behind)
    assert worker.stats.dropped_seconds["customer"] > 5.0
    assert worker.snapshot().partials_skipped > 0
    # bounded: the lag never exceeds the limit by more than one slow decode and one block
    assert worker.stats.max_lag < config.audio.max_lag_s + 2 * 2.5 + 0.1
    # still transcribing late in the call, not stuck in a backlog
    finals = events.of(TranscriptFinal)
    assert finals and finals[-1].start > 40.0


def test_partials_go_first_and_come_back_when_the_lag_recovers() -> None:
    policy = LagPolicy(max_lag_s=3.0)
    policy.update(0.5)
    assert not policy.partials_off and not policy.dropping
    policy.update(1.5)
    assert policy.partials_off and not policy.dropping
    policy.update(3.5)
    assert policy.partials_off and policy.dropping
    policy.update(2.0)
    assert policy.dropping
    policy.update(1.0)
    assert not policy.dropping and policy.partials_off
    policy.update(0.4)
    assert not policy.partials_off


def test_voice_cues_follow_each_final_and_can_be_switched_off() -> None:
    tracks: dict[Speaker, np.ndarray] = {
        "customer": call(3),
        "agent": np.roll(call(3), int(1.2 * SAMPLE_RATE)),
    }
    _, events = run(fast_config(max_lag_s=30.0), tracks, cost=0.0)
    cues = events.of(VoiceCues)
    assert {c.speaker for c in cues} == {"customer", "agent"}
    assert any(c.talk_over_s > 0 for c in cues)
    assert all(c.loudness_db is not None for c in cues)
    config = with_values(fast_config(max_lag_s=30.0), {"privacy.voice_cues": False})
    _, quiet = run(config, tracks, cost=0.0)
    assert quiet.of(TranscriptFinal) and not quiet.of(VoiceCues)


def test_without_lag_measurement_nothing_is_dropped_and_no_latency_is_reported() -> None:
    class Offline(RealTimeFeed):
        measures_lag = False

    clock = ManualClock()
    events = Collector()
    worker = PipelineWorker(
        fast_config(),
        events,
        fake_models(GrowingTranscriber(clock=clock, cost=5.0)),
        "t",
        clock=clock,
    )
    worker.run(Offline({"customer": call(3)}, clock))
    assert len(events.of(TranscriptFinal)) == 3
    assert not events.of(Latency) and not events.statuses("behind")
    assert isinstance(events.events[-1], PipelineStatus) and events.events[-1].state == "stopped"


class FlakyTranscriber(GrowingTranscriber):
    """Raises on its second call, like a stage hitting a bad input."""

    def transcribe(self, audio: np.ndarray) -> Transcription:
        result = super().transcribe(audio)
        if self.calls == 2:
            raise RuntimeError("decoder blew up")
        return result


def test_a_stage_that_raises_costs_one_utterance_not_the_call() -> None:
    clock = ManualClock()
    events = Collector()
    config = fast_config()
    pause = config.vad.hangover_ms  # ending = tail = hangover: no early decodes
    config = with_values(  # and no captions: every call is a final
        config, {"asr.partial_interval_s": 5.0, "vad.ending_ms": pause, "vad.tail_ms": pause}
    )
    transcriber = FlakyTranscriber(clock=clock, cost=0.05)
    worker = PipelineWorker(config, events, fake_models(transcriber), "test", clock=clock)
    worker.run(RealTimeFeed({"customer": call(4)}, clock))
    recovering = events.statuses("recovering")
    assert len(recovering) == 1 and "decoder blew up" in recovering[0].message
    assert "\n" not in recovering[0].message
    assert len(events.of(TranscriptFinal)) == 3
    assert events.statuses("stopped") and not events.statuses("error")
    assert worker.snapshot().stage_faults == 1


def test_a_failed_early_decode_is_retried_by_the_final() -> None:
    clock = ManualClock()
    events = Collector()
    transcriber = FlakyTranscriber(clock=clock, cost=0.05)  # the 2nd call is utterance 2's early
    config = with_values(fast_config(), {"asr.partial_interval_s": 5.0})
    worker = PipelineWorker(config, events, fake_models(transcriber), "test", clock=clock)
    worker.run(RealTimeFeed({"customer": call(4)}, clock))
    assert len(events.statuses("recovering")) == 1
    assert len(events.of(TranscriptFinal)) == 4


def test_live_guidance_ticks_every_half_second_and_never_ahead_of_unscored_speech(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guidance = OrderedGuidance()
    monkeypatch.setattr(
        "agent_assist.guidance.engine.GuidanceEngine", lambda playbook, config: guidance
    )
    clock = ManualClock()
    models = fake_models(GrowingTranscriber(clock=clock, cost=0.05))
    models.playbook = object()
    tracks: dict[Speaker, np.ndarray] = {
        "customer": call(3),
        "agent": np.roll(call(3), int(1.2 * SAMPLE_RATE)),
    }
    worker = PipelineWorker(fast_config(max_lag_s=30.0), Collector(), models, "t", clock=clock)
    worker.run(RealTimeFeed(tracks, clock))
    ticks = [t for kind, t in guidance.log if kind == "tick"]
    assert len(ticks) > 10 and ticks == sorted(ticks)
    assert all(t == pytest.approx(0.5 * round(t / 0.5)) for t in ticks)
    assert sum(kind == "final" for kind, _ in guidance.log) >= 6
    for index, (kind, start) in enumerate(guidance.log):
        if kind == "final":  # no tick past this utterance's start came before it
            assert all(t <= start for k, t in guidance.log[:index] if k == "tick")


def test_one_live_role_gets_no_voice_cues_as_a_mono_recording_gets_none() -> None:
    """Voice cues need each speaker on a channel of their own, whatever the input."""
    _, events = run(fast_config(max_lag_s=30.0), {"customer": call(3)}, cost=0.0)
    assert len(events.of(TranscriptFinal)) == 3 and not events.of(VoiceCues)
