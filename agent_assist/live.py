"""The live pipeline: capture → VAD → captions / ASR → sentiment → mood → guidance, bounded.

``CallProcessor`` is the core: feed it 16 kHz audio per role (with the time each block
arrived) and it emits partial captions, final transcripts, mood, suggestions, voice cues
and per-utterance ``Latency``, counted from the end of speech (the last frame the VAD heard as
speech). Live, an utterance is transcribed as soon as the speaker has paused for the kept tail
(``SpeechEnding``), while the VAD hangover still runs; if the pause lasts, the final event only
needs the sentiment, and if speech resumes the early decode is dropped.

``PipelineWorker`` runs it on one thread over a ``Feed``: live devices (``LiveFeed``: the audio
callback only copies into a bounded queue) or a call file paced in real time (``FileFeed``, the
GUI's demo); the runners decode caption drafts on a second thread (``captions.CaptionThread``)
so that finals never wait for them. The worker measures how far behind real time it is: past a
third of ``audio.max_lag_s`` it stops partial decoding (and early decoding), past
``max_lag_s`` it drops the oldest audio, and it says so with a
``PipelineStatus("behind", lag=...)``. Even before that, caption drafts are spaced so that they
take at most ``captions.PARTIAL_SHARE`` of their thread's time.

``LiveRunner`` (``contracts.Runner``) captures the configured devices; a device that goes away
is reported (``device_lost``), the other role keeps running, and it is reopened when it returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from agent_assist.audio.capture import (
    OFF_VALUES,
    AudioSource,
    Block,
    BlockQueue,
    DeviceSource,
    RoleAudio,
    import_sounddevice,
)
from agent_assist.captions import Captions, CaptionThread
from agent_assist.config import Config
from agent_assist.contracts import (
    SAMPLE_RATE,
    Clock,
    SpeechEnding,
    SpeechInProgress,
    Transcription,
    Utterance,
)
from agent_assist.crosstalk import CrosstalkGate
from agent_assist.cues import VoiceCueTracker
from agent_assist.engine import CallEngine
from agent_assist.errors import AgentAssistError, DeviceError
from agent_assist.events import (
    SPEAKERS,
    Event,
    EventSink,
    Latency,
    PipelineState,
    PipelineStatus,
    Speaker,
    TranscriptFinal,
    TranscriptPartial,
)
from agent_assist.memory import release_free_memory
from agent_assist.pipeline import ModelLoader, Models, load_models, new_engine, new_segmenter
from agent_assist.vad.segmenter import Output, Segmenter

log = logging.getLogger(__name__)

GAP_S = 2.0
"""Audio arriving this much later than its samples account for is a gap: the segmenter restarts."""
RETRY_S = 2.0
HEALTH_S = 0.25
TICK_S = 0.5
STATUS_EVERY_S = 1.0
WAIT_S = 0.1


@dataclass
class _Role:
    segmenter: Segmenter | None = None
    skew: float = 0.0
    gap: bool = True
    early: tuple[Utterance, Transcription] | None = None
    """The utterance announced by the last ``SpeechEnding``, already transcribed."""


@dataclass
class ProcessorStats:
    partials_skipped: int = 0
    """Partial captions not asked for: captions off (falling behind) or crosstalk."""
    early_decodes: int = 0
    early_used: int = 0
    crosstalk_gated: int = 0
    utterances: int = 0
    restarts: int = 0
    stage_faults: int = 0
    latencies: list[Latency] = field(default_factory=list)


class CallProcessor:
    """One call's stages without threads. Times are call seconds; ``clock`` is wall seconds.

    With ``clock`` set (live or paced replay) each block's arrival time maps call time to the
    wall clock, so the processor reports per-utterance latency; without it, it runs as fast as
    it is fed and reports none. ``caption_thread``: partial captions are decoded on a thread of
    their own (``captions.CaptionThread``); events are then emitted from both threads, one at
    a time, with ``lock`` held.
    """

    def __init__(
        self,
        models: Models,
        config: Config,
        engine: CallEngine,
        emit: EventSink,
        *,
        clock: Clock | None = None,
        origin: float = 0.0,
        caption_thread: bool = False,
    ) -> None:
        self.models = models
        self.config = config
        self.engine = engine
        self.emit = emit
        self.clock = clock
        self.origin = origin
        self.partials_enabled = True
        self.gate = CrosstalkGate()
        self.cues = VoiceCueTracker() if config.privacy.voice_cues else None
        self.stats = ProcessorStats()
        self._roles: dict[Speaker, _Role] = {s: _Role() for s in SPEAKERS}
        self.lock = threading.RLock()
        kind = CaptionThread if caption_thread and clock is not None else Captions
        drafts = models.partial_transcriber or models.transcriber
        self.captions = kind(drafts, self._partial, self._now, self.lock)

    # -- feeding ------------------------------------------------------------------------

    def feed(self, role: Speaker, samples: np.ndarray, arrival: float | None = None) -> None:
        """16 kHz mono samples of ``role``; ``arrival``: call time its last sample arrived."""
        state = self._roles[role]
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
        self.gate.add(role, samples, segmenter.time)
        for item in segmenter.accept(samples):
            self._handle(role, item)

    def mark_gap(self, role: Speaker) -> None:
        """Audio of ``role`` was lost (dropped, device reopened): restart at the next block."""
        self._roles[role].gap = True

    def discard(self, role: Speaker) -> None:
        """Forget the speech in progress without transcribing it (pause, privacy)."""
        state = self._roles[role]
        state.segmenter = None
        state.gap = True
        state.early = None
        self.captions.reset(role)

    def tick(self, now: float) -> None:
        with self.lock:
            self._emit_all(self.engine.tick(now))

    def pause_ended(self, now: float) -> None:
        with self.lock:
            self.engine.pause_ended(now)

    def finish(self, duration: float) -> None:
        """The call is over: the remaining speech is transcribed; the captions stop."""
        self.captions.close()
        for role, state in self._roles.items():
            if state.segmenter is not None:
                for utterance in self._segmenter(role).finish():
                    self._handle(role, utterance)
        with self.lock:
            self._emit_all(self.engine.finish(duration))

    @property
    def time(self) -> float:
        """Call time of the newest audio fed (0 before any)."""
        return max(
            (s.segmenter.time for s in self._roles.values() if s.segmenter is not None), default=0.0
        )

    def wall_time(self, role: Speaker, call_time: float) -> float:
        """Wall-clock time (``clock`` units) at which audio of ``call_time`` arrived (at best)."""
        return self.origin + call_time + self._roles[role].skew

    # -- stages -------------------------------------------------------------------------

    def _restart(self, role: Speaker, at: float) -> None:
        state = self._roles[role]
        if state.segmenter is not None and not state.gap:
            for utterance in self._segmenter(role).finish():
                self._handle(role, utterance)
            self.stats.restarts += 1
        interval = self.config.asr.partial_interval_s
        state.segmenter = new_segmenter(role, self.models, self.config, interval, start_time=at)
        state.skew = 0.0
        state.gap = False
        self.captions.reset(role)

    def _segmenter(self, role: Speaker) -> Segmenter:
        segmenter = self._roles[role].segmenter
        assert segmenter is not None
        return segmenter

    def _handle(self, role: Speaker, item: Output) -> None:
        """Process one segmenter item; a stage that raises costs that item, not the call."""
        try:
            self._handle_item(role, item)
        except Exception as error:  # noqa: BLE001 - one bad utterance must not end the call
            self.stats.stage_faults += 1
            start = item.utterance.start if isinstance(item, SpeechEnding) else item.start
            log.exception("stage failed on %s audio at %.1f s", role, start)
            self._roles[role].early = None
            self.captions.reset(role)
            message = (
                f"a processing stage failed and was restarted ({type(error).__name__}: {error})"
            )
            with self.lock:
                self.emit(
                    PipelineStatus(state="recovering", message=message, time=start, role=role)
                )

    def _handle_item(self, role: Speaker, item: Output) -> None:
        if isinstance(item, SpeechInProgress):
            self._progress(role, item)
            return
        if isinstance(item, SpeechEnding):
            self._transcribe_early(role, item.utterance)
            return
        self.captions.reset(role)
        if self.gate.check(role, item.start, item.end):
            self.stats.crosstalk_gated += 1
            log.debug("%s %.2f-%.2f gated as crosstalk", role, item.start, item.end)
            return
        self._utterance(item)

    def _progress(self, role: Speaker, progress: SpeechInProgress) -> None:
        if self.gate.is_crosstalk(role, progress.start, progress.now):
            return
        if self.cues:
            self.cues.note_speech(role, progress.start, progress.now)
        if not self.partials_enabled:
            self.stats.partials_skipped += 1
            return
        self.captions.update(progress)

    def _partial(self, partial: TranscriptPartial) -> None:
        """A caption draft is ready (``lock`` held: the caption thread may call this)."""
        self._emit_all(self.engine.on_partial(partial))

    def _transcribe_early(self, role: Speaker, utterance: Utterance) -> None:
        """Decode an utterance that may be about to end (live and keeping up only)."""
        state = self._roles[role]
        state.early = None
        if self.clock is None or not self.partials_enabled:
            return
        if self.gate.is_crosstalk(role, utterance.start, utterance.end):
            return
        self.stats.early_decodes += 1
        state.early = (utterance, self.engine.transcriber.transcribe(utterance.audio))

    def _final(self, utterance: Utterance) -> TranscriptFinal | None:
        state = self._roles[utterance.speaker]
        early, state.early = state.early, None
        if early is not None and _same_speech(early[0], utterance):
            self.stats.early_used += 1
            return self.engine.finalize(utterance, early[1])
        return self.engine.transcript(utterance)

    def _utterance(self, utterance: Utterance) -> None:
        """Transcript, mood, cues, suggestions; then ``Latency`` from the end of speech to
        the final transcript (with its sentiment), to the mood update, and to all of its
        events delivered (suggestions included)."""
        self.stats.utterances += 1
        final = self._final(utterance)
        at_transcript = self._now()
        if final is None:
            return
        with self.lock:
            events = self.engine.on_transcript(final)
            at_mood = self._now()
            if self.cues is not None:
                events += self.engine.on_cues(self.cues.cues(final, utterance.audio))
            self._emit_all(events)
        if self.clock is None:
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

    def _now(self) -> float:
        return self.clock() if self.clock is not None else 0.0

    def _emit_all(self, events: Sequence[Event]) -> None:
        for event in events:
            self.emit(event)


def _same_speech(early: Utterance, final: Utterance) -> bool:
    """The early-decoded utterance is the final one, short of some trailing silence."""
    return (early.start, early.speech_end) == (final.start, final.speech_end) and (
        early.end <= final.end
    )


# ---------------------------------------------------------------------------- feeds


class Feed(Protocol):
    """Where the worker's audio comes from: live devices or a paced file."""

    measures_lag: bool
    drops_when_paused: bool

    def open(self, emit: EventSink, origin: float) -> list[Speaker]:
        """Start; return the roles it carries."""
        ...

    def get(self, timeout: float) -> list[Block] | None:
        """The blocks that are due (maybe none); None at the end of the input."""
        ...

    def poll(self, now: float) -> list[Speaker]:
        """Look after the inputs (device loss, retries); return roles whose audio had a gap."""
        ...

    def set_paused(self, paused: bool) -> None: ...

    def close(self) -> None: ...


