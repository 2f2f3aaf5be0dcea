"""Runners (``contracts.Runner``): a call on a worker thread, as the CLI and the GUI drive it.

``LiveRunner`` captures the configured devices (``feeds.LiveFeed``); ``FileReplayRunner``
replays a call file (``feeds.FileFeed``): paced like a live call for the GUI's demo (the live
policy), or as fast as it can (the file policy, exactly what ``analyze`` does). Both load their
models through ``load`` (a ``core.ModelCache``'s ``get`` shares them across starts) and give a
``stats()`` snapshot (``worker.RunnerStats``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from agent_assist.audio.capture import OFF_VALUES, AudioSource, DeviceSource, import_sounddevice
from agent_assist.config import Config
from agent_assist.contracts import SAMPLE_RATE, Clock
from agent_assist.core import ModelLoader, Models, load_models
from agent_assist.errors import AgentAssistError, DeviceError
from agent_assist.events import SPEAKERS, EventSink, PipelineStatus, Speaker
from agent_assist.live.feeds import FileFeed, LiveFeed
from agent_assist.live.worker import PipelineWorker, RunnerStats
from agent_assist.pipeline import load_tracks

log = logging.getLogger(__name__)


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
    ``models`` skips loading them; ``load`` loads them (a ``core.ModelCache``'s ``get``
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

    def stats(self) -> RunnerStats:
        """The figures of the call so far (empty before it started), with the device queue's."""
        worker, feed = self.worker, self.feed
        stats = worker.snapshot() if worker is not None else RunnerStats()
        if feed is None:
            return stats
        queue = feed.queue
        waiting = max((queue.seconds(role) for role in SPEAKERS), default=0.0)
        return replace(stats, overflow_seconds=dict(queue.dropped_seconds), queued_seconds=waiting)

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


class FileReplayRunner:
    """Replays a call file through the live worker (segmenters, captions, engine) on a thread.

    With ``realtime`` the audio is paced like a live call (and played if ``audible``), with
    partial captions and latency events as in live capture; without it the file runs as fast
    as it can. Pausing holds the replay. Satisfies ``agent_assist.contracts.Runner``.
    """

    def __init__(
        self,
        path: Path,
        config: Config,
        on_event: EventSink,
        *,
        realtime: bool = True,
        audible: bool = False,
        models: Models | None = None,
        load: ModelLoader = load_models,
    ) -> None:
        self.path = path
        self.config = config
        self.on_event = on_event
        self.realtime = realtime
        self.audible = audible
        self.models = models
        self.load = load
        self.worker: PipelineWorker | None = None
        self._feed: FileFeed | None = None
        self._stop = threading.Event()
        self._paused = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="replay-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.worker is not None:
            self.worker.stop_event.set()
        if self._feed is not None:
            self._feed.wake()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self.worker is not None:
            (self.worker.paused.set if paused else self.worker.paused.clear)()
        if self._feed is not None:
            if paused:
                self._feed.set_paused(True)
            self._feed.wake()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stats(self) -> RunnerStats:
        """The figures of the call so far (empty before it started)."""
        worker = self.worker
        return worker.snapshot() if worker is not None else RunnerStats()

    def _run(self) -> None:
        try:
            self._replay()
        except AgentAssistError as error:
            self.on_event(PipelineStatus(state="error", message=str(error)))
        except Exception as error:  # noqa: BLE001 - the worker must report, not die silently
            log.exception("replay failed")
            self.on_event(PipelineStatus(state="error", message=f"pipeline error: {error}"))

    def _replay(self) -> None:
        models = self.models or self.load(self.config, self.on_event)
        self.models = models
        tracks = load_tracks(self.path, self.config)
        worker = PipelineWorker(
            self.config, self.on_event, models, self.path.stem, caption_thread=True
        )
        worker.stop_event = self._stop
        if self._paused:
            worker.paused.set()
        feed = FileFeed(tracks, self.realtime, time.monotonic, self._stop)
        self.worker, self._feed = worker, feed
        message = f"replaying {self.path.name} ({models.device})"
        self.on_event(PipelineStatus(state="listening", message=message))
        player = self._start_playback(tracks) if self.audible and self.realtime else None
        try:
            worker.run(feed, "replay finished")
        finally:
            if player is not None:
                player.stop()

    def _start_playback(self, tracks: dict[Speaker, np.ndarray]) -> _Player | None:
        try:
            import sounddevice as sd

            length = max(len(a) for a in tracks.values())
            mix = np.zeros(length, dtype=np.float32)
            for audio in tracks.values():
                mix[: len(audio)] += audio
            sd.play(mix, SAMPLE_RATE)
            return _Player(sd)
        except Exception as error:  # noqa: BLE001 - no PortAudio / no output device is normal
            self.on_event(PipelineStatus(state="info", message=f"demo audio not played: {error}"))
            return None


class _Player:
    def __init__(self, sd: Any) -> None:
        self.sd = sd

    def stop(self) -> None:
        self.sd.stop()
