"""The models of one process: loaded once, shared by every call and every start of a runner.

``ModelCache.get`` loads a part only when its settings changed since the last load;
``load_models`` is a one-off cache's ``get``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent_assist import paths
from agent_assist.config import AsrConfig, Config, SentimentConfig
from agent_assist.contracts import SentimentModel, Transcriber
from agent_assist.events import EventSink, PipelineStatus

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
    return DraftTranscriber.from_config(model, transcriber.config, transcriber.language)
