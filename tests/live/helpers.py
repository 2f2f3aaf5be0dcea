"""Fakes for the live pipeline tests: sources, clock, VAD, transcriber, event collector."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from agent_assist.audio.capture import Block, BlockSink
from agent_assist.config import Config
from agent_assist.contracts import SAMPLE_RATE, Transcription
from agent_assist.errors import DeviceError
from agent_assist.events import Event, PipelineStatus, Speaker, Suggestion, TranscriptFinal, Word
from agent_assist.pipeline import Models
from tests.fakes import KeywordSentiment, RecordingGuidance


class ManualClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds

    def at_least(self, moment: float) -> None:
        with self._lock:
            self.now = max(self.now, moment)


class EnergyVad:
    """Speech probability 1 for frames louder than -30 dBFS."""

    def __call__(self, frame: np.ndarray) -> float:
        return 1.0 if float(np.sqrt(np.mean(np.square(frame)))) > 0.03 else 0.0


class GrowingTranscriber:
    """Says the first words of ``script``: one word per ``seconds_per_word`` of audio.

    ``cost`` seconds are added to ``clock`` per call (a slow machine, deterministically).
    """

    def __init__(
        self,
        script: str = "hello I am calling about my bill which is terribly wrong again today",
        seconds_per_word: float = 0.25,
        clock: ManualClock | None = None,
        cost: float = 0.0,
    ) -> None:
        self.words = script.split()
        self.seconds_per_word = seconds_per_word
        self.clock = clock
        self.cost = cost
        self.calls = 0

    def transcribe(self, audio: np.ndarray) -> Transcription:
        self.calls += 1
        if self.clock is not None:
            self.clock.advance(self.cost)
        count = min(len(self.words), int(len(audio) / SAMPLE_RATE / self.seconds_per_word))
        words = tuple(
            Word(i * self.seconds_per_word, (i + 1) * self.seconds_per_word, w, 0.9)
            for i, w in enumerate(self.words[:count])
        )
        text = " ".join(w.text for w in words)
        return Transcription(text, words, 0.9 if words else 0.0, 0.01, -0.2, 1.2, True)


def fake_models(transcriber: object | None = None, guidance: bool = False) -> Models:
    models = Models(
        transcriber=transcriber or GrowingTranscriber(),  # type: ignore[arg-type]
        sentiment=KeywordSentiment(),
        vad_factory=EnergyVad,
        playbook=None,
    )
    return models


def tone(
    seconds: float, rate: int = SAMPLE_RATE, amplitude: float = 0.3, hz: float = 220.0
) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.float32)


def speech_pattern(*parts: tuple[str, float], rate: int = SAMPLE_RATE) -> np.ndarray:
    """('s', 1.5), ('-', 1.0) ... -> tone for 's', silence for '-'."""
    return np.concatenate([tone(d, rate) if kind == "s" else silence(d, rate) for kind, d in parts])


class FakeSource:
    """An ``AudioSource`` the test drives: push audio, lose the device, let it come back."""

    def __init__(self, role: Speaker, rate: float = SAMPLE_RATE, channels: int = 1) -> None:
        self.role: Speaker = role
        self.description = f"fake {role}"
        self.rate = rate
        self.channels = channels
        self.sink: BlockSink | None = None
        self.available = True
        self.lost = False
        self.opens = 0
        self.generation = 0
        self.on_open: Callable[[FakeSource], None] | None = None

    def open(self, sink: BlockSink) -> None:
        if not self.available:
            raise DeviceError(f"{self.description}: device not found")
        self.opens += 1
        self.generation += 1
        self.sink = sink
        self.lost = False
        if self.on_open:
            self.on_open(self)

    def close(self) -> None:
        self.sink = None

    def alive(self, now: float) -> bool:
        return self.sink is not None and not self.lost

    def push(self, audio: np.ndarray, arrival: float, block_s: float = 0.05) -> None:
        """Deliver ``audio`` in device blocks, all arriving at ``arrival`` (a burst)."""
        assert self.sink is not None, "source not open"
        step = int(block_s * self.rate)
        for begin in range(0, len(audio), step):
            chunk = audio[begin : begin + step]
            if self.channels > 1:
                chunk = np.repeat(chunk[:, None], self.channels, axis=1)
            self.sink(Block(self.role, chunk.copy(), self.rate, arrival, self.generation))


class Collector:
    """Thread-safe event list with waits on a condition (no sleeps)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[Event]], object], timeout: float = 20.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self.events), timeout)
        assert ok, f"timed out; events: {[e.to_dict() for e in self.events][-15:]}"

    def of(self, kind: type[Event]) -> list:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def statuses(self, state: str, role: Speaker | None = None) -> list[PipelineStatus]:
        return [
            e
            for e in self.of(PipelineStatus)
            if e.state == state and (role is None or e.role == role)
        ]


def fast_config(**audio: object) -> Config:
    vad = {"min_speech_ms": 100, "hangover_ms": 300, "tail_ms": 100, "pre_roll_ms": 100}
    return Config.model_validate({"vad": vad, "guidance": {"enabled": False}, "audio": audio})


def script_words(events: Sequence[Event]) -> list[str]:
    return [w for e in events for w in getattr(e, "text", "").split()]


__all__ = ["RecordingGuidance"]


class OrderedGuidance:
    """Records every observed event and tick in one list, in the order they happen."""

    def __init__(self) -> None:
        self.log: list[tuple[str, float]] = []
        self.resumed: list[float] = []

    def observe(self, event: Event) -> list[Suggestion]:
        if isinstance(event, TranscriptFinal):
            self.log.append(("final", event.start))
        return []

    def tick(self, now: float) -> list[Suggestion]:
        self.log.append(("tick", now))
        return []

    def mark_speech(self, time: float) -> None:
        self.resumed.append(time)
