"""One recorded call analysed as a stream, in bounded memory whatever its length.

Blocks of 16 kHz audio per role go through each role's segmenter (and, for two channels, the
crosstalk gate's envelopes) as they are read. Utterances wait in three short queues per role:

* ``completed``: cut by the segmenter, until the other channel has been read a little past
  their end (the crosstalk gate compares both channels there);
* ``pending``: kept, until they fill one packed Whisper window, or ``HOLD_S`` of the call has
  passed since the first of them, or the call ends; then they are decoded together;
* ``ready``: decoded, until no role can still give an utterance that starts earlier; then they
  go to the engine, in start order across roles, as the whole-file analysis did.

Nothing holds more than about a minute of audio, so a three-hour call needs the memory of a
three-minute one.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agent_assist.asr.window import fits_one_window
from agent_assist.config import Config
from agent_assist.contracts import SAMPLE_RATE, Transcriber, Transcription, Utterance
from agent_assist.crosstalk import CrosstalkGate
from agent_assist.cues import VoiceCueTracker
from agent_assist.engine import CallEngine
from agent_assist.events import CallSummary, Event, EventSink, Speaker
from agent_assist.vad.segmenter import Segmenter

log = logging.getLogger(__name__)

GATE_DELAY_S = 0.1
"""Audio read past an utterance's end before the crosstalk gate judges it."""
HOLD_S = 60.0
"""Call time an undecoded utterance may wait for others to pack with."""


@dataclass
class _Role:
    segmenter: Segmenter
    completed: deque[Utterance] = field(default_factory=deque)
    pending: list[Utterance] = field(default_factory=list)
    ready: deque[tuple[Utterance, Transcription]] = field(default_factory=deque)

    def earliest(self) -> float:
        """The earliest start of an utterance of this role not yet decoded."""
        starts = [self.segmenter.horizon]
        if self.completed:
            starts.append(self.completed[0].start)
        if self.pending:
            starts.append(self.pending[0].start)
        return min(starts)


class CallStream:
    """Feed a call's audio block by block with ``feed``; ``finish`` returns the summary.

    Events go to ``on_event`` in time order, as soon as they can no longer be preceded.
    """

    def __init__(
        self,
        segmenters: Sequence[Segmenter],
        transcriber: Transcriber,
        engine: CallEngine,
        config: Config,
        on_event: EventSink,
    ) -> None:
        self._roles = {s.speaker: _Role(s) for s in segmenters}
        self._transcriber = transcriber
        self._engine = engine
        self._on_event = on_event
        two = len(self._roles) > 1
        self.gate = CrosstalkGate() if two else None
        self._cues = VoiceCueTracker() if two and config.privacy.voice_cues else None
        self._position = 0

    @property
    def duration(self) -> float:
        return self._position / SAMPLE_RATE

    def feed(self, block: dict[Speaker, np.ndarray]) -> None:
        """The next stretch of audio of every role (the same length for each)."""
        start = self.duration
        for role, samples in block.items():
            if self.gate is not None:
                self.gate.add(role, samples, start)
            state = self._roles[role]
            state.completed.extend(
                u for u in state.segmenter.accept(samples) if isinstance(u, Utterance)
            )
        self._position += max((len(s) for s in block.values()), default=0)
        self._advance(final=False)

    def finish(self) -> CallSummary:
        for state in self._roles.values():
            state.completed.extend(state.segmenter.finish())
        self._advance(final=True)
        duration = self.duration
        self._emit(self._engine.tick(duration))
        summary = self._engine.finish(duration)[0]
        assert isinstance(summary, CallSummary)
        self._on_event(summary)
        return summary

    def _advance(self, final: bool) -> None:
        now = self.duration
        for state in self._roles.values():
            while state.completed and (final or state.completed[0].end + GATE_DELAY_S <= now):
                self._admit(state, state.completed.popleft())
            if state.pending and (final or state.pending[0].start < now - HOLD_S):
                self._decode(state)
        self._release(final)

    def _admit(self, state: _Role, utterance: Utterance) -> None:
        gate = self.gate
        if gate is not None and gate.check(utterance.speaker, utterance.start, utterance.end):
            log.debug("%s %.2f s: crosstalk, dropped", utterance.speaker, utterance.start)
            return
        lengths = [len(u.audio) for u in (*state.pending, utterance)]
        if state.pending and not fits_one_window(lengths):
            self._decode(state)
        state.pending.append(utterance)

    def _decode(self, state: _Role) -> None:
        utterances, state.pending = state.pending, []
        state.ready.extend(zip(utterances, transcribe(self._transcriber, utterances), strict=True))

    def _release(self, final: bool) -> None:
        """Hand decoded utterances to the engine in start order, while none can come earlier."""
        horizon = min(s.earliest() for s in self._roles.values())
        while True:
            heads = [
                (s.ready[0][0].start, i) for i, s in enumerate(self._roles.values()) if s.ready
            ]
            if not heads:
                return
            start, index = min(heads)
            if not final and start > horizon:
                return
            utterance, result = list(self._roles.values())[index].ready.popleft()
            self._emit([*self._engine.tick(utterance.start), *self._utterance(utterance, result)])

    def _utterance(self, utterance: Utterance, result: Transcription) -> list[Event]:
        cues = self._cues
        if cues is not None:
            cues.note_speech(utterance.speaker, utterance.start, utterance.end)
        final = self._engine.finalize(utterance, result)
        if final is None:
            return []
        events = self._engine.on_transcript(final)
        if cues is not None:
            events += self._engine.on_cues(cues.cues(final, utterance.audio))
        return events

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            self._on_event(event)


def transcribe(transcriber: Transcriber, utterances: Sequence[Utterance]) -> list[Transcription]:
    """Decode one role's utterances, in order; packed into windows if the transcriber can."""
    many: Callable[[list[np.ndarray]], list[Transcription]] | None = getattr(
        transcriber, "transcribe_many", None
    )
    audio = [u.audio for u in utterances]
    return many(audio) if many else [transcriber.transcribe(a) for a in audio]
