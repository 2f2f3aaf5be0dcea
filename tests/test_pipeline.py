"""pipeline.py: file analysis (crosstalk gate and voice cues on two-channel calls) and replay."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist.audio.files import load_call
from agent_assist.config import Config, with_values
from agent_assist.contracts import SAMPLE_RATE, Transcription, Utterance
from agent_assist.events import (
    CallSummary,
    Latency,
    TranscriptFinal,
    TranscriptPartial,
    VoiceCues,
)
from agent_assist.live import FileReplayRunner
from agent_assist.pipeline import Models, analyze_call, new_segmenter
from tests.live.helpers import (
    Collector,
    GrowingTranscriber,
    fake_models,
    fast_config,
    speech_pattern,
)
from tests.test_crosstalk import clip, leak, place

DATA = Path(__file__).parent / "data"


def stereo_call(path: Path) -> Path:
    """Left = agent mic (hears the customer + says its own line), right = customer."""
    customer = place(17.0, (0.5, clip("jfk.flac")))
    agent = leak(customer) + place(17.0, (13.0, clip("librivox_ill_disposed.flac")))
    sf.write(path, np.stack([agent, customer], axis=1), SAMPLE_RATE)
    return path


@pytest.mark.slow
def test_a_two_channel_call_gets_the_crosstalk_gate_and_voice_cues(
    real_models: Models, tmp_path: Path
) -> None:
    events = Collector()
    summary = analyze_call(stereo_call(tmp_path / "call.wav"), real_models, Config(), events)
    finals = events.of(TranscriptFinal)
    agent = " ".join(f.text for f in finals if f.speaker == "agent").lower()
    customer = " ".join(f.text for f in finals if f.speaker == "customer").lower()
    assert "country" in customer
    assert "young man" in agent
    assert "country" not in agent and "americans" not in agent
    cues = events.of(VoiceCues)
    assert {c.speaker for c in cues} == {"customer", "agent"}
    assert any(c.words_per_minute and 60 < c.words_per_minute < 300 for c in cues)
    assert all(c.loudness_db is not None for c in cues)
    agent_cue = [c for c in cues if c.speaker == "agent"][0]
    assert agent_cue.silence_s > 0.5
    assert isinstance(summary, CallSummary) and summary.utterances == len(finals)


@pytest.mark.slow
def test_voice_cues_can_be_switched_off_and_mono_calls_get_none(
    real_models: Models, tmp_path: Path
) -> None:
    config = Config.model_validate({"privacy": {"voice_cues": False}})
    events = Collector()
    analyze_call(stereo_call(tmp_path / "call.wav"), real_models, config, events)
    assert events.of(TranscriptFinal) and not events.of(VoiceCues)
    mono = Collector()
    analyze_call(DATA / "jfk.flac", real_models, Config(), mono)
    assert mono.of(TranscriptFinal) and not mono.of(VoiceCues)


def write_pattern(path: Path) -> Path:
    audio = speech_pattern(("-", 0.5), ("s", 1.5), ("-", 1.0), ("s", 1.0), ("-", 1.0))
    sf.write(path, audio, SAMPLE_RATE)
    return path


def test_fast_replay_runs_the_live_worker_to_the_end(tmp_path: Path) -> None:
    events = Collector()
    runner = FileReplayRunner(
        write_pattern(tmp_path / "c.wav"),
        fast_config(),
        events,
        realtime=False,
        models=fake_models(),
    )
    runner.start()
    events.wait_for(lambda ev: events.statuses("stopped"))
    runner.stop()
    assert len(events.of(TranscriptFinal)) == 2
    assert events.of(CallSummary)
    assert not events.of(Latency)
    assert events.statuses("stopped")[0].message == "replay finished"
    assert events.statuses("stopped")[0].time == pytest.approx(5.0, abs=0.11)


def test_paused_replay_holds_until_resumed(tmp_path: Path) -> None:
    events = Collector()
    runner = FileReplayRunner(
        write_pattern(tmp_path / "c.wav"),
        fast_config(),
        events,
        realtime=False,
        models=fake_models(),
    )
    runner.set_paused(True)
    runner.start()
    events.wait_for(lambda ev: events.statuses("paused"))
    assert not events.of(TranscriptFinal)
    runner.set_paused(False)
    events.wait_for(lambda ev: events.statuses("stopped"))
    runner.stop()
    assert len(events.of(TranscriptFinal)) == 2


def test_realtime_replay_gives_partials_and_latency(tmp_path: Path) -> None:
    events = Collector()
    path = tmp_path / "short.wav"
    sf.write(path, speech_pattern(("-", 0.2), ("s", 1.2), ("-", 0.6)), SAMPLE_RATE)
    runner = FileReplayRunner(path, fast_config(), events, realtime=True, models=fake_models())
    runner.start()
    events.wait_for(lambda ev: events.statuses("stopped"))
    runner.stop()
    assert events.of(TranscriptPartial) and len(events.of(TranscriptFinal)) == 1
    latency = events.of(Latency)[0]
    assert 0 < latency.to_transcript <= latency.to_guidance


@pytest.mark.slow
def test_the_same_call_gives_the_same_result_every_run(real_models: Models) -> None:
    # A real recording whose packed window once made Whisper fall back to sampling: runs gave
    # 2 or 3 utterances with different words ("uh, uh," ... repeated up to ten times).
    path = DATA / "mfa_uhuh.flac"
    one_role = with_values(Config(), {"speakers.separate": False})  # the segmenter's own cuts
    runs = []
    for _ in range(5):
        events = Collector()
        analyze_call(path, real_models, one_role, events)
        runs.append(
            [(f.speaker, f.start, f.end, f.text, f.words) for f in events.of(TranscriptFinal)]
        )
    assert all(run == runs[0] for run in runs), runs
    audio = load_call(path)["customer"]
    segmenter = new_segmenter("customer", real_models, Config())
    found = [u for u in segmenter.accept(audio) if isinstance(u, Utterance)] + segmenter.finish()
    # Every utterance the VAD found is transcribed, each at its own time.
    assert [(f[1], f[2]) for f in runs[0]] == [(u.start, u.end) for u in found]


class BatchingTranscriber(GrowingTranscriber):
    """Packs like Whisper would (``transcribe_many``); records each batch's utterance lengths."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[float]] = []

    def transcribe_many(self, utterances: list[np.ndarray]) -> list[Transcription]:
        self.batches.append([len(u) / SAMPLE_RATE for u in utterances])
        return [self.transcribe(u) for u in utterances]