class LiveFeed:
    """Device sources feeding one bounded queue; watches them and reopens lost ones."""

    measures_lag = True
    drops_when_paused = True

    def __init__(self, sources: Sequence[AudioSource], queue_seconds: float, clock: Clock) -> None:
        self.sources = list(sources)
        self.queue = BlockQueue(queue_seconds)
        self.clock = clock
        self._open: dict[Speaker, bool] = {}
        self._retry_at: dict[Speaker, float] = {}
        self._dropped_seen: dict[Speaker, float] = {}
        self._paused = False
        self._emit: EventSink = lambda event: None
        self._origin = 0.0
        self._next_health = 0.0

    def open(self, emit: EventSink, origin: float) -> list[Speaker]:
        self._emit, self._origin = emit, origin
        for source in self.sources:
            self._try_open(source, first=True)
        return [s.role for s in self.sources]

    def _sink(self, block: Block) -> None:
        if not self._paused:
            self.queue.put(block)

    def _try_open(self, source: AudioSource, first: bool = False) -> bool:
        now = self.clock()
        try:
            source.open(self._sink)
        except DeviceError as error:
            self._open[source.role] = False
            self._retry_at[source.role] = now + RETRY_S
            if first:
                self._status("no_device", f"{source.role}: {error}", source.role)
            return False
        self._open[source.role] = True
        message = f"{source.role}: listening on {source.description}"
        self._status("listening", message if first else f"{message} (resumed)", source.role)
        return True

    def _status(self, state: PipelineState, message: str, role: Speaker | None) -> None:
        log.info(message)
        self._emit(
            PipelineStatus(
                state=state, message=message, time=self.clock() - self._origin, role=role
            )
        )

    def get(self, timeout: float) -> list[Block] | None:
        return self.queue.get(timeout)

    def poll(self, now: float) -> list[Speaker]:
        gaps = self._overflowed()
        if now < self._next_health:
            return gaps
        self._next_health = now + HEALTH_S
        for source in self.sources:
            role = source.role
            if self._open.get(role) and not source.alive(now):
                source.close()
                self._open[role] = False
                self._retry_at[role] = now + RETRY_S
                self._status(
                    "device_lost",
                    f"{role}: input device lost ({source.description}); retrying",
                    role,
                )
                gaps.append(role)
            elif not self._open.get(role) and now >= self._retry_at.get(role, 0.0):
                rescan = getattr(source, "rescan", None)
                if rescan is not None and not any(self._open.values()):
                    rescan()
                if self._try_open(source):
                    gaps.append(role)
                else:
                    self._retry_at[role] = now + RETRY_S
        return gaps

    def _overflowed(self) -> list[Speaker]:
        gaps = []
        for role, seconds in list(self.queue.dropped_seconds.items()):
            if seconds > self._dropped_seen.get(role, 0.0):
                self._dropped_seen[role] = seconds
                gaps.append(role)
        return gaps

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if paused:
            self.queue.clear()

    def wake(self) -> None:
        self.queue.wake()

    def close(self) -> None:
        for source in self.sources:
            source.close()


