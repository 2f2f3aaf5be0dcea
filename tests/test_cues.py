"""Voice cues from the signal and word timings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist.cues import VoiceCueTracker, active_level_dbfs, words_per_minute
from agent_assist.events import TranscriptFinal, Word

DATA = Path(__file__).parent / "data"


def final(
    speaker: str, start: float, end: float, n_words: int = 0, span: float = 0.0
) -> TranscriptFinal:
    words = tuple(
        Word(
            start + i * span / max(n_words, 1),
            start + (i + 1) * span / max(n_words, 1),
            f"w{i}",
            0.9,
        )
        for i in range(n_words)
    )
    return TranscriptFinal(speaker, start, end, " ".join(w.text for w in words), 0.9, words=words)  # type: ignore[arg-type]


def test_words_per_minute_from_word_timings() -> None:
    assert words_per_minute(final("agent", 0, 5, n_words=10, span=4.0)) == pytest.approx(150.0)
    assert words_per_minute(final("agent", 0, 5, n_words=2, span=4.0)) is None
    assert words_per_minute(final("agent", 0, 5, n_words=5, span=0.5)) is None


def test_active_level_tracks_gain_on_real_speech() -> None:
    speech, _ = sf.read(DATA / "jfk.flac", dtype="float32")
    level = active_level_dbfs(speech)
    assert level is not None and -40 < level < 0
    louder = active_level_dbfs(speech * 2.0)
    assert louder == pytest.approx(level + 6.02, abs=0.01)
    assert active_level_dbfs(np.zeros(16000, np.float32)) is None


def test_loudness_against_the_speakers_own_baseline() -> None:
    speech, _ = sf.read(DATA / "jfk.flac", dtype="float32")
    part = speech[16000:64000]
    tracker = VoiceCueTracker()
    first = tracker.cues(final("customer", 0, 3), part)
    second = tracker.cues(final("customer", 4, 7), part)
    third = tracker.cues(final("customer", 8, 11), part * 4.0)
    assert first.loudness_vs_baseline_db is None and second.loudness_vs_baseline_db is None
    assert third.loudness_vs_baseline_db == pytest.approx(12.04, abs=0.1)
    other = tracker.cues(final("agent", 12, 14), part * 4.0)
    assert other.loudness_vs_baseline_db is None


def test_talk_over_counts_only_speech_started_over_the_other() -> None:
    tracker = VoiceCueTracker()
    tracker.note_speech("customer", 10.0, 14.0)
    audio = np.full(16000, 0.1, np.float32)
    agent = tracker.cues(final("agent", 12.5, 16.0), audio)
    assert agent.talk_over_s == pytest.approx(1.5)
    tracker.note_speech("customer", 17.0, 18.0)
    assert tracker.cues(final("customer", 17.0, 18.0), audio).talk_over_s == 0.0


def test_silence_before_an_utterance_is_the_gap_since_anyone_spoke() -> None:
    tracker = VoiceCueTracker()
    audio = np.full(16000, 0.1, np.float32)
    assert tracker.cues(final("customer", 1.0, 3.0), audio).silence_s == 0.0
    tracker.note_speech("agent", 3.5, 6.0)
    assert tracker.cues(final("customer", 26.0, 28.0), audio).silence_s == pytest.approx(20.0)
    assert tracker.cues(final("agent", 27.0, 29.0), audio).silence_s == 0.0


def test_progress_notes_merge_into_one_interval() -> None:
    tracker = VoiceCueTracker()
    for now in (1.5, 2.0, 2.5):
        tracker.note_speech("customer", 1.0, now)
    tracker.note_speech("customer", 1.0, 3.0)
    agent = tracker.cues(final("agent", 2.0, 4.0), np.full(16000, 0.1, np.float32))
    assert agent.talk_over_s == pytest.approx(1.0)


def test_one_brisk_greeting_is_not_a_fast_pace() -> None:
    tracker = VoiceCueTracker()
    audio = np.full(16000, 0.1, np.float32)
    greeting = final("agent", 1.0, 5.5, n_words=14, span=4.3)  # 195 words/min
    assert words_per_minute(greeting) == pytest.approx(195.3, abs=0.1)
    assert tracker.cues(greeting, audio).words_per_minute is None
    calm = final("agent", 8.0, 14.0, n_words=14, span=6.0)  # 140 words/min
    rate = tracker.cues(calm, audio).words_per_minute
    assert rate == pytest.approx(60 * 28 / 10.3, abs=0.1), "the pace over the recent speech"
    rushed = [final("agent", 20.0 + 6 * i, 25.0 + 6 * i, n_words=18, span=5.0) for i in range(3)]
    rates = [tracker.cues(u, audio).words_per_minute for u in rushed]
    assert rates[-1] is not None and rates[-1] > 190, "a sustained fast pace still shows"
    later = final("agent", 200.0, 206.0, n_words=14, span=6.0)
    assert tracker.cues(later, audio).words_per_minute is None, "older speech left the window"
