"""Whisper segments as the transcriber judges them: loops cut, words given back to utterances.

Pure functions over faster-whisper's results (no model): ``from_whisper`` copies a segment,
``unloop`` cuts a repetition loop, ``clip`` gives a packed window's words to one utterance and
``unmappable`` says why a packed window's result cannot be given back at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from agent_assist.config import AsrConfig
from agent_assist.events import Word

log = logging.getLogger(__name__)

TEMPERATURE = 0.0
"""Deterministic decoding only: no temperature fallback (it samples)."""
TIME_SLACK_S = 0.5
"""Word times may overrun the packed audio by this much before the pack counts as unmappable."""
LOOP_REPEATS = 4
"""A phrase repeated back to back more often than this, in a loop-like segment, is cut."""
FILLERS = frozenset({"um", "uh", "umm", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm", "oh"})
"""Hesitations, not words: an utterance of only these is not speech the pack lost."""


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    no_speech_prob: float
    avg_logprob: float
    compression_ratio: float
    tokens: int
    temperature: float = TEMPERATURE


def from_whisper(segment: Any) -> Segment:
    words = tuple(
        Word(float(w.start), float(w.end), w.word.strip(), float(w.probability))
        for w in (segment.words or ())
        if normalise(w.word)
    )
    return Segment(
        start=float(segment.start),
        end=float(segment.end),
        text=segment.text.strip(),
        words=words,
        no_speech_prob=float(segment.no_speech_prob),
        avg_logprob=float(segment.avg_logprob),
        compression_ratio=float(segment.compression_ratio),
        tokens=max(1, len(segment.tokens)),
        temperature=float(getattr(segment, "temperature", TEMPERATURE) or 0.0),
    )


def has_words(words: Iterable[Word]) -> bool:
    """Whether ``words`` hold more than fillers."""
    return any(normalise(w.text) not in FILLERS for w in words)


def unmappable(segments: list[Segment], duration: float, config: AsrConfig) -> str:
    """Why a packed window's segments cannot be given back to its utterances ('' if they can)."""
    for segment in segments:
        if segment.temperature > 0.0:
            return f"decoded at temperature {segment.temperature}"
        if segment.compression_ratio > config.compression_ratio_threshold:
            return f"repetition loop (compression ratio {segment.compression_ratio:.1f})"
        if normalise(segment.text) and not segment.words:
            return f"no word times for {segment.text[:40]!r}"
    words = [w for s in segments for w in s.words]
    if any(w.start < -TIME_SLACK_S or w.end > duration + TIME_SLACK_S for w in words):
        return "word times outside the window"
    if any(b.start < a.start - TIME_SLACK_S for a, b in pairwise(words)):
        return "word times out of order"
    return ""


def unloop(segment: Segment, threshold: float) -> Segment:
    """Cut runs of a phrase (up to 15 words) repeated more than LOOP_REPEATS times to one copy."""
    if segment.compression_ratio <= threshold or not segment.words:
        return segment
    words = list(segment.words)
    keys = [normalise(w.text) for w in words]
    index = 0
    while index < len(words):
        for size in range(1, 16):
            phrase = keys[index : index + size]
            repeats = 1
            while keys[index + repeats * size : index + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats > LOOP_REPEATS:
                del words[index + size : index + repeats * size]
                del keys[index + size : index + repeats * size]
                break
        index += 1
    if len(words) == len(segment.words):
        return segment
    log.debug("cut a repetition loop: %d of %d words left", len(words), len(segment.words))
    return replace(segment, text=" ".join(w.text for w in words), words=tuple(words))


def clip(segment: Segment, owns: tuple[float, float], begin: float, end: float) -> Segment | None:
    """The words of a packed segment whose middle lies in ``owns``, in the time of the
    utterance that spans [begin, end) of the window."""
    duration = end - begin

    def local(t: float) -> float:
        return min(max(0.0, t - begin), duration)

    words = tuple(
        Word(local(w.start), local(w.end), w.text, w.probability)
        for w in segment.words
        if owns[0] <= (w.start + w.end) / 2 < owns[1]
    )
    if not words:
        return None
    whole = len(words) == len(segment.words)
    return replace(
        segment,
        start=local(segment.start),
        end=local(segment.end),
        text=segment.text if whole else " ".join(w.text for w in words),
        words=words,
    )


def mean_logprob(segments: list[Segment]) -> float:
    total = sum(s.tokens for s in segments)
    return sum(s.avg_logprob * s.tokens for s in segments) / total


_PUNCTUATION = re.compile(r"[^\w\s']")


def normalise(text: str) -> str:
    """Lowercase, without punctuation or extra spaces: for matching known phrases."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())