class FileFeed:
    """A recorded call's tracks, 100 ms at a time, paced like a live call when ``realtime``."""

    drops_when_paused = False
    step_s = 0.1

    def __init__(
        self, tracks: dict[Speaker, np.ndarray], realtime: bool, clock: Clock, stop: threading.Event
    ) -> None:
        self.tracks = tracks
        self.realtime = realtime
        self.measures_lag = realtime
        self.clock = clock
        self.stop = stop
        self.length = max(len(a) for a in tracks.values())
        self._begin = 0
        self._start = 0.0
        self._paused_at: float | None = None
        self._resume = threading.Event()
        self._resume.set()

    @property
    def position(self) -> float:
        return self._begin / SAMPLE_RATE

    def open(self, emit: EventSink, origin: float) -> list[Speaker]:
        self._start = origin
        return list(self.tracks)

    def get(self, timeout: float) -> list[Block] | None:
        if self._begin >= self.length:
            return None
        if not self._resume.wait(timeout) or self._paused_at is not None:
            return []
        step = int(self.step_s * SAMPLE_RATE)
        end = self._begin + step
        due = self._start + end / SAMPLE_RATE
        if self.realtime:
            delay = due - self.clock()
            if delay > 0 and self.stop.wait(min(delay, timeout)):
                return []
            if self.clock() < due:
                return []
        blocks = [
            Block(role, audio[self._begin : end], SAMPLE_RATE, due)
            for role, audio in self.tracks.items()
        ]
        self._begin = end
        return blocks

    def poll(self, now: float) -> list[Speaker]:
        return []

    def set_paused(self, paused: bool) -> None:
        if paused:
            if self._paused_at is None:
                self._paused_at = self.clock()
            self._resume.clear()
        else:
            if self._paused_at is not None:
                self._start += self.clock() - self._paused_at
            self._paused_at = None
            self._resume.set()

    def wake(self) -> None:
        """Nothing to do: ``get`` waits at most its timeout."""

    def close(self) -> None:
        return None


