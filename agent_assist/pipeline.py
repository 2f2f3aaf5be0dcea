"""Wiring: load the models once, segment a call, and drive the engine.

``load_models`` creates every model once (with explicit thread counts); ``analyze_call`` streams
one recorded call through segmenter → engine as fast as it can, in bounded memory (with the
crosstalk gate and voice cues for two-channel calls); ``FileReplayRunner`` replays a call file
through the live pipeline's worker (``agent_assist.live``), paced like a live call, for the
GUI's demo mode.
``LiveRunner`` (live capture) is importable from here too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent_assist import paths
from agent_assist.analysis import CallStream
from agent_assist.config import AsrConfig, Config, SentimentConfig
from agent_assist.contracts import (
    SAMPLE_RATE,
    SentimentModel,
    Transcriber,
)
from agent_assist.engine import CallEngine
from agent_assist.errors import AgentAssistError
from agent_assist.events import CallSummary, EventSink, PipelineStatus, Speaker
from agent_assist.vad.segmenter import Segmenter

log = logging.getLogger(__name__)

VadFactory = Callable[[], Callable[[np.ndarray], float]]
ModelLoader = Callable[[Config, EventSink], "Models"]
"""``load_models``, or a ``ModelCache``'s ``get``: what a runner calls for its models."""


@dataclass
class Models:
    """Everything a call needs that is expensive to create: made once, shared by calls."""

    transcriber: Transcriber
    sentiment: SentimentModel
    vad_factory: VadFactory
    playbook: object | None
    device: str = "cpu"
    partial_transcriber: Transcriber | None = None
    """Cheaper decoder for provisional captions (greedy); None: use ``transcriber``."""
    live_transcriber: Transcriber | None = None
    """Decoder for live finals (faster settings); None: use ``transcriber``."""


def playbook_path(config: Config) -> Path:
    return Path(config.guidance.playbook) if config.guidance.playbook else paths.default_playbook()


def load_models(config: Config, on_status: EventSink | None = None) -> Models:
    """Load Whisper, sentiment, VAD and playbook once; errors name the model or file."""
    return ModelCache().get(config, on_status)


@dataclass(frozen=True)
class Speech:
    """The speech model and the decoders that share it."""

    transcriber: Transcriber
    partial: Transcriber | None
    live: Transcriber | None
    device: str


def load_speech(config: AsrConfig) -> Speech:
    from agent_assist.asr.whisper import WhisperTranscriber

    transcriber = WhisperTranscriber.load(config)
    return Speech(
        transcriber, greedy(transcriber), transcriber.for_live(), transcriber.device_message
    )


def load_sentiment(config: SentimentConfig) -> SentimentModel:
    from agent_assist.sentiment.model import OnnxSentimentModel

    return OnnxSentimentModel.from_config(config)


def load_vad() -> VadFactory:
    from agent_assist.vad.silero import SileroVad

    return SileroVad.load().fresh


class ModelCache:
    """The models of one process, shared by every call and every start of a runner.

    ``get`` loads a part only when its settings changed since the last load (a new
    ``asr`` section reloads Whisper, not the sentiment model); the playbook is a small file,
    read again each time so that edits to it apply on the next start. Thread-safe.
    """

    def __init__(
        self,
        speech: Callable[[AsrConfig], Speech] = load_speech,
        sentiment: Callable[[SentimentConfig], SentimentModel] = load_sentiment,
        vad: Callable[[], VadFactory] = load_vad,
    ) -> None:
        self._load_speech = speech
        self._load_sentiment = sentiment
        self._load_vad = vad
        self._speech: tuple[AsrConfig, Speech] | None = None
        self._sentiment: tuple[SentimentConfig, SentimentModel] | None = None
        self._vad: VadFactory | None = None
        self._lock = threading.Lock()

    def get(self, config: Config, on_status: EventSink | None = None) -> Models:
        from agent_assist.guidance.playbook import load_playbook
        from agent_assist.memory import limit_heap_arenas

        def status(message: str) -> None:
            log.info(message)
            if on_status:
                on_status(PipelineStatus(state="loading", message=message))

        with self._lock:
            limit_heap_arenas()  # before the decoders start their threads
            if self._speech is None or self._speech[0] != config.asr:
                self._speech = None  # the old model can go before the new one loads
                status(f"loading speech model ({config.asr.profile})")
                self._speech = (config.asr.model_copy(deep=True), self._load_speech(config.asr))
            if self._sentiment is None or self._sentiment[0] != config.sentiment:
                self._sentiment = None
                status("loading sentiment model")
                sentiment = self._load_sentiment(config.sentiment)
                self._sentiment = (config.sentiment.model_copy(deep=True), sentiment)
            if self._vad is None:
                self._vad = self._load_vad()
            speech, sentiment, vad = self._speech[1], self._sentiment[1], self._vad
        playbook = load_playbook(playbook_path(config)) if config.guidance.enabled else None
        status(speech.device)
        return Models(
            speech.transcriber, sentiment, vad, playbook, speech.device, speech.partial, speech.live
        )


