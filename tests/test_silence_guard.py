"""Silence and noise guard: ten minutes of digital silence, room noise or hold music go through
the real pipeline (``load_models`` + ``analyze_call``, default config) and nobody said anything.

The signals are generated here (seeded), at levels met on real lines: office room noise in a
headset at -50 / -42 dBFS (pink / brown), and hold music (a piano-like chord progression with
a bass line, a beat and a reverb tail) at about -20 dBFS RMS. No transcript, no partial, no
suggestion may come out of any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist.config import Config
from agent_assist.contracts import SAMPLE_RATE
from agent_assist.core.models import Models
from agent_assist.events import (
    CallSummary,
    Event,
    PipelineStatus,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
)
from agent_assist.live import FileReplayRunner
from agent_assist.pipeline import analyze_call

pytestmark = pytest.mark.slow

MINUTES = 10
RATE = SAMPLE_RATE


def db_to_rms(dbfs: float) -> float:
    return float(10 ** (dbfs / 20))


def coloured_noise(seconds: float, exponent: float, dbfs: float, seed: int) -> np.ndarray:
    """Noise with a 1/f**exponent power spectrum (1: pink, 2: brown) at ``dbfs`` RMS,
    high-passed at 20 Hz like any microphone chain."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    shape = np.zeros_like(freqs)
    audible = freqs >= 20.0
    shape[audible] = freqs[audible] ** (-exponent / 2)
    noise = np.fft.irfft(spectrum * shape, n)
    return (noise * db_to_rms(dbfs) / np.sqrt(np.mean(noise**2))).astype(np.float32)