# ---------------------------------------------------------------------------- worker


@dataclass
class LagPolicy:
    """Staged response to lag: first no partial captions, then drop the oldest audio."""

    max_lag_s: float
    partials_off: bool = False
    dropping: bool = False

    @property
    def partial_limit(self) -> float:
        return self.max_lag_s / 3

    def update(self, lag: float) -> None:
        if lag > self.partial_limit:
            self.partials_off = True
        elif lag < self.partial_limit / 2:
            self.partials_off = False
        if lag > self.max_lag_s:
            self.dropping = True
        elif lag < self.max_lag_s / 2:
            self.dropping = False


@dataclass
class WorkerStats:
    max_lag: float = 0.0
    dropped_seconds: dict[str, float] = field(default_factory=dict)
    behind_reports: int = 0


class PipelineWorker:
    """Runs a ``CallProcessor`` over a ``Feed`` on the calling thread until stopped or done.

    ``caption_thread``: with a live or paced feed, caption drafts are decoded on a thread of
    their own, beside the finals (the runners); off, everything runs on the calling thread.
    """

    def __init__(
        self,
        config: Config,
        on_event: EventSink,
        models: Models,
        call_name: str,
        *,
        clock: Clock = time.monotonic,
        caption_thread: bool = False,
    ) -> None:
        self.config = config
        self.caption_thread = caption_thread
        self.on_event = on_event
        self._emit_lock = threading.Lock()
        self.models = models
        self.call_name = call_name
        self.clock = clock
        self.stop_event = threading.Event()
        self.paused = threading.Event()
        self.policy = LagPolicy(config.audio.max_lag_s)
        self.stats = WorkerStats()
        self.processor: CallProcessor | None = None
        self._converters: dict[Speaker, RoleAudio] = {}
        self._last_behind = -1e9
        self._unreported: dict[Speaker, float] = {}
        self._was_paused = False

    def run(self, feed: Feed, end_message: str = "stopped") -> None:
        origin = self.clock()
        engine = new_engine(self.models, self.config, self.call_name, live=feed.measures_lag)
        processor = CallProcessor(
            self.models,
            self.config,
            engine,
            self.emit,
            clock=self.clock if feed.measures_lag else None,
            origin=origin,
            caption_thread=self.caption_thread,
        )
        processor.partials_enabled = feed.measures_lag  # as fast as it can: nobody sees captions
        self.processor = processor
        feed.open(self.emit, origin)
        next_tick, utterances = TICK_S, 0
        try:
            while not self.stop_event.is_set():
                paused = self._check_pause(feed, processor)
                blocks = feed.get(WAIT_S)
                if blocks is None:
                    break
                if paused or self.paused.is_set():
                    continue
                for role in feed.poll(self.clock()):
                    processor.mark_gap(role)
                self._process(blocks, processor, feed.measures_lag, origin)
                if processor.time >= next_tick:
                    next_tick = processor.time + TICK_S
                    processor.tick(processor.time)
                if processor.stats.utterances > utterances:
                    utterances = processor.stats.utterances
                    release_free_memory()  # a decode's buffers were freed: 3 ms
        finally:
            feed.close()
            processor.captions.close()
        duration = processor.time
        processor.finish(duration)
        self.emit(PipelineStatus(state="stopped", message=end_message, time=duration))

    def emit(self, event: Event) -> None:
        """``on_event``, one event at a time (captions may be emitted from their own thread)."""
        with self._emit_lock:
            self.on_event(event)

    def _check_pause(self, feed: Feed, processor: CallProcessor) -> bool:
        paused = self.paused.is_set()
        if paused != self._was_paused:
            self._was_paused = paused
            feed.set_paused(paused)
            if paused and feed.drops_when_paused:
                for role in SPEAKERS:
                    processor.discard(role)
            state: PipelineState = "paused" if paused else "listening"
            now = self.clock() - processor.origin
            if not paused:
                processor.pause_ended(now)
            self.emit(PipelineStatus(state=state, message=state, time=now))
        return paused

    def _process(
        self, blocks: list[Block], processor: CallProcessor, measure: bool, origin: float
    ) -> None:
        dropped: dict[Speaker, float] = {}
        for block in blocks:
            if measure and not self._admit(block, processor):
                seconds = len(block.samples) / block.rate
                dropped[block.role] = dropped.get(block.role, 0.0) + seconds
                processor.mark_gap(block.role)
                continue
            samples = self._converters.setdefault(block.role, RoleAudio()).convert(block)
            processor.feed(block.role, samples, block.arrival - origin if measure else None)
        for role, seconds in dropped.items():
            self.stats.dropped_seconds[role] = self.stats.dropped_seconds.get(role, 0.0) + seconds
            self._unreported[role] = self._unreported.get(role, 0.0) + seconds
        if self._unreported:
            lost = ", ".join(f"{r} {s:.1f} s" for r, s in self._unreported.items())
            message = f"falling behind: dropped the oldest audio ({lost})"
            if self._behind(message, self.stats.max_lag, processor):
                self._unreported = {}

    def _admit(self, block: Block, processor: CallProcessor) -> bool:
        """Measure the lag at ``block``; False when the policy drops it."""
        lag = self.clock() - block.arrival
        self.stats.max_lag = max(self.stats.max_lag, lag)
        was_off = self.policy.partials_off
        self.policy.update(lag)
        processor.partials_enabled = not self.policy.partials_off
        if self.policy.dropping:
            return False
        if self.policy.partials_off:
            self._behind(f"falling behind by {lag:.1f} s: live captions paused", lag, processor)
        elif was_off:
            now = self.clock() - processor.origin
            message = f"caught up (lag {lag:.1f} s): live captions back on"
            self.emit(PipelineStatus(state="listening", message=message, time=now, lag=lag))
        return True

    def _behind(self, message: str, lag: float, processor: CallProcessor) -> bool:
        """Report falling behind (at most once a second); True if it was reported."""
        now = self.clock()
        if now - self._last_behind < STATUS_EVERY_S:
            return False
        self._last_behind = now
        self.stats.behind_reports += 1
        log.warning(message)
        status = PipelineStatus(
            state="behind", message=message, time=now - processor.origin, lag=lag
        )
        self.emit(status)
        return True


