"""Where a live worker's audio comes from: sound devices (``LiveFeed``) or a call file
(``FileFeed``, paced like a live call or as fast as it can).

``LiveFeed``'s audio callbacks only copy into one bounded queue (``audio.capture.BlockQueue``);
its ``poll`` watches the devices: one that goes away is reported (``device_lost``), the other
role keeps running, and it is reopened when it returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from agent_assist.audio.capture import AudioSource, Block, BlockQueue
from agent_assist.contracts import SAMPLE_RATE, Clock
from agent_assist.errors import DeviceError
from agent_assist.events import EventSink, PipelineState, PipelineStatus, Speaker

log = logging.getLogger(__name__)

RETRY_S = 2.0
HEALTH_S = 0.25


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

    def wake(self) -> None:
        """Return a waiting ``get`` early (stop, pause)."""
        ...

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
