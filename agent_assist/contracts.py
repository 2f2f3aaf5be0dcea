"""The small contracts between stages. Real stages and test fakes both implement these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from agent_assist.events import Event, Sentiment, Speaker, Suggestion, Word

SAMPLE_RATE = 16_000
Clock = Callable[[], float]
"""Seconds, monotonic: ``time.monotonic`` live, a fake or virtual clock in tests and benches."""


@dataclass(frozen=True)
class Utterance:
    """A stretch of speech of one speaker found by the segmenter (16 kHz mono float32)."""

    speaker: Speaker
    start: float
    end: float
    audio: np.ndarray = field(repr=False)
    speech_end: float | None = None
    """When the last frame the VAD heard as speech ended (``end`` adds the kept tail); for a
    ``split`` utterance, when the segmenter split it."""
    split: bool = False
    """Cut at ``vad.max_utterance_s`` while the speaker went on (not an end of speech)."""


@dataclass(frozen=True)
class SpeechInProgress:
    """Speech that has started and not ended yet: the audio so far (for partial captions)."""

    speaker: Speaker
    start: float
    now: float
    audio: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class SpeechEnding:
    """Speech has paused for the kept tail but not yet for the whole hangover: ``utterance``
    is exactly what the segmenter will emit if the pause lasts. The live worker transcribes it
    ahead, so the final decode overlaps the rest of the hangover."""

    utterance: Utterance


@dataclass(frozen=True)
class Transcription:
    text: str
    words: tuple[Word, ...]
    confidence: float
    """Mean word probability in [0, 1]; 0 when there are no words."""
    no_speech_prob: float
    avg_logprob: float
    compression_ratio: float
    reliable: bool
    """False when a hallucination gate fired or the confidence is low."""


class Transcriber(Protocol):
    def transcribe(self, audio: np.ndarray) -> Transcription:
        """Transcribe 16 kHz mono float32 audio. Word times are relative to its start."""
        ...


class SentimentModel(Protocol):
    def score(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> list[Sentiment]:
        """Score each text (optionally with the previous turn as context), in order."""
        ...


class Guidance(Protocol):
    def observe(self, event: Event) -> list[Suggestion]:
        """Feed any engine event (transcript, mood, cues); return suggestions it fires."""
        ...

    def tick(self, now: float) -> list[Suggestion]:
        """Time passes with no event (silence, hold); return suggestions that fire."""
        ...


class Runner(Protocol):
    """A running pipeline (live capture or real-time replay) as the GUI drives it.

    Events are delivered to the ``on_event`` callback given at construction, from the worker
    thread; the GUI bridge re-emits them on the GUI thread.
    """

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def set_paused(self, paused: bool) -> None: ...
