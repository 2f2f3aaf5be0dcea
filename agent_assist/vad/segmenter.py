"""Streaming segmenter: cuts one speaker's 16 kHz audio into utterances as it arrives.

A small state machine over 512-sample frames and their speech probabilities:

* speech starts at the first frame whose probability reaches ``threshold``; the utterance
  audio begins ``pre_roll_ms`` earlier (never before the end of the previous utterance);
* it ends when the probability has stayed below ``threshold - 0.15`` for ``hangover_ms``
  (only a frame at or above ``threshold`` resets that count); the audio keeps ``tail_ms`` of
  the trailing silence;
* an utterance that reaches ``max_utterance_s`` is split at the least speech-like, quietest
  frame of its last stretch (a breath or pause), and the speech goes on as a new utterance;
* speech shorter than ``min_speech_ms`` (clicks, coughs) is dropped;
* live (with ``progress_interval_s``): ``SpeechInProgress`` every interval while speaking, for
  captions, and ``SpeechEnding`` once a pause has lasted ``ending_ms`` — the utterance as it
  will be cut if the pause lasts the hangover (with as much of the tail as has arrived) — so
  its transcription can start early.

Frame boundaries are counted from the stream start, so the result does not depend on how the
audio is chunked. Times are seconds from the call start. No threads, no I/O.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from agent_assist.config import VadConfig
from agent_assist.contracts import SAMPLE_RATE, SpeechEnding, SpeechInProgress, Utterance
from agent_assist.events import Speaker

FRAME = 512
_NEG_OFFSET = 0.15
_SPLIT_SEARCH_S = 5.0
_PROB_TIE = 0.05

Output = Utterance | SpeechInProgress | SpeechEnding


def _ms(ms: float) -> int:
    return int(round(ms * SAMPLE_RATE / 1000))


@dataclass
class _Speech:
    """The utterance being collected: audio from ``start`` (absolute sample index)."""

    start: int
    speech_start: int
    continued: bool
    chunks: list[np.ndarray] = field(default_factory=list)
    length: int = 0
    frames: list[tuple[int, float, float]] = field(default_factory=list)
    """(frame start, speech probability, rms) of each frame since ``speech_start``."""
    silence_start: int | None = None
    next_progress: int | None = None
    ending_sent: bool = False

    def add(self, samples: np.ndarray) -> None:
        self.chunks.append(samples)
        self.length += len(samples)

    @property
    def end(self) -> int:
        return self.start + self.length

    def audio(self, until: int | None = None) -> np.ndarray:
        whole = np.concatenate(self.chunks) if len(self.chunks) != 1 else self.chunks[0]
        self.chunks = [whole]
        return whole if until is None else whole[: until - self.start]


class Segmenter:
    def __init__(
        self,
        speaker: Speaker,
        vad: Callable[[np.ndarray], float],
        config: VadConfig,
        *,
        start_time: float = 0.0,
        progress_interval_s: float | None = None,
    ) -> None:
        self.speaker: Speaker = speaker
        self._vad = vad
        self._threshold = config.threshold
        self._neg_threshold = max(config.threshold - _NEG_OFFSET, 0.01)
        self._min_speech = _ms(config.min_speech_ms)
        self._hangover = _ms(config.hangover_ms)
        self._pre_roll = _ms(config.pre_roll_ms)
        self._tail = min(_ms(config.tail_ms), self._hangover)
        self._ending = min(_ms(config.ending_ms), self._tail)
        self._max_length = int(config.max_utterance_s * SAMPLE_RATE)
        self._split_search = min(int(_SPLIT_SEARCH_S * SAMPLE_RATE), self._max_length // 2)
        self._start_time = start_time
        self._progress = (
            None if progress_interval_s is None else max(1, int(progress_interval_s * SAMPLE_RATE))
        )
        self._pending = np.zeros(0, dtype=np.float32)
        self._position = 0
        self._history: deque[tuple[int, np.ndarray]] = deque(maxlen=self._pre_roll // FRAME + 2)
        self._emitted_until = 0
        self._speech: _Speech | None = None

    @property
    def time(self) -> float:
        """Seconds from the call start up to the last sample accepted."""
        return self._seconds(self._position + len(self._pending))

    @property
    def speaking(self) -> bool:
        return self._speech is not None

    @property
    def horizon(self) -> float:
        """No utterance this segmenter has yet to give will start before this time."""
        if self._speech is not None:
            return self._seconds(self._speech.start)
        return self._seconds(max(self._position - self._pre_roll, self._emitted_until))

    def accept(self, samples: np.ndarray) -> list[Output]:
        """Feed 16 kHz mono audio of any length; return what ended or progressed."""
        block = np.asarray(samples, dtype=np.float32)
        if block.ndim != 1:
            raise ValueError(f"expected 1-D mono audio, got shape {block.shape}")
        if len(self._pending):
            block = np.concatenate((self._pending, block))
        whole = len(block) // FRAME * FRAME
        self._pending = block[whole:].copy()
        out: list[Output] = []
        for offset in range(0, whole, FRAME):
            out.extend(self._frame(block[offset : offset + FRAME]))
        return out

    def finish(self) -> list[Utterance]:
        """End of stream: close the utterance in progress (including unframed samples)."""
        speech, self._speech = self._speech, None
        tail, self._pending = self._pending, np.zeros(0, dtype=np.float32)
        if speech is None:
            self._position += len(tail)
            return []
        speech.add(tail)
        self._position += len(tail)
        end = speech.silence_start if speech.silence_start is not None else speech.end
        utterance = self._close(speech, min(end + self._tail, speech.end), end)
        return [utterance] if utterance else []

    def _frame(self, frame: np.ndarray) -> list[Output]:
        index = self._position
        self._position += FRAME
        self._history.append((index, frame))
        probability = float(self._vad(frame))
        speech = self._speech
        if speech is None:
            if probability >= self._threshold:
                self._speech = self._begin(index, probability, frame)
            return []
        speech.add(frame)
        speech.frames.append((index, probability, _rms(frame)))
        if probability >= self._threshold:
            speech.silence_start = None
            speech.ending_sent = False
        elif probability < self._neg_threshold and speech.silence_start is None:
            speech.silence_start = index
        return self._after_frame(speech)

    def _begin(self, index: int, probability: float, frame: np.ndarray) -> _Speech:
        start = max(index - self._pre_roll, self._emitted_until, self._history[0][0])
        speech = _Speech(start=start, speech_start=index, continued=False)
        for frame_start, past in self._history:
            if frame_start + FRAME > start:
                speech.add(past[max(0, start - frame_start) :])
        speech.frames.append((index, probability, _rms(frame)))
        if self._progress is not None:
            speech.next_progress = index + max(self._progress, self._min_speech)
        return speech

    def _after_frame(self, speech: _Speech) -> list[Output]:
        now = speech.end
        if speech.silence_start is not None and (
            now - speech.silence_start >= self._hangover or speech.length >= self._max_length
        ):
            self._speech = None
            end = speech.silence_start
            utterance = self._close(speech, min(end + self._tail, now), end)
            return [utterance] if utterance else []
        if speech.length >= self._max_length:
            return [self._split(speech)]
        if self._ending_due(speech):
            speech.ending_sent = True
            ending = self._cut(speech, speech.silence_start)  # type: ignore[arg-type]
            return [SpeechEnding(ending)] if ending else []
        if (
            speech.next_progress is not None
            and self._progress is not None
            and speech.silence_start is None
            and now >= speech.next_progress
        ):
            speech.next_progress = now + self._progress
            return [
                SpeechInProgress(
                    self.speaker, self._seconds(speech.start), self._seconds(now), speech.audio()
                )
            ]
        return []

    def _split(self, speech: _Speech) -> Utterance:
        cut = self._split_point(speech)
        audio = speech.audio()
        utterance = Utterance(
            self.speaker,
            self._seconds(speech.start),
            self._seconds(cut),
            audio[: cut - speech.start].copy(),
            speech_end=self._seconds(speech.end),
            split=True,
        )
        self._emitted_until = cut
        rest = _Speech(start=cut, speech_start=cut, continued=True)
        rest.add(audio[cut - speech.start :].copy())
        rest.frames = [f for f in speech.frames if f[0] + FRAME > cut]
        if self._progress is not None:
            rest.next_progress = cut + self._progress
        self._speech = rest
        return utterance

    def _split_point(self, speech: _Speech) -> int:
        """The middle of the least speech-like (then quietest, then latest) recent frame."""
        earliest = speech.end - self._split_search
        window = [f for f in speech.frames if f[0] >= earliest and f[0] > speech.speech_start]
        if not window:
            return speech.end
        lowest = min(p for _, p, _ in window)
        calm = [f for f in window if f[1] <= lowest + _PROB_TIE]
        index, _, _ = min(calm, key=lambda f: (f[2], -f[0]))
        return index + FRAME // 2

    def _ending_due(self, speech: _Speech) -> bool:
        return (
            self._progress is not None
            and speech.silence_start is not None
            and not speech.ending_sent
            and self._ending < self._hangover
            and speech.end - speech.silence_start >= self._ending
        )

    def _close(self, speech: _Speech, end: int, speech_end: int) -> Utterance | None:
        utterance = self._cut(speech, speech_end, end)
        if utterance is not None:
            self._emitted_until = end
        return utterance

    def _cut(self, speech: _Speech, speech_end: int, end: int | None = None) -> Utterance | None:
        """The utterance ending at ``end`` (default: the tail after ``speech_end``), if long
        enough; changes nothing."""
        if not speech.continued and speech_end - speech.speech_start < self._min_speech:
            return None
        end = min(speech_end + self._tail, speech.end) if end is None else end
        return Utterance(
            self.speaker,
            self._seconds(speech.start),
            self._seconds(end),
            speech.audio(end).copy(),
            speech_end=self._seconds(speech_end),
        )

    def _seconds(self, sample: int) -> float:
        return self._start_time + sample / SAMPLE_RATE


def _rms(frame: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(frame, dtype=np.float64))))
