"""The scoring half of the call core: transcribed utterances in, events out.

``CallEngine`` runs sentiment, mood, guidance and voice cues for one call and keeps the stats
its summary is made of. It has no threads and no audio I/O: ``core.CallSession`` feeds it the
utterances its ``core.speech.SpeechStream`` transcribed (``on_transcribed``), and a driver
that scores turns of its own can call it the same way.
"""

from __future__ import annotations

import logging

from agent_assist.config import Config
from agent_assist.contracts import (
    Guidance,
    SentimentModel,
    Transcriber,
    Transcription,
    Utterance,
)
from agent_assist.cues import VoiceCueTracker
from agent_assist.events import (
    CallSummary,
    Event,
    Speaker,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    VoiceCues,
    Word,
)
from agent_assist.figures import CallStats
from agent_assist.mood import MoodTracker

log = logging.getLogger(__name__)


def shift_words(words: tuple[Word, ...], offset: float) -> tuple[Word, ...]:
    return tuple(Word(w.start + offset, w.end + offset, w.text, w.probability) for w in words)


class CallEngine:
    """Transcribe → sentiment → mood → guidance for the utterances of one call."""

    def __init__(
        self,
        transcriber: Transcriber,
        sentiment: SentimentModel,
        guidance: Guidance | None,
        config: Config,
        call_name: str = "call",
        *,
        cues: VoiceCueTracker | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.cues = cues
        """Voice cues per scored utterance; None: none are made."""
        self.sentiment = sentiment
        self.guidance = guidance
        self.config = config
        self.call_name = call_name
        self.mood = MoodTracker(config.mood, config.guidance.min_confidence)
        self.stats = CallStats()
        self._last_text: dict[Speaker, str] = {}
        self._last_turn: str | None = None

    def transcript(self, utterance: Utterance) -> TranscriptFinal | None:
        """Transcribe and score one utterance; None when nothing was said."""
        return self.finalize(utterance, self.transcriber.transcribe(utterance.audio))

    def finalize(self, utterance: Utterance, result: Transcription) -> TranscriptFinal | None:
        """Score an utterance already transcribed; None when nothing was said."""
        text = result.text.strip()
        if not text:
            return None
        context = self._last_turn if self.config.sentiment.use_context else None
        sentiment = self.sentiment.score([text], [context])[0]
        self._last_turn = text
        return TranscriptFinal(
            speaker=utterance.speaker,
            start=utterance.start,
            end=utterance.end,
            text=text,
            confidence=result.confidence,
            sentiment=sentiment,
            reliable=result.reliable,
            words=shift_words(result.words, utterance.start),
            no_speech_prob=result.no_speech_prob,
            avg_logprob=result.avg_logprob,
        )

    def on_utterance(self, utterance: Utterance) -> list[Event]:
        """Transcribe (with ``transcriber``) and score one utterance."""
        return self.on_transcribed(utterance, self.transcriber.transcribe(utterance.audio))

    def on_transcribed(self, utterance: Utterance, result: Transcription) -> list[Event]:
        """Score one transcribed utterance: transcript, mood, suggestions, voice cues."""
        self.note_speech(utterance.speaker, utterance.start, utterance.end)
        final = self.finalize(utterance, result)
        if final is None:
            return []
        events = self.on_transcript(final)
        if self.cues is not None:
            events += self.on_cues(self.cues.cues(final, utterance.audio))
        return events

    def note_speech(self, speaker: Speaker, start: float, end: float) -> None:
        """``speaker`` is (or was) speaking from ``start`` to ``end``: voice cues count it."""
        if self.cues is not None:
            self.cues.note_speech(speaker, start, end)

    def on_transcript(self, final: TranscriptFinal) -> list[Event]:
        events: list[Event] = [final]
        mood = self.mood.update(final)
        if mood is not None:
            events.append(mood)
        for event in list(events):
            events += self._guide(event)
        self._record(events)
        return events

    def on_partial(self, partial: TranscriptPartial) -> list[Event]:
        """Provisional text: shown, and tells guidance that someone is speaking (no silence)."""
        events: list[Event] = [partial, *self._guide(partial)]
        self._record(events)
        return events

    def on_cues(self, cues: VoiceCues) -> list[Event]:
        events: list[Event] = [cues, *self._guide(cues)]
        self._record(events)
        return events

    def pause_ended(self, now: float) -> None:
        """A privacy pause ended at call time ``now``: the time paused was not silence, so no
        silence rule counts it (no 'no speech for 16 s' card on resume)."""
        restart = getattr(self.guidance, "mark_speech", None)
        if restart is not None:
            restart(now)

    def tick(self, now: float) -> list[Event]:
        if self.guidance is None:
            return []
        events: list[Event] = list(self.guidance.tick(now))
        self._record(events)
        return events

    def summary(self, duration: float) -> CallSummary:
        return self.stats.summary(self.call_name, duration, self.config.mood.negative_below)

    def finish(self, duration: float) -> list[Event]:
        return [self.summary(duration)]

    def _guide(self, event: Event) -> list[Suggestion]:
        if self.guidance is None:
            return []
        return self.guidance.observe(event)

    def _record(self, events: list[Event]) -> None:
        for event in events:
            self.stats.add(event)
