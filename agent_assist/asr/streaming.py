"""Streaming captions: re-decode the growing utterance and commit what stays the same.

LocalAgreement-2 (as in whisper_streaming): each new hypothesis of the utterance so far is
compared with the previous one; the words both agree on, after those already committed, become
stable and never change again. The rest of the newest hypothesis is provisional. Pure Python,
no threads: the live worker calls ``PartialCaptioner.update`` with each ``SpeechInProgress``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent_assist.contracts import SpeechInProgress, Transcriber
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
