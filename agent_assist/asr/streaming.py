"""Streaming captions: re-decode the growing utterance and commit what stays the same.

LocalAgreement-2 (as in whisper_streaming): each new hypothesis of the utterance so far is
compared with the previous one; the words both agree on, after those already committed, become
stable and never change again. The rest of the newest hypothesis is provisional. No threads:
the live worker calls ``PartialCaptioner.update`` with each ``SpeechInProgress``.

``DraftTranscriber`` is the cheap decoder for these hypotheses: the same faster-whisper model
as the final transcript, greedy, without timestamps or word alignment (the final transcript of
the utterance, decoded with the full settings, replaces the captions anyway).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from agent_assist.asr.window import windowed
from agent_assist.config_schema import AsrConfig
from agent_assist.contracts import SAMPLE_RATE, SpeechInProgress, Transcriber, Transcription
from agent_assist.events import TranscriptPartial, Word

_PUNCTUATION = re.compile(r"[^\w']")


def word_key(text: str) -> str:
    """A word as compared between hypotheses: lower case, no punctuation."""
    return _PUNCTUATION.sub("", text.lower())


class LocalAgreement:
    """Commits the words that two consecutive hypotheses share (after the committed ones)."""

    def __init__(self) -> None:
        self.committed: list[Word] = []
        self.hypothesis: list[Word] = []
        self._previous: list[Word] = []

    def insert(self, words: Sequence[Word]) -> list[Word]:
        """Take a new hypothesis of the whole utterance; return the newly committed words."""
        current = [w for w in words if word_key(w.text)]
        done = len(self.committed)
        fresh: list[Word] = []
        for old, new in zip(self._previous[done:], current[done:], strict=False):
            if word_key(old.text) != word_key(new.text):
                break
            fresh.append(new)
        self.committed += fresh
        self._previous = current
        self.hypothesis = current
        return fresh

    @property
    def stable_text(self) -> str:
        return " ".join(w.text for w in self.committed)

    @property
    def text(self) -> str:
        """Committed words, then the newest hypothesis's words after them."""
        rest = self.hypothesis[len(self.committed) :]
        return " ".join(w.text for w in [*self.committed, *rest])

    def reset(self) -> None:
        self.committed, self.hypothesis, self._previous = [], [], []


class PartialCaptioner:
    """Provisional captions for one speaker's utterance in progress."""

    def __init__(self, transcriber: Transcriber) -> None:
        self.transcriber = transcriber
        self.agreement = LocalAgreement()
        self._start: float | None = None
        self.decodes = 0

    def update(self, progress: SpeechInProgress) -> TranscriptPartial | None:
        """Decode the utterance so far; a partial event when there is any text."""
        if self._start != progress.start:
            self.agreement.reset()
            self._start = progress.start
        result = self.transcriber.transcribe(progress.audio)
        self.decodes += 1
        self.agreement.insert(result.words)
        text = self.agreement.text
        if not text:
            return None
        return TranscriptPartial(
            speaker=progress.speaker,
            start=progress.start,
            end=progress.now,
            text=text,
            stable_text=self.agreement.stable_text,
        )

    def reset(self) -> None:
        self.agreement.reset()
        self._start = None


TOKENS_PER_S = 6
"""A draft decodes at most this many tokens per second of audio (plus ``EXTRA_TOKENS``): more
than people say, fewer than Whisper loops out on a sub-second clip in a short window."""
EXTRA_TOKENS = 3


class DraftTranscriber:
    """Greedy, timestamp-free decoding with a faster-whisper ``WhisperModel`` (for captions).

    Word times are spread evenly over the audio: captions need the words, not their times.
    Segments Whisper itself calls silence (no-speech probability over ``asr.no_speech_threshold``
    with a log probability under ``asr.log_prob_threshold``, as in the final decode) are left
    out. The encoder sees a window of at least ``window_s`` instead of 30 s (much cheaper; see
    ``asr/window.py``); the token cap keeps Whisper from looping on the short clips of the first
    drafts, which a short window otherwise invites.
    """

    def __init__(
        self,
        model: Any,
        language: str | None = "en",
        window_s: float = 30.0,
        tokens_per_s: float | None = TOKENS_PER_S,
        *,
        asr: AsrConfig | None = None,
    ) -> None:
        self.model = model
        self.language = language
        self.window_s = window_s
        self.tokens_per_s = tokens_per_s
        asr = asr or AsrConfig()
        self.no_speech_threshold = asr.no_speech_threshold
        self.log_prob_threshold = asr.log_prob_threshold

    @classmethod
    def from_config(cls, model: Any, asr: AsrConfig, language: str | None) -> DraftTranscriber:
        """Drafts for the live decoder ``asr`` configures: its window and silence thresholds."""
        return cls(model, language, asr.live_window_s, asr=asr)

    def transcribe(self, audio: np.ndarray) -> Transcription:
        samples = np.ascontiguousarray(audio, dtype=np.float32)
        if len(samples) == 0:
            return Transcription("", (), 0.0, 1.0, 0.0, 0.0, True)
        seconds = len(samples) / SAMPLE_RATE
        cap = None if self.tokens_per_s is None else int(seconds * self.tokens_per_s) + EXTRA_TOKENS
        with windowed(self.model, seconds, self.window_s):
            return self._decode(samples, cap)

    def _decode(self, samples: np.ndarray, max_tokens: int | None) -> Transcription:
        segments, _ = self.model.transcribe(
            samples,
            language=self.language,
            beam_size=1,
            temperature=0.0,
            word_timestamps=False,
            without_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            max_new_tokens=max_tokens,
        )
        kept = [s for s in segments if s.text.strip() and not self._silence(s)]
        text = " ".join(s.text.strip() for s in kept)
        tokens = text.split()
        step = len(samples) / SAMPLE_RATE / max(len(tokens), 1)
        words = tuple(Word(i * step, (i + 1) * step, w, 1.0) for i, w in enumerate(tokens))
        logprob = float(np.mean([s.avg_logprob for s in kept])) if kept else 0.0
        no_speech = max((s.no_speech_prob for s in kept), default=1.0)
        return Transcription(text, words, 1.0 if words else 0.0, no_speech, logprob, 0.0, True)

    def _silence(self, segment: Any) -> bool:
        return bool(
            segment.no_speech_prob > self.no_speech_threshold
            and segment.avg_logprob < self.log_prob_threshold
        )
