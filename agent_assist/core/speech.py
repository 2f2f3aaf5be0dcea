"""Half (a) of the call core: audio per role in, transcribed utterances out.

``SpeechStream`` owns each role's segmenter, the crosstalk gate and the decode scheduling.
What it hears goes to a ``Hearer`` (the ``CallSession``): speech in progress (for captions and
voice cues), the end of each cut, and every transcribed utterance, in release order. Utterances
of a role wait in three short queues:

* ``completed``: cut by the segmenter, until the other channel has been read
  ``policy.gate_delay_s`` past their end (the crosstalk gate compares both channels there);
* ``pending``: admitted, until they are decoded: at once (``policy.packed`` off, with the
  early decode of ``SpeechEnding`` when it is still the same speech), or when they fill one
  packed Whisper window, or ``policy.hold_s`` of the call has passed since the first of them
  started (an utterance that ends later goes into the next pack), or the call ends;
* ``ready``: decoded, until released: at once, or (``policy.start_order``) when no role can
  still give an utterance that starts earlier.

Nothing holds more than about a minute of audio, so a three-hour call needs the memory of a
three-minute one.

Seam for drivers that cut turns themselves (a diarizer on a mono recording): ``add`` takes an
already-cut ``Utterance`` with its speaker label, and optionally its ``Transcription``; it then
follows the same admission, decoding and release as the segmenters' utterances. Such a driver
adds utterances in start order.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

import numpy as np

from agent_assist.asr.window import fits_one_window
from agent_assist.config import Config
from agent_assist.contracts import (
    SAMPLE_RATE,
    SpeechEnding,
    SpeechInProgress,
    Transcriber,
    Transcription,
    Utterance,
)
from agent_assist.core.models import Models
from agent_assist.core.policy import CallPolicy
from agent_assist.crosstalk import CrosstalkGate
from agent_assist.events import Speaker
from agent_assist.vad.segmenter import Output, Segmenter

log = logging.getLogger(__name__)

GAP_S = 2.0
"""Audio arriving this much later than its samples account for is a gap: the segmenter restarts."""


class Hearer(Protocol):
    """Where a ``SpeechStream`` reports what it heard (the session's scoring half)."""

    def on_speech(self, progress: SpeechInProgress) -> None:
        """Speech of one role is going on (not crosstalk): captions, voice cues."""

    def on_cut(self, role: Speaker) -> None:
        """The speech in progress of ``role`` ended (cut, restarted or discarded)."""

    def on_transcribed(self, utterance: Utterance, result: Transcription) -> None:
        """One decoded utterance, in release order."""

    def on_fault(self, role: Speaker, start: float, error: Exception) -> None:
        """A stage raised on the audio of ``role`` at ``start`` (``policy.contain_faults``)."""


@dataclass
class SpeechStats:
    early_decodes: int = 0
    early_used: int = 0
    crosstalk_gated: int = 0
    utterances: int = 0
    """Utterances cut (before the crosstalk gate) or added."""
    restarts: int = 0
    stage_faults: int = 0


@dataclass
class _Role:
    segmenter: Segmenter | None = None
    skew: float = 0.0
    gap: bool = True
    early: tuple[Utterance, Transcription] | None = None
    """The utterance announced by the last ``SpeechEnding``, already transcribed."""
    completed: deque[Utterance] = field(default_factory=deque)
    pending: list[Utterance] = field(default_factory=list)
    known: list[Transcription | None] = field(default_factory=list)
    """Per pending utterance: its transcription when the driver gave it."""
    ready: deque[tuple[Utterance, Transcription]] = field(default_factory=deque)

    def earliest(self) -> float | None:
        """The earliest start this role may still release; None: nothing bounds it."""
        starts = [q[0].start for q in (self.completed, self.pending) if q]
        if self.segmenter is not None and not self.gap:
            starts.append(self.segmenter.horizon)
        return min(starts, default=None)


class SpeechStream:
    """Segmenters, crosstalk gate and decode scheduling of one call (no threads)."""

    def __init__(
        self,
        roles: Sequence[Speaker],
        models: Models,
        config: Config,
        policy: CallPolicy,
        hearer: Hearer,
    ) -> None:
        self.models = models
        self.config = config
        self.policy = policy
        self.hearer = hearer
        self.transcriber = (policy.live_decoder and models.live_transcriber) or models.transcriber
        self.roles: dict[Speaker, _Role] = {role: _Role() for role in roles}
        two = "customer" in self.roles and "agent" in self.roles
        self.gate = CrosstalkGate() if two else None
        self.stats = SpeechStats()
        self.early_enabled = policy.early_finals
        """Off while the driver falls behind: no early decodes."""
        self._added_from: float | None = None
        """Start of the last utterance a driver added (``add``): none will start earlier."""
        self._reached = 0.0
        """Call time a driver that adds utterances has reached (``reach``)."""

    # -- audio in -----------------------------------------------------------------------

    def feed(self, role: Speaker, samples: np.ndarray, arrival: float | None = None) -> None:
        """16 kHz mono samples of ``role``; ``arrival``: call time its last sample arrived
        (with a clock: a late block is a gap and restarts the segmenter there)."""
        state = self._role(role)
        length = len(samples) / SAMPLE_RATE
        if state.segmenter is None or state.gap:
            self._restart(role, 0.0 if arrival is None else max(0.0, arrival - length))
        elif arrival is not None:
            lateness = arrival - (self._segmenter(role).time + length)
            if lateness - state.skew > GAP_S:
                self._restart(role, max(0.0, arrival - length))
            else:
                state.skew = min(state.skew, lateness)
        segmenter = self._segmenter(role)
        if self.gate is not None:
            self.gate.add(role, samples, segmenter.time)
        for item in segmenter.accept(samples):
            self._handle(role, item)
        self.advance(final=False)

    def add(self, utterance: Utterance, result: Transcription | None = None) -> None:
        """An utterance cut by the driver (in start order), transcribed here unless ``result``."""
        state = self._role(utterance.speaker)
        self.stats.utterances += 1
        self._added_from = utterance.start
        self._admit(state, utterance, result)
        self.advance(final=False)

    def reach(self, now: float) -> None:
        """A driver that adds utterances itself has read the call up to ``now``."""
        self._reached = max(self._reached, now)

    def mark_gap(self, role: Speaker) -> None:
        """Audio of ``role`` was lost (dropped, device reopened): restart at the next block."""
        self._role(role).gap = True

    def discard(self, role: Speaker) -> None:
        """Forget the speech in progress of ``role`` without transcribing it (pause, privacy)."""
        state = self._role(role)
        state.segmenter = None
        state.gap = True
        state.early = None
        self.hearer.on_cut(role)

    def finish(self) -> None:
        """End of the call: close every utterance in progress, decode and release the rest."""
        for role, state in self.roles.items():
            if state.segmenter is not None:
                for utterance in state.segmenter.finish():
                    self._handle(role, utterance)
        self.advance(final=True)

    # -- times --------------------------------------------------------------------------

    @property
    def time(self) -> float:
        """Call time of the newest audio fed (0 before any), or reached by a driver (``reach``)."""
        fed = (s.segmenter.time for s in self.roles.values() if s.segmenter is not None)
        return max(self._reached, max(fed, default=0.0))

    def horizon(self) -> float | None:
        """No utterance released from now on starts before this (None: nothing known yet)."""
        bounds = [b for b in (s.earliest() for s in self.roles.values()) if b is not None]
        if self._added_from is not None:
            bounds.append(self._added_from)
        return min(bounds, default=None)

    def wall_time(self, role: Speaker, call_time: float, origin: float) -> float:
        """Clock time at which audio of ``call_time`` arrived (at best)."""
        return origin + call_time + self._role(role).skew

    # -- stages -------------------------------------------------------------------------

    def _role(self, role: Speaker) -> _Role:
        if role not in self.roles:
            self.roles[role] = _Role()
        return self.roles[role]

    def _segmenter(self, role: Speaker) -> Segmenter:
        segmenter = self.roles[role].segmenter
        assert segmenter is not None
        return segmenter

    def _restart(self, role: Speaker, at: float) -> None:
        state = self.roles[role]
        if state.segmenter is not None and not state.gap:
            for utterance in state.segmenter.finish():
                self._handle(role, utterance)
            self.stats.restarts += 1
        state.segmenter = new_segmenter(
            role, self.models, self.config, self.policy.captions_every_s, start_time=at
        )
        state.skew = 0.0
        state.gap = False
        self.hearer.on_cut(role)

    def _guarded(self, role: Speaker, start: float, step: Callable[[], None]) -> None:
        """Run one step on the audio of ``role`` at ``start``; with ``contain_faults`` a step
        that raises costs that utterance only."""
        if not self.policy.contain_faults:
            step()
            return
        try:
            step()
        except Exception as error:  # noqa: BLE001 - one bad utterance must not end the call
            self.stats.stage_faults += 1
            log.exception("stage failed on %s audio at %.1f s", role, start)
            self.roles[role].early = None
            self.hearer.on_cut(role)
            self.hearer.on_fault(role, start, error)

    def _handle(self, role: Speaker, item: Output) -> None:
        """One segmenter item: speech going on, an early decode, or a cut utterance (queued
        in ``completed``: ``advance`` moves it on once the whole block is read)."""
        if isinstance(item, SpeechInProgress):
            if not self._crosstalk(role, item.start, item.now):
                self.hearer.on_speech(item)
            return
        if isinstance(item, SpeechEnding):
            ending = item.utterance
            self._guarded(role, ending.start, partial(self._transcribe_early, role, ending))
            return
        self.hearer.on_cut(role)
        self.stats.utterances += 1
        self.roles[role].completed.append(item)

    def _crosstalk(self, role: Speaker, start: float, end: float) -> bool:
        return self.gate is not None and self.gate.is_crosstalk(role, start, end)

    def _transcribe_early(self, role: Speaker, utterance: Utterance) -> None:
        """Decode an utterance that may be about to end (live and keeping up only)."""
        state = self.roles[role]
        state.early = None
        if not self.early_enabled or self._crosstalk(role, utterance.start, utterance.end):
            return
        self.stats.early_decodes += 1
        state.early = (utterance, self.transcriber.transcribe(utterance.audio))

    def advance(self, final: bool) -> None:
        """Move utterances on: gate, decode and release whatever may go now."""
        read = self._read_until()
        for role, state in self.roles.items():
            while state.completed and (
                final
                or self.policy.gate_delay_s == 0.0
                or state.completed[0].end + self.policy.gate_delay_s <= read
            ):
                utterance = state.completed.popleft()
                self._guarded(role, utterance.start, partial(self._admit_cut, state, utterance))
            if state.pending and (final or self._held_long_enough(state, read)):
                self._decode(state)
        self._release(final)

    def _read_until(self) -> float:
        """Call time up to which every role has been read: for a file every role of the call
        (one not fed yet: 0), live every role still listening."""
        if self.policy.clock:
            states = [s for s in self.roles.values() if s.segmenter is not None and not s.gap]
        else:
            states = list(self.roles.values())
        times = [s.segmenter.time if s.segmenter is not None else 0.0 for s in states]
        return min(times, default=self.time)

    def _held_long_enough(self, state: _Role, read: float) -> bool:
        """The pack's hold is over and no utterance of this role ending within it can come: a
        pack is the same whatever the size of the blocks the audio came in."""
        deadline = state.pending[0].start + self.policy.hold_s
        if read <= deadline or any(u.end <= deadline for u in state.completed):
            return False
        segmenter = state.segmenter
        return segmenter is None or state.gap or segmenter.horizon > deadline

    def _admit_cut(self, state: _Role, utterance: Utterance) -> None:
        """A segmenter's utterance: dropped if it is crosstalk, else on to decoding."""
        gate, role = self.gate, utterance.speaker
        if gate is not None and gate.check(role, utterance.start, utterance.end):
            self.stats.crosstalk_gated += 1
            log.debug("%s %.2f-%.2f: crosstalk, dropped", role, utterance.start, utterance.end)
            return
        self._admit(state, utterance, None)

    def _admit(self, state: _Role, utterance: Utterance, result: Transcription | None) -> None:
        if self.policy.packed:
            lengths = [len(u.audio) for u in (*state.pending, utterance)]
            late = (
                bool(state.pending) and utterance.end > state.pending[0].start + self.policy.hold_s
            )
            if state.pending and (late or not fits_one_window(lengths)):
                self._decode(state)
            state.pending.append(utterance)
            state.known.append(result)
            return
        if result is None:
            result = self._decode_one(state, utterance)
        state.ready.append((utterance, result))

    def _decode_one(self, state: _Role, utterance: Utterance) -> Transcription:
        early, state.early = state.early, None
        if early is not None and _same_speech(early[0], utterance):
            self.stats.early_used += 1
            return early[1]
        return self.transcriber.transcribe(utterance.audio)

    def _decode(self, state: _Role) -> None:
        utterances, known = state.pending, state.known
        state.pending, state.known = [], []
        missing = [u for u, r in zip(utterances, known, strict=True) if r is None]
        decoded = iter(transcribe(self.transcriber, missing))
        for utterance, result in zip(utterances, known, strict=True):
            state.ready.append((utterance, result if result is not None else next(decoded)))

    def _release(self, final: bool) -> None:
        """Hand decoded utterances on: at once, or in start order once none can come earlier."""
        while True:
            heads = [(s.ready[0][0].start, r) for r, s in self.roles.items() if s.ready]
            if not heads:
                return
            start, role = min(heads)
            if self.policy.start_order and not final:
                horizon = self.horizon()
                if horizon is not None and start > horizon:
                    return
            utterance, result = self.roles[role].ready.popleft()
            self._guarded(
                role, utterance.start, partial(self.hearer.on_transcribed, utterance, result)
            )


def new_segmenter(
    speaker: Speaker,
    models: Models,
    config: Config,
    progress: float | None = None,
    *,
    start_time: float = 0.0,
) -> Segmenter:
    return Segmenter(
        speaker,
        models.vad_factory(),
        config.vad,
        start_time=start_time,
        progress_interval_s=progress,
    )


def transcribe(transcriber: Transcriber, utterances: Sequence[Utterance]) -> list[Transcription]:
    """Decode one role's utterances, in order; packed into windows if the transcriber can."""
    if not utterances:
        return []
    many: Callable[[list[np.ndarray]], list[Transcription]] | None = getattr(
        transcriber, "transcribe_many", None
    )
    audio = [u.audio for u in utterances]
    return many(audio) if many else [transcriber.transcribe(a) for a in audio]


def _same_speech(early: Utterance, final: Utterance) -> bool:
    """The early-decoded utterance is the final one, short of some trailing silence."""
    return (early.start, early.speech_end) == (final.start, final.speech_end) and (
        early.end <= final.end
    )