# ---------------------------------------------------------------------------- runner


def role_device(config: Config, role: Speaker) -> str:
    return config.audio.customer_device if role == "customer" else config.audio.agent_device


def default_sources(config: Config, clock: Clock = time.monotonic) -> list[AudioSource]:
    """One ``DeviceSource`` per role whose device is not switched off ("none")."""
    return [
        DeviceSource(role, role_device(config, role), clock=clock)
        for role in SPEAKERS
        if role_device(config, role).strip().lower() not in OFF_VALUES
    ]


class LiveRunner:
    """Live capture of the configured roles on a worker thread. Satisfies ``contracts.Runner``.

    ``sources`` replaces the sounddevice inputs (tests, or a caller that picked devices);
    ``models`` skips loading them; ``load`` loads them (a ``pipeline.ModelCache``'s ``get``
    shares them across runners). Events go to ``on_event`` from the worker thread.
    """

    def __init__(
        self,
        config: Config,
        on_event: EventSink,
        *,
        models: Models | None = None,
        load: ModelLoader = load_models,
        sources: Sequence[AudioSource] | None = None,
        clock: Clock = time.monotonic,
        call_name: str = "live",
    ) -> None:
        self.config = config
        self.on_event = on_event
        self.models = models
        self.load = load
        self.sources = sources
        self.clock = clock
        self.call_name = call_name
        self.worker: PipelineWorker | None = None
        self.feed: LiveFeed | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._paused = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.worker is not None:
            self.worker.stop_event.set()
        if self.feed is not None:
            self.feed.wake()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self.worker is not None:
            (self.worker.paused.set if paused else self.worker.paused.clear)()
        if self.feed is not None:
            if paused:
                self.feed.set_paused(True)
            self.feed.wake()

    def _run(self) -> None:
        try:
            self.on_event(PipelineStatus(state="starting", message="starting live capture"))
            sources = self._sources()
            if not sources:
                return
            models = self.models or self.load(self.config, self.on_event)
            self.models = models
            worker = PipelineWorker(
                self.config,
                self.on_event,
                models,
                self.call_name,
                clock=self.clock,
                caption_thread=True,
            )
            if self._paused:
                worker.paused.set()
            self.feed = LiveFeed(sources, self.config.audio.queue_seconds, self.clock)
            self.worker = worker
            if self._stop.is_set():
                return
            worker.run(self.feed)
        except AgentAssistError as error:
            self.on_event(PipelineStatus(state="error", message=str(error)))
        except Exception as error:  # noqa: BLE001 - the worker must report, not die silently
            log.exception("live pipeline failed")
            self.on_event(PipelineStatus(state="error", message=f"pipeline error: {error}"))

    def _sources(self) -> list[AudioSource]:
        """The sources to run; empty (after a status saying why) when there is none."""
        if self.sources is not None:
            return list(self.sources)
        try:
            import_sounddevice()
        except DeviceError as error:
            self.on_event(PipelineStatus(state="no_device", message=str(error)))
            return []
        sources = default_sources(self.config, self.clock)
        if not sources:
            message = "no role to capture: audio.customer_device and audio.agent_device are off"
            self.on_event(PipelineStatus(state="no_device", message=message))
        return sources
