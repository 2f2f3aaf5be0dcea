"""Voice cues per speaker, from the signal and the word timings (no model).

For each finished utterance of a speaker:

* speaking rate: words per minute of that speaker's speech over the last ``RATE_WINDOW_S``
  seconds (each utterance from its first word's start to its last word's end), once at least
  ``RATE_MIN_WORDS`` words over ``RATE_MIN_SPEECH_S`` seconds of speech are known, else none: one
  brisk greeting is not a fast pace;
* loudness: the active speech level in dBFS (mean power of the 20 ms frames within 20 dB of
  the loudest one) and its difference from that speaker's running baseline (an exponential
  average of their earlier utterances; none until ``BASELINE_UTTERANCES`` are known);
* talk-over: seconds this utterance overlapped speech of the other speaker that had started
  before it (the speaker talked over the other);
* silence: seconds nobody spoke before this utterance (long ones are holds or dead air).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from agent_assist.contracts import SAMPLE_RATE
from agent_assist.events import Speaker, TranscriptFinal, VoiceCues

MIN_RATE_WORDS = 3
MIN_RATE_SPAN_S = 1.0
RATE_WINDOW_S = 60.0
RATE_MIN_WORDS = 20
RATE_MIN_SPEECH_S = 6.0
BASELINE_UTTERANCES = 2
BASELINE_WEIGHT = 0.2
ACTIVE_RANGE_DB = 20.0
FRAME = SAMPLE_RATE // 50
HISTORY_S = 300.0
_JOIN_S = 0.05


def words_per_minute(final: TranscriptFinal) -> float | None:
    words = final.words
    if len(words) < MIN_RATE_WORDS:
        return None
    span = words[-1].end - words[0].start
    if span < MIN_RATE_SPAN_S:
        return None
    return 60.0 * len(words) / span


def word_span(final: TranscriptFinal) -> tuple[int, float]:
    """(words, seconds from the first word's start to the last word's end) of an utterance."""
    if not final.words:
        return 0, 0.0
    return len(final.words), max(0.0, final.words[-1].end - final.words[0].start)


def active_level_dbfs(audio: np.ndarray) -> float | None:
    """Active speech level: the mean power of the frames near the loudest one, in dBFS."""
    usable = len(audio) // FRAME * FRAME
    if usable == 0:
        return None
    frames = np.asarray(audio[:usable], dtype=np.float64).reshape(-1, FRAME)
    power = np.mean(np.square(frames), axis=1)
    peak = float(np.max(power))
    if peak <= 1e-12:
        return None
    active = power[power >= peak * 10 ** (-ACTIVE_RANGE_DB / 10)]
    return 10.0 * float(np.log10(float(np.mean(active))))


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


class VoiceCueTracker:
    """Keeps each speaker's speech intervals and loudness baseline; makes ``VoiceCues``."""

    def __init__(self) -> None:
        self._speech: dict[Speaker, deque[list[float]]] = {}
        self._baseline: dict[Speaker, float] = {}
        self._loudness_count: dict[Speaker, int] = {}
        self._spoken: dict[Speaker, deque[tuple[float, int, float]]] = {}
        """Per speaker: (end, words, seconds) of their recent utterances, for the rate."""

    def note_speech(self, speaker: Speaker, start: float, end: float) -> None:
        """``speaker`` is (or was) speaking from ``start`` to ``end`` (call time)."""
        intervals = self._speech.setdefault(speaker, deque())
        if intervals and start <= intervals[-1][1] + _JOIN_S and end >= intervals[-1][0]:
            last = intervals[-1]
            last[0], last[1] = min(last[0], start), max(last[1], end)
        else:
            intervals.append([start, end])
        while intervals and intervals[0][1] < end - HISTORY_S:
            intervals.popleft()

    def cues(self, final: TranscriptFinal, audio: np.ndarray) -> VoiceCues:
        """Cues of one finished utterance (note its speech first, or let this do it)."""
        speaker = final.speaker
        self.note_speech(speaker, final.start, final.end)
        loudness = active_level_dbfs(audio)
        return VoiceCues(
            speaker=speaker,
            time=final.end,
            words_per_minute=self.speaking_rate(final),
            loudness_db=loudness,
            loudness_vs_baseline_db=self._against_baseline(speaker, loudness),
            talk_over_s=self.talk_over(speaker, final.start, final.end),
            silence_s=self.silence_before(final.start),
        )

    def speaking_rate(self, final: TranscriptFinal) -> float | None:
        """Words per minute of ``final``'s speaker over the last ``RATE_WINDOW_S`` seconds."""
        spoken = self._spoken.setdefault(final.speaker, deque())
        words, seconds = word_span(final)
        if words:
            spoken.append((final.end, words, seconds))
        while spoken and spoken[0][0] < final.end - RATE_WINDOW_S:
            spoken.popleft()
        total_words = sum(w for _, w, _ in spoken)
        total_s = sum(s for _, _, s in spoken)
        if total_words < RATE_MIN_WORDS or total_s < RATE_MIN_SPEECH_S:
            return None
        return 60.0 * total_words / total_s

    def talk_over(self, speaker: Speaker, start: float, end: float) -> float:
        other: Speaker = "agent" if speaker == "customer" else "customer"
        return sum(
            overlap((start, end), (a, b)) for a, b in self._speech.get(other, ()) if a < start
        )

    def silence_before(self, start: float) -> float:
        ends = [b for intervals in self._speech.values() for a, b in intervals if a < start]
        if not ends:
            return 0.0
        return max(0.0, start - max(ends))

    def _against_baseline(self, speaker: Speaker, loudness: float | None) -> float | None:
        if loudness is None:
            return None
        count = self._loudness_count.get(speaker, 0)
        baseline = self._baseline.get(speaker)
        difference = (
            loudness - baseline if baseline is not None and count >= BASELINE_UTTERANCES else None
        )
        if baseline is None:
            self._baseline[speaker] = loudness
        else:
            self._baseline[speaker] = baseline + BASELINE_WEIGHT * (loudness - baseline)
        self._loudness_count[speaker] = count + 1
        return difference