def test_a_long_stereo_call_is_transcribed_as_it_streams_in_time_order(tmp_path: Path) -> None:
    agent = speech_pattern(("-", 1), ("s", 2), ("-", 97), ("s", 3), ("-", 100), ("s", 1), ("-", 60))
    customer = speech_pattern(
        ("-", 2), ("s", 4), ("-", 144), ("s", 2), ("-", 98), ("s", 10), ("-", 4)
    )
    path = tmp_path / "call.flac"
    sf.write(path, np.stack([agent, customer], axis=1), SAMPLE_RATE)
    transcriber = BatchingTranscriber()
    finals: list[tuple[TranscriptFinal, int]] = []

    def keep(event: object) -> None:
        if isinstance(event, TranscriptFinal):
            finals.append((event, len(transcriber.batches)))

    analyze_call(path, fake_models(transcriber), fast_config(), keep)
    speakers = [final.speaker for final, _ in finals]
    assert speakers == ["agent", "customer"] * 3
    starts = [final.start for final, _ in finals]
    assert starts == sorted(starts)
    assert [round(s) for s in starts] == [1, 2, 100, 150, 203, 250]
    assert all(final.text for final, _ in finals)
    # Decoded while the call streams: the first transcripts came out long before the last
    # utterances were decoded, and no batch waited for utterances a minute apart.
    assert finals[0][1] < len(transcriber.batches) == 6