def note(freq: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A piano-like note: a few inharmonic partials, fast attack, exponential decay."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = np.zeros_like(t)
    for k, weight in enumerate((1.0, 0.5, 0.3, 0.15, 0.08), start=1):
        partial = freq * k * (1 + 0.0004 * k * k)
        if partial < RATE / 2 - 500:
            tone += weight * np.sin(2 * np.pi * partial * t + rng.uniform(0, 2 * np.pi))
    envelope = np.minimum(t / 0.005, 1.0) * np.exp(-t * (2.5 + freq / 800))
    return tone * envelope


def lead(freq: float, seconds: float) -> np.ndarray:
    """A sustained melody note in the voice range: vibrato, rich harmonics, soft swell."""
    t = np.arange(int(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(freq * (1 + 0.006 * np.sin(2 * np.pi * 5.5 * t))) / RATE
    tone = sum(np.sin(k * phase) / k for k in range(1, 12) if k * freq < RATE / 2 - 500)
    envelope = np.minimum(t / 0.06, 1.0) * np.minimum((seconds - t) / 0.08, 1.0)
    return np.asarray(tone * envelope)


def hold_music(seconds: float, dbfs: float = -20.0, seed: int = 7) -> np.ndarray:
    """Four-chord loop (I-V-vi-IV in C) at 96 bpm: arpeggio, chord stabs, bass, hi-hat, a
    vibrato melody in the voice range, and reverb."""
    rng = np.random.default_rng(seed)
    beat = 60 / 96
    chords = [(60, 64, 67), (55, 59, 62), (57, 60, 64), (53, 57, 60)]
    loop_beats = 4 * len(chords)
    loop = np.zeros(int((loop_beats * beat + 3) * RATE))

    def place(sound: np.ndarray, at: float) -> None:
        start = int(at * RATE)
        end = min(len(loop), start + len(sound))
        loop[start:end] += sound[: end - start]

    def hz(midi: int) -> float:
        return float(440 * 2 ** ((midi - 69) / 12))

    for bar, chord in enumerate(chords):
        for b in range(4):
            at = (bar * 4 + b) * beat
            for midi in chord:
                place(0.25 * note(hz(midi), 2.5, rng), at if b in (0, 2) else at + beat / 2)
            place(0.35 * note(hz(chord[b % 3] + 12), 1.2, rng), at + beat / 4)
            place(0.6 * note(hz(chord[0] - 24), beat * 1.8, rng), at)
            hat = rng.standard_normal(int(0.03 * RATE)) * np.exp(-np.arange(int(0.03 * RATE)) / 80)
            place(0.05 * np.diff(hat, prepend=0.0), at + beat / 2)
            place(0.12 * lead(hz(chord[(b + bar) % 3] + 12), beat * 0.95), at)
    tail = np.arange(int(1.6 * RATE)) / RATE
    impulse = rng.standard_normal(len(tail)) * np.exp(-tail * 4.5) * 0.02
    impulse[0] = 1.0
    wet = np.fft.irfft(
        np.fft.rfft(loop, 2 * len(loop)) * np.fft.rfft(impulse, 2 * len(loop)), 2 * len(loop)
    )[: len(loop)]
    one = wet[: int(loop_beats * beat * RATE)]
    one[: len(wet) - len(one)] += wet[len(one) :]  # the reverb tail wraps into the next loop
    music = np.tile(one, int(np.ceil(seconds * RATE / len(one))))[: int(seconds * RATE)]
    music *= db_to_rms(dbfs) / np.sqrt(np.mean(music**2))
    return np.clip(music, -1.0, 1.0).astype(np.float32)


SIGNALS: dict[str, Callable[[float], np.ndarray]] = {
    "digital-silence": lambda s: np.zeros(int(s * RATE), dtype=np.float32),
    "pink-room-noise": lambda s: coloured_noise(s, 1.0, -50.0, seed=1),
    "brown-room-noise": lambda s: coloured_noise(s, 2.0, -42.0, seed=2),
    "hold-music": hold_music,
}


@pytest.mark.parametrize("name", list(SIGNALS))
def test_ten_minutes_without_speech_give_no_transcript_and_no_suggestion(
    name: str, real_models: Models, tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.flac"
    sf.write(path, SIGNALS[name](MINUTES * 60.0), RATE, subtype="PCM_16")
    events: list[Event] = []
    summary = analyze_call(path, real_models, Config(), events.append)
    said = [e for e in events if isinstance(e, TranscriptFinal | TranscriptPartial)]
    assert said == [], f"{name}: transcribed {[e.text for e in said]}"
    assert [e for e in events if isinstance(e, Suggestion)] == []
    assert isinstance(summary, CallSummary) and events[-1] is summary
    assert summary.utterances == 0 and summary.suggestions == ()
    assert summary.duration == pytest.approx(MINUTES * 60.0, abs=0.1)


def test_ten_minutes_of_hold_music_through_the_live_worker_give_nothing(
    real_models: Models, tmp_path: Path
) -> None:
    """The live path (segmenters, partial captions, engine on the worker thread) as well."""
    path = tmp_path / "hold.flac"
    sf.write(path, SIGNALS["hold-music"](MINUTES * 60.0), RATE, subtype="PCM_16")
    events: list[Event] = []
    runner = FileReplayRunner(path, Config(), events.append, realtime=False, models=real_models)
    runner.start()
    runner.join(timeout=600)
    states = [e.state for e in events if isinstance(e, PipelineStatus)]
    errors = [e.message for e in events if isinstance(e, PipelineStatus) and e.state == "error"]
    assert errors == [] and states[-1:] == ["stopped"], states
    said = [e for e in events if isinstance(e, TranscriptFinal | TranscriptPartial)]
    assert said == [], [e.text for e in said]
    assert [e for e in events if isinstance(e, Suggestion)] == []
    summaries = [e for e in events if isinstance(e, CallSummary)]
    assert len(summaries) == 1 and summaries[0].utterances == 0


def test_the_generated_signals_have_the_intended_levels() -> None:
    """Guards the guard: the noise and music are really there, at their stated levels."""
    levels = {"pink-room-noise": -50.0, "brown-room-noise": -42.0, "hold-music": -20.0}
    for name, dbfs in levels.items():
        audio = SIGNALS[name](30.0)
        rms_db = 20 * np.log10(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
        assert rms_db == pytest.approx(dbfs, abs=0.5), name
    music = SIGNALS["hold-music"](30.0)
    frames = music[: len(music) // 1600 * 1600].reshape(-1, 1600)
    loudness = 20 * np.log10(np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) + 1e-9)
    assert loudness.max() - np.percentile(loudness, 10) > 3  # it has a rhythm, not a drone
