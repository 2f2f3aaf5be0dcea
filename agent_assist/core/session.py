"""The call core: one call from audio to events, without threads.

``CallSession`` is used the way whisper_streaming's processors are: ``feed`` audio per role
(with its arrival time when there is a clock), and ``finish`` the call (which returns the
``CallSummary``). Events leave through the one ``emit`` sink given at construction, in the
order they happen; the summary is the last one. Live drivers also call ``mark_gap``,
``discard`` and ``pause_ended``; ``tick`` lets time pass without audio.

Two halves with public seams:

* (a) ``core.speech.SpeechStream``: audio → segmenters → crosstalk gate → decode scheduling →
  transcribed utterances (``Utterance`` + ``Transcription``) in release order;
* (b) ``engine.CallEngine``: a transcribed utterance → transcript with sentiment, mood,
  guidance, voice cues, and the per-call stats the summary is made of.

``add_utterance`` feeds an utterance a driver cut itself (a diarizer relabelling a mono
recording's turns) with its speaker label, and optionally its transcription, into the same
scheduling and scoring: the same events as if the segmenters had cut it.

What differs between a file and a sound card is the ``policy`` (``core.policy``). Shared rules:

* guidance ticks every ``policy.tick_s`` of call time, up to the scored horizon (the time
  before which every utterance has been scored: a tick never runs ahead of speech not yet
  scored); before an utterance is scored guidance is ticked up to its start; the call's end
  is ticked last;
* voice cues (``privacy.voice_cues``) need each speaker on their own channel: they are made
  when the call has two roles or more (two-channel files, two live devices, a diarizer's
  labels), never for a single track, which may carry both voices (a mono recording, a call
  monitor).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from agent_assist.captions import Captions
from agent_assist.config import Config
from agent_assist.contracts import Clock, SpeechInProgress, Transcription, Utterance
from agent_assist.core.models import Models
from agent_assist.core.policy import CallPolicy
from agent_assist.core.speech import SpeechStream
from agent_assist.cues import VoiceCueTracker
from agent_assist.engine import CallEngine
from agent_assist.events import (
    CallSummary,
    Event,
    EventSink,
    Latency,
    PipelineStatus,
    Speaker,
    TranscriptPartial,
)

log = logging.getLogger(__name__)


@dataclass
class SessionStats:
    partials_skipped: int = 0
    """Caption drafts not asked for: falling behind, or crosstalk."""
    latencies: list[Latency] = field(default_factory=list)


def new_engine(
    models: Models, config: Config, call_name: str, live: bool = False, *, cues: bool = False
) -> CallEngine:
    """The scoring half for one call; ``live`` keeps ``models.live_transcriber`` as its
    decoder (for ``CallEngine.on_utterance``), ``cues`` makes voice cues."""
    transcriber = (live and models.live_transcriber) or models.transcriber
    guidance = None
    if models.playbook is not None:
        from agent_assist.guidance.engine import GuidanceEngine

        guidance = GuidanceEngine(models.playbook, config.guidance)  # type: ignore[arg-type]
    tracker = VoiceCueTracker() if cues else None
    return CallEngine(transcriber, models.sentiment, guidance, config, call_name, cues=tracker)


class CallSession:
    """One call's core. Times are call seconds; ``clock`` (policy with a clock) is wall seconds.

    ``roles``: the roles whose audio ``feed`` gets. ``captions``: the caption-draft decoder
    class (``captions.CaptionThread`` from a driver that runs drafts beside the finals); its
    drafts are emitted with ``lock`` held, as everything else is.
    """

    def __init__(
        self,
        models: Models,
        config: Config,
        policy: CallPolicy,
        emit: EventSink,
        *,
        roles: Sequence[Speaker],
        call_name: str = "call",
        clock: Clock | None = None,
        origin: float = 0.0,
        captions: type[Captions] = Captions,
    ) -> None:
        if policy.clock and clock is None:
            raise ValueError(f"the {policy.name} policy needs a clock")
        self.config = config
        self.policy = policy
        self.emit = emit
        self.clock = clock if policy.clock else None
        self.origin = origin
        self.lock = threading.RLock()
        self.stats = SessionStats()
        cues = config.privacy.voice_cues and len(set(roles)) > 1
        self.engine = new_engine(models, config, call_name, policy.live_decoder, cues=cues)
        drafts = models.partial_transcriber or models.transcriber
        self.captions = captions(drafts, self._partial, self._now, self.lock)
        self._captions_on = policy.captions_every_s is not None
        self._ticked = 0.0
        self.speech = SpeechStream(roles, models, config, policy, self)

    # -- driving ------------------------------------------------------------------------

    def feed(self, role: Speaker, samples: np.ndarray, arrival: float | None = None) -> None:
        """16 kHz mono float32 samples of ``role``; ``arrival``: call time its last sample
        arrived (with a clock)."""
        self.speech.feed(role, samples, arrival)
        self.tick(self.speech.time)

    def add_utterance(self, utterance: Utterance, result: Transcription | None = None) -> None:
        """An utterance the driver cut (in start order), with its speaker label; transcribed
        here unless ``result`` is given. It is gated, scheduled and scored as any other."""
        self.speech.add(utterance, result)
        self.tick(self.speech.time)

    def advance_to(self, now: float) -> None:
        """A driver that adds utterances itself (no audio fed) has read the call up to ``now``:
        the call lasts at least that long and guidance may tick up to it."""
        self.speech.reach(now)
        self.tick(self.speech.time)

    def tick(self, now: float) -> None:
        """Time passed: tick guidance every ``tick_s`` up to ``now`` (never past the horizon)."""
        horizon = self.speech.horizon()
        if horizon is not None:
            self._tick_until(min(now, horizon))

    def mark_gap(self, role: Speaker) -> None:
        self.speech.mark_gap(role)

    def discard(self, role: Speaker) -> None:
        """Forget the speech in progress of ``role`` without transcribing it (pause, privacy)."""
        self.speech.discard(role)

    def pause_ended(self, now: float) -> None:
        with self.lock:
            self.engine.pause_ended(now)

    def finish(self) -> CallSummary:
        """The call is over: the remaining speech is scored; returns (and emits) the summary."""
        self.captions.close()
        self.speech.finish()
        duration = self.time
        self._tick_until(duration)
        with self.lock:
            if duration > self._ticked:
                self._emit_all(self.engine.tick(duration))
            summary = self.engine.summary(duration)
            self.emit(summary)
        return summary

    @property
    def time(self) -> float:
        """Call time of the newest audio fed."""
        return self.speech.time

    @property
    def partials_enabled(self) -> bool:
        return self._captions_on

    @partials_enabled.setter
    def partials_enabled(self, on: bool) -> None:
        """Off while the driver falls behind: no caption drafts, no early decodes."""
        self._captions_on = on and self.policy.captions_every_s is not None
        self.speech.early_enabled = on and self.policy.early_finals

    def wall_time(self, role: Speaker, call_time: float) -> float:
        """Clock time at which audio of ``call_time`` arrived (at best)."""
        return self.speech.wall_time(role, call_time, self.origin)

    # -- what the speech stream heard (``core.speech.Hearer``) ---------------------------

    def on_speech(self, progress: SpeechInProgress) -> None:
        self.engine.note_speech(progress.speaker, progress.start, progress.now)
        if not self._captions_on:
            self.stats.partials_skipped += 1
            return
        self.captions.update(progress)

    def on_cut(self, role: Speaker) -> None:
        self.captions.reset(role)

    def on_transcribed(self, utterance: Utterance, result: Transcription) -> None:
        """Score one utterance; then ``Latency`` from the end of speech to its transcript
        (with its sentiment), to its mood and cues, and to all its events delivered."""
        at_transcript = self._now()
        horizon = self.speech.horizon()
        start = utterance.start if horizon is None else min(utterance.start, horizon)
        self._tick_until(start)
        with self.lock:
            events = self.engine.on_transcribed(utterance, result)
            at_mood = self._now()
            self._emit_all(events)
        if self.clock is None or not events:
            return
        speech_end = utterance.end if utterance.speech_end is None else utterance.speech_end
        ended = self.wall_time(utterance.speaker, speech_end)
        latency = Latency(
            speaker=utterance.speaker,
            utterance_end=utterance.end,
            speech_end=speech_end,
            to_transcript=at_transcript - ended,
            to_mood=at_mood - ended,
            to_guidance=self._now() - ended,
            split=utterance.split,
        )
        self.stats.latencies.append(latency)
        with self.lock:
            self.emit(latency)

    def on_fault(self, role: Speaker, start: float, error: Exception) -> None:
        message = f"a processing stage failed and was restarted ({type(error).__name__}: {error})"
        message = " ".join(message.split())
        with self.lock:
            self.emit(PipelineStatus(state="recovering", message=message, time=start, role=role))

    # -- internals ----------------------------------------------------------------------

    def _tick_until(self, until: float) -> None:
        step = self.policy.tick_s
        while self._ticked + step <= until:
            self._ticked += step
            with self.lock:
                self._emit_all(self.engine.tick(self._ticked))

    def _partial(self, partial: TranscriptPartial) -> None:
        """A caption draft is ready (``lock`` held: the caption thread may call this)."""
        self._emit_all(self.engine.on_partial(partial))

    def _now(self) -> float:
        return self.clock() if self.clock is not None else 0.0

    def _emit_all(self, events: Sequence[Event]) -> None:
        for event in events:
            self.emit(event)