def greedy(transcriber: Any) -> Transcriber | None:
    """A cheap draft decoder sharing a ``WhisperTranscriber``'s model (for partial captions)."""
    from agent_assist.asr.streaming import DraftTranscriber

    model = getattr(transcriber, "model", None)
    if model is None:
        return None
    return DraftTranscriber(model, transcriber.language, transcriber.config.live_window_s)


def new_engine(models: Models, config: Config, call_name: str, live: bool = False) -> CallEngine:
    """The engine for one call; ``live`` decodes with ``models.live_transcriber``."""
    transcriber = (live and models.live_transcriber) or models.transcriber
    guidance = None
    if models.playbook is not None:
        from agent_assist.guidance.engine import GuidanceEngine

        guidance = GuidanceEngine(models.playbook, config.guidance)  # type: ignore[arg-type]
    return CallEngine(transcriber, models.sentiment, guidance, config, call_name)


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


def load_tracks(path: Path, config: Config) -> dict[Speaker, np.ndarray]:
    """The whole call decoded in memory (the demo replay plays it); ``analyze_call`` streams."""
    from agent_assist.audio.files import load_call

    return load_call(path, stereo_left=config.audio.stereo_left, mono_role=config.audio.mono_role)


def analyze_call(path: Path, models: Models, config: Config, on_event: EventSink) -> CallSummary:
    """Run one recorded call through the whole pipeline; events go to ``on_event`` in time order.

    The file is streamed (``analysis.CallStream``): memory does not grow with the call's length.
    Two-channel calls also get the crosstalk gate (agent-channel speech that is only the
    customer heard again is dropped) and, if ``privacy.voice_cues``, voice cues per utterance.
    """
    from agent_assist.audio.files import open_call

    call = open_call(path, stereo_left=config.audio.stereo_left, mono_role=config.audio.mono_role)
    stream = CallStream(
        [new_segmenter(role, models, config) for role in call.roles],
        models.transcriber,
        new_engine(models, config, path.stem),
        config,
        on_event,
    )
    for block in call.blocks():
        stream.feed(block)
    summary = stream.finish()
    if stream.gate is not None:
        log.debug("%s: %d utterance(s) gated as crosstalk", path.name, stream.gate.gated)
    return summary


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
        self.worker: Any | None = None
        self._feed: Any | None = None
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

    def _run(self) -> None:
        try:
            self._replay()
        except AgentAssistError as error:
            self.on_event(PipelineStatus(state="error", message=str(error)))
        except Exception as error:  # noqa: BLE001 - the worker must report, not die silently
            log.exception("replay failed")
            self.on_event(PipelineStatus(state="error", message=f"pipeline error: {error}"))

    def _replay(self) -> None:
        from agent_assist.live import FileFeed, PipelineWorker

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


def __getattr__(name: str) -> Any:
    if name == "LiveRunner":
        from agent_assist.live import LiveRunner

        return LiveRunner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
