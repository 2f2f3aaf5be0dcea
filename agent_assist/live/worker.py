"""The worker loop: a ``Feed``'s audio into one ``core.CallSession``, on the calling thread.

The policy comes from ``core.policy_for``: a feed that measures lag (devices, a paced file) is
live, one that does not (a file as fast as it can) gets the file policy, the very one
``analyze`` uses. The worker measures how far behind real time it is: past a third of
``audio.max_lag_s`` it stops caption drafts and early decodes, past ``max_lag_s`` it drops the
oldest audio, and it says so with a ``PipelineStatus("behind", lag=...)``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from agent_assist.audio.capture import Block, RoleAudio
from agent_assist.captions import Captions, CaptionThread
from agent_assist.config import Config
from agent_assist.contracts import Clock
from agent_assist.core import CallSession, Models, policy_for
from agent_assist.events import Event, EventSink, Latency, PipelineState, PipelineStatus, Speaker
from agent_assist.live.feeds import Feed
from agent_assist.memory import release_free_memory

log = logging.getLogger(__name__)

STATUS_EVERY_S = 1.0
WAIT_S = 0.1


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
    dropped_seconds: dict[Speaker, float] = field(default_factory=dict)
    behind_reports: int = 0


@dataclass(frozen=True)
class RunnerStats:
    """A snapshot of a running (or finished) call, for benches and the GUI."""

    policy: str = ""
    """``core.CallPolicy.name``: "live" or "file"; empty before the call started."""
    call_time: float = 0.0
    utterances: int = 0
    early_decodes: int = 0
    early_used: int = 0
    crosstalk_gated: int = 0
    restarts: int = 0
    stage_faults: int = 0
    partials_skipped: int = 0
    """Caption drafts not asked for (falling behind, crosstalk) or not decoded (spacing,
    superseded by newer audio)."""
    caption_decodes: int = 0
    caption_faults: int = 0
    latencies: tuple[Latency, ...] = ()
    max_lag: float = 0.0
    dropped_seconds: Mapping[Speaker, float] = field(default_factory=dict)
    """Audio the lag policy dropped, per role."""
    overflow_seconds: Mapping[Speaker, float] = field(default_factory=dict)
    """Audio the device queue dropped when full, per role (live capture)."""
    queued_seconds: float = 0.0
    """Audio waiting in the device queue now (the longest role)."""
    behind_reports: int = 0
    clock_offsets: Mapping[Speaker, float] = field(default_factory=dict)
    """Per role: clock time minus call time of its audio (when it arrived, at best)."""


class PipelineWorker:
    """Runs a ``CallSession`` over a ``Feed`` on the calling thread until stopped or done.

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
        self.session: CallSession | None = None
        self._converters: dict[Speaker, RoleAudio] = {}
        self._last_behind = -1e9
        self._unreported: dict[Speaker, float] = {}
        self._was_paused = False

    def run(self, feed: Feed, end_message: str = "stopped") -> None:
        origin = self.clock()
        roles = feed.open(self.emit, origin)
        live = feed.measures_lag
        captions = CaptionThread if self.caption_thread and live else Captions
        session = CallSession(
            self.models,
            self.config,
            policy_for(self.config, live=live),
            self.emit,
            roles=roles,
            call_name=self.call_name,
            clock=self.clock if live else None,
            origin=origin,
            captions=captions,
        )
        self.session = session
        utterances = 0
        try:
            while not self.stop_event.is_set():
                paused = self._check_pause(feed, session)
                blocks = feed.get(WAIT_S)
                if blocks is None:
                    break
                if paused or self.paused.is_set():
                    continue
                for role in feed.poll(self.clock()):
                    session.mark_gap(role)
                self._process(blocks, session, live, origin)
                if session.speech.stats.utterances > utterances:
                    utterances = session.speech.stats.utterances
                    release_free_memory()  # a decode's buffers were freed: 3 ms
        finally:
            feed.close()
            session.captions.close()
        session.finish()
        self.emit(PipelineStatus(state="stopped", message=end_message, time=session.time))

    def emit(self, event: Event) -> None:
        """``on_event``, one event at a time (captions may be emitted from their own thread)."""
        with self._emit_lock:
            self.on_event(event)

    def snapshot(self) -> RunnerStats:
        """The call's figures so far (safe from any thread: counters are read, not locked)."""
        session = self.session
        if session is None:
            return RunnerStats(max_lag=self.stats.max_lag)
        speech, captions = session.speech, session.captions.stats
        offsets = {role: session.wall_time(role, 0.0) for role in list(speech.roles)}
        return RunnerStats(
            policy=session.policy.name,
            call_time=session.time,
            utterances=speech.stats.utterances,
            early_decodes=speech.stats.early_decodes,
            early_used=speech.stats.early_used,
            crosstalk_gated=speech.stats.crosstalk_gated,
            restarts=speech.stats.restarts,
            stage_faults=speech.stats.stage_faults,
            partials_skipped=session.stats.partials_skipped + captions.skipped,
            caption_decodes=captions.decodes,
            caption_faults=captions.faults,
            latencies=tuple(session.stats.latencies),
            max_lag=self.stats.max_lag,
            dropped_seconds=dict(self.stats.dropped_seconds),
            behind_reports=self.stats.behind_reports,
            clock_offsets=offsets,
        )

    def _check_pause(self, feed: Feed, session: CallSession) -> bool:
        paused = self.paused.is_set()
        if paused != self._was_paused:
            self._was_paused = paused
            feed.set_paused(paused)
            if paused and feed.drops_when_paused:
                for role in list(session.speech.roles):
                    session.discard(role)
            state: PipelineState = "paused" if paused else "listening"
            now = self.clock() - session.origin
            if not paused:
                session.pause_ended(now)
            self.emit(PipelineStatus(state=state, message=state, time=now))
        return paused

    def _process(
        self, blocks: list[Block], session: CallSession, measure: bool, origin: float
    ) -> None:
        dropped: dict[Speaker, float] = {}
        for block in blocks:
            if measure and not self._admit(block, session):
                seconds = len(block.samples) / block.rate
                dropped[block.role] = dropped.get(block.role, 0.0) + seconds
                session.mark_gap(block.role)
                continue
            samples = self._converters.setdefault(block.role, RoleAudio()).convert(block)
            session.feed(block.role, samples, block.arrival - origin if measure else None)
        for role, seconds in dropped.items():
            self.stats.dropped_seconds[role] = self.stats.dropped_seconds.get(role, 0.0) + seconds
            self._unreported[role] = self._unreported.get(role, 0.0) + seconds
        if self._unreported:
            lost = ", ".join(f"{r} {s:.1f} s" for r, s in self._unreported.items())
            message = f"falling behind: dropped the oldest audio ({lost})"
            if self._behind(message, self.stats.max_lag, session):
                self._unreported = {}

    def _admit(self, block: Block, session: CallSession) -> bool:
        """Measure the lag at ``block``; False when the policy drops it."""
        lag = self.clock() - block.arrival
        self.stats.max_lag = max(self.stats.max_lag, lag)
        was_off = self.policy.partials_off
        self.policy.update(lag)
        session.partials_enabled = not self.policy.partials_off
        if self.policy.dropping:
            return False
        if self.policy.partials_off:
            self._behind(f"falling behind by {lag:.1f} s: live captions paused", lag, session)
        elif was_off:
            now = self.clock() - session.origin
            message = f"caught up (lag {lag:.1f} s): live captions back on"
            self.emit(PipelineStatus(state="listening", message=message, time=now, lag=lag))
        return True

    def _behind(self, message: str, lag: float, session: CallSession) -> bool:
        """Report falling behind (at most once a second); True if it was reported."""
        now = self.clock()
        if now - self._last_behind < STATUS_EVERY_S:
            return False
        self._last_behind = now
        self.stats.behind_reports += 1
        log.warning(message)
        status = PipelineStatus(state="behind", message=message, time=now - session.origin, lag=lag)
        self.emit(status)
        return True
