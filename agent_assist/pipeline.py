"""Wiring: load the models once, segment a call, and drive the engine.

``load_models`` creates every model once (with explicit thread counts); ``analyze_call`` runs
one recorded call through segmenter → engine as fast as it can; ``FileReplayRunner`` replays a
call file on a worker thread, paced like a live call, for the GUI's demo mode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent_assist import paths
from agent_assist.config import Config
from agent_assist.contracts import (
    SAMPLE_RATE,
    SentimentModel,
    SpeechInProgress,
    Transcriber,
    Utterance,
)
from agent_assist.engine import CallEngine
from agent_assist.errors import AgentAssistError
from agent_assist.events import CallSummary, Event, PipelineStatus, Speaker

log = logging.getLogger(__name__)

EventSink = Callable[[Event], None]
VadFactory = Callable[[], Callable[[np.ndarray], float]]
CHUNK_SECONDS = 0.1


@dataclass
class Models:
    """Everything a call needs that is expensive to create: made once, shared by calls."""

    transcriber: Transcriber
    sentiment: SentimentModel
    vad_factory: VadFactory
    playbook: object | None
    device: str = "cpu"


def playbook_path(config: Config) -> Path:
    return Path(config.guidance.playbook) if config.guidance.playbook else paths.default_playbook()


def load_models(config: Config, on_status: EventSink | None = None) -> Models:
    """Load Whisper, the sentiment model, the VAD and the playbook; errors name the model or file."""
    from agent_assist.asr.whisper import WhisperTranscriber
    from agent_assist.guidance.playbook import load_playbook
    from agent_assist.sentiment.model import OnnxSentimentModel
    from agent_assist.vad.silero import SileroVad

    def status(message: str) -> None:
        log.info(message)
        if on_status:
            on_status(PipelineStatus(state="loading", message=message))

    status(f"loading speech model ({config.asr.profile})")
    transcriber = WhisperTranscriber.load(config.asr)
    status("loading sentiment model")
    model_dir = Path(config.sentiment.model_path) if config.sentiment.model_path else None
    sentiment = OnnxSentimentModel.load(model_dir, threads=config.sentiment.threads)
    SileroVad.load()
    playbook = load_playbook(playbook_path(config)) if config.guidance.enabled else None
    return Models(transcriber, sentiment, SileroVad.load, playbook, transcriber.device)


def new_engine(models: Models, config: Config, call_name: str) -> CallEngine:
    guidance = None
    if models.playbook is not None:
        from agent_assist.guidance.engine import GuidanceEngine

        guidance = GuidanceEngine(models.playbook, config.guidance)  # type: ignore[arg-type]
    return CallEngine(models.transcriber, models.sentiment, guidance, config, call_name)


def new_segmenter(speaker: Speaker, models: Models, config: Config, progress: float | None = None):  # noqa: ANN201
    from agent_assist.vad.segmenter import Segmenter

    return Segmenter(speaker, models.vad_factory(), config.vad, progress_interval_s=progress)


def chunks(audio: np.ndarray, seconds: float = CHUNK_SECONDS) -> Iterator[np.ndarray]:
    step = int(seconds * SAMPLE_RATE)
    for begin in range(0, len(audio), step):
        yield audio[begin : begin + step]


def segment_track(speaker: Speaker, audio: np.ndarray, models: Models, config: Config) -> list[Utterance]:
    segmenter = new_segmenter(speaker, models, config)
    found: list[Utterance] = []
    for chunk in chunks(audio):
        found += [u for u in segmenter.accept(chunk) if isinstance(u, Utterance)]
    return found + segmenter.finish()


def load_tracks(path: Path, config: Config) -> dict[Speaker, np.ndarray]:
    from agent_assist.audio.files import load_call

    return load_call(path, stereo_left=config.audio.stereo_left, mono_role=config.audio.mono_role)


def analyze_call(path: Path, models: Models, config: Config, on_event: EventSink) -> CallSummary:
    """Run one recorded call through the whole pipeline; events go to ``on_event`` in time order."""
    tracks = load_tracks(path, config)
    duration = max(len(audio) for audio in tracks.values()) / SAMPLE_RATE
    engine = new_engine(models, config, path.stem)
    utterances = sorted(
        (u for speaker, audio in tracks.items() for u in segment_track(speaker, audio, models, config)),
        key=lambda u: u.start,
    )
    for utterance in utterances:
        for event in [*engine.tick(utterance.start), *engine.on_utterance(utterance)]:
            on_event(event)
    for event in engine.tick(duration):
        on_event(event)
    summary = engine.finish(duration)[0]
    assert isinstance(summary, CallSummary)
    on_event(summary)
    return summary


class FileReplayRunner:
    """Replays a call file through segmenters and the engine on a worker thread.

    With ``realtime`` the audio is paced like a live call (and played if ``audible``); events go
    to ``on_event`` from the worker thread. Satisfies ``agent_assist.contracts.Runner``.
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
    ) -> None:
        self.path = path
        self.config = config
        self.on_event = on_event
        self.realtime = realtime
        self.audible = audible
        self.models = models
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="replay-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def set_paused(self, paused: bool) -> None:
        if paused:
            self._resume.clear()
            self.on_event(PipelineStatus(state="paused", message="paused"))
        else:
            self._resume.set()
            self.on_event(PipelineStatus(state="listening", message="listening"))

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
        models = self.models or load_models(self.config, self.on_event)
        tracks = load_tracks(self.path, self.config)
        engine = new_engine(models, self.config, self.path.stem)
        interval = self.config.asr.partial_interval_s
        segmenters = {s: new_segmenter(s, models, self.config, interval) for s in tracks}
        self.on_event(PipelineStatus(state="listening", message=f"replaying {self.path.name} on {models.device}"))
        player = self._start_playback(tracks) if self.audible and self.realtime else None
        started = time.monotonic()
        length = max(len(a) for a in tracks.values())
        position = 0.0
        step = int(CHUNK_SECONDS * SAMPLE_RATE)
        for begin in range(0, length, step):
            if self._stop.is_set():
                break
            self._resume.wait()
            position = (begin + step) / SAMPLE_RATE
            for speaker, segmenter in segmenters.items():
                for item in segmenter.accept(tracks[speaker][begin : begin + step]):
                    self._emit(engine, item)
            self._emit_all(engine.tick(position))
            if self.realtime:
                delay = position - (time.monotonic() - started)
                if delay > 0:
                    self._stop.wait(delay)
        for segmenter in segmenters.values():
            for utterance in segmenter.finish():
                self._emit(engine, utterance)
        self._emit_all(engine.finish(position))
        if player is not None:
            player.stop()
        self.on_event(PipelineStatus(state="stopped", message="replay finished", time=position))

    def _emit(self, engine: CallEngine, item: Utterance | SpeechInProgress) -> None:
        if isinstance(item, Utterance):
            self._emit_all(engine.on_utterance(item))

    def _emit_all(self, events: list[Event]) -> None:
        for event in events:
            self.on_event(event)

    def _start_playback(self, tracks: dict[Speaker, np.ndarray]) -> object | None:
        try:
            import sounddevice as sd

            mix = sum(tracks.values())
            sd.play(np.asarray(mix, dtype=np.float32), SAMPLE_RATE)
            return _Player(sd)
        except Exception as error:  # noqa: BLE001 - no PortAudio / no output device is normal
            self.on_event(PipelineStatus(state="info", message=f"demo audio not played: {error}"))
            return None


class _Player:
    def __init__(self, sd: object) -> None:
        self.sd = sd

    def stop(self) -> None:
        self.sd.stop()  # type: ignore[attr-defined]
