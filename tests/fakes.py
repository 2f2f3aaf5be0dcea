"""Test doubles for the stage contracts (unit tests only; real stages have integration tests)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from agent_assist.contracts import Transcription
from agent_assist.events import Event, Sentiment, Suggestion, Word


class ScriptedTranscriber:
    """Returns the queued texts in order, one per call."""

    def __init__(
        self, texts: Sequence[str], confidence: float = 0.9, reliable: bool = True
    ) -> None:
        self.texts = list(texts)
        self.confidence = confidence
        self.reliable = reliable
        self.calls = 0

    def transcribe(self, audio: np.ndarray) -> Transcription:
        text = self.texts[self.calls] if self.calls < len(self.texts) else ""
        self.calls += 1
        words = tuple(
            Word(0.3 * i, 0.3 * i + 0.25, w, self.confidence) for i, w in enumerate(text.split())
        )
        return Transcription(
            text, words, self.confidence if words else 0.0, 0.01, -0.2, 1.2, self.reliable
        )


class KeywordSentiment:
    """Negative if the text has an angry word, positive if a thankful one."""

    NEGATIVE = ("angry", "unacceptable", "terrible", "worst")
    POSITIVE = ("thank", "great", "appreciate")

    def __init__(self) -> None:
        self.contexts: list[str | None] = []

    def score(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> list[Sentiment]:
        self.contexts += list(contexts or [None] * len(texts))
        return [self._one(t.lower()) for t in texts]

    def _one(self, text: str) -> Sentiment:
        if any(w in text for w in self.NEGATIVE):
            scores = {"negative": 0.9, "neutral": 0.08, "positive": 0.02}
            return Sentiment("negative", scores, "anger")
        if any(w in text for w in self.POSITIVE):
            scores = {"negative": 0.02, "neutral": 0.08, "positive": 0.9}
            return Sentiment("positive", scores, "joy")
        return Sentiment("neutral", {"negative": 0.1, "neutral": 0.8, "positive": 0.1}, "neutral")


class RecordingGuidance:
    """Fires one suggestion for every negative customer transcript."""

    def __init__(self) -> None:
        self.seen: list[Event] = []
        self.ticks: list[float] = []

    def observe(self, event: Event) -> list[Suggestion]:
        self.seen.append(event)
        sentiment = getattr(event, "sentiment", None)
        if sentiment is not None and sentiment.label == "negative":
            return [
                Suggestion(
                    "acknowledge", "Acknowledge", "I hear you.", 1, getattr(event, "end", 0.0)
                )
            ]
        return []

    def tick(self, now: float) -> list[Suggestion]:
        self.ticks.append(now)
        return []


def app_with_a_corrupt_model(root: Path, name: str, file: str) -> Path:
    """An app folder under ``root`` holding the repo's manifest and a copy of model ``name``
    with one byte of ``file`` flipped (so the manifest's checksum no longer matches); returns
    the flipped file. Point AGENT_ASSIST_HOME at ``root`` to load from it."""
    repo = Path(__file__).resolve().parents[1]
    (root / "resources").mkdir(parents=True)
    (root / "models").mkdir()
    shutil.copyfile(repo / "models" / "manifest.toml", root / "models" / "manifest.toml")
    shutil.copytree(repo / "models" / name, root / "models" / name)
    flipped = root / "models" / name / file
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped.write_bytes(bytes(data))
    return flipped
