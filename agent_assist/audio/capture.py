"""Live capture with sounddevice (PortAudio): one input stream per speaker role.

The audio callback only copies the device block into a bounded ``BlockQueue`` (drop-oldest,
counted) with the time it arrived; the worker thread downmixes and resamples. A role's
``DeviceSource`` notices when its device goes away (PortAudio ends the stream, or no frames
arrive any more) so the runner can report it and reopen it later.

PortAudio missing (``import sounddevice`` raises ``OSError``) or no input device at all are
normal states: they raise ``DeviceError`` with one line, never a crash.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from agent_assist.audio.resample import StreamResampler
from agent_assist.contracts import SAMPLE_RATE
from agent_assist.errors import DeviceError
from agent_assist.events import Speaker

log = logging.getLogger(__name__)

LOOPBACK_HINTS: tuple[str, ...] = (
    "monitor",
    "loopback",
    "stereo mix",
    "blackhole",
    "what u hear",
    "what you hear",
    "wave out",
    "soundflower",
    "cable output",
    "vb-audio",
    "rec. playback",
)
"""Substrings (lower case) of device names that usually carry the system's playback."""
OFF_VALUES = frozenset({"none", "off", "-", "disabled"})
"""A role whose device is set to one of these is not captured."""
BLOCK_SECONDS = 0.05
STALL_SECONDS = 2.0
"""A stream that delivered frames and then none for this long counts as lost."""
STARTUP_SECONDS = 6.0
"""A new stream may take this long to deliver its first frames (PulseAudio: up to ~2 s)."""


def import_sounddevice() -> ModuleType:
    """``sounddevice``, or ``DeviceError`` when PortAudio (or the module) is missing."""
    try:
        import sounddevice
    except OSError as error:
        raise DeviceError(
            f"PortAudio library not found ({error}); live capture unavailable"
        ) from None
    except ImportError as error:
        raise DeviceError(
            f"sounddevice is not installed ({error}); live capture unavailable"
        ) from None
    return sounddevice


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    hostapi: str
    channels: int
    default_rate: float
    is_default: bool = False

    @property
    def looks_like_loopback(self) -> bool:
        return looks_like_loopback(self.name)


def looks_like_loopback(name: str) -> bool:
    lowered = name.lower()
    return any(hint in lowered for hint in LOOPBACK_HINTS)


def list_inputs(sd: Any | None = None) -> list[InputDevice]:
    """Every PortAudio device with input channels, with its host API and default rate."""
    sd = sd or import_sounddevice()
    try:
        hostapis = [str(h["name"]) for h in sd.query_hostapis()]
        devices = list(sd.query_devices())
        default_input = _default_input(sd)
    except Exception as error:  # noqa: BLE001 - PortAudio errors are a state, not a crash
        raise DeviceError(f"cannot list audio devices ({_one_line(error)})") from None
    return [
        InputDevice(
            index=index,
            name=str(d["name"]),
            hostapi=hostapis[d["hostapi"]] if 0 <= d["hostapi"] < len(hostapis) else "?",
            channels=int(d["max_input_channels"]),
            default_rate=float(d["default_samplerate"]),
            is_default=index == default_input,
        )
        for index, d in enumerate(devices)
        if int(d["max_input_channels"]) > 0
    ]


def _default_input(sd: Any) -> int:
    try:
        index = sd.default.device[0]
    except (TypeError, IndexError):
        index = sd.default.device
    if index is None or int(index) < 0:
        try:
            index = sd.query_hostapis(0)["default_input_device"]
        except Exception:  # noqa: BLE001
            return -1
    return int(index)


def resolve_device(spec: str, inputs: list[InputDevice], role: Speaker) -> InputDevice:
    """The input named by ``spec``: an index, an exact name, or a unique part of a name.

    An empty spec means the system default input for the agent and the first input that looks
    like a loopback for the customer.
    """
    if not inputs:
        raise DeviceError("no audio input devices found")
    spec = spec.strip()
    if not spec:
        return _default_for(role, inputs)
    if spec.isdigit():
        for device in inputs:
            if device.index == int(spec):
                return device
        raise DeviceError(f"audio.{role}_device: no input device with index {spec}")
    exact = [d for d in inputs if d.name.lower() == spec.lower()]
    if exact:
        return exact[0]
    partial = [d for d in inputs if spec.lower() in d.name.lower()]
    if not partial:
        raise DeviceError(f"audio.{role}_device: no input device named {spec!r}")
    if len({d.name for d in partial}) > 1:
        names = ", ".join(sorted({d.name for d in partial})[:4])
        log.warning(
            "audio.%s_device %r matches several inputs (%s); using the first", role, spec, names
        )
    return partial[0]


def _default_for(role: Speaker, inputs: list[InputDevice]) -> InputDevice:
    if role == "customer":
        loopbacks = [d for d in inputs if d.looks_like_loopback]
        if not loopbacks:
            raise DeviceError(
                "audio.customer_device: no loopback/monitor input found; set it to the device"
                " that carries the call's playback"
            )
        return loopbacks[0]
    defaults = [d for d in inputs if d.is_default]
    return defaults[0] if defaults else inputs[0]


@dataclass
class Block:
    """One device block as it arrived: raw samples (frames x channels) and the arrival time."""

    role: Speaker
    samples: np.ndarray
    rate: float
    arrival: float
    generation: int = 0


class BlockQueue:
    """Bounded queue of device blocks for all roles; the producer never waits.

    ``put`` drops the oldest blocks of the same role once the role holds more than
    ``max_seconds`` of audio and counts what it dropped. ``get`` waits for blocks.
    """

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds
        self._blocks: deque[Block] = deque()
        self._seconds: dict[Speaker, float] = {}
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.dropped_seconds: dict[Speaker, float] = {}

    def put(self, block: Block) -> None:
        length = len(block.samples) / block.rate
        with self._lock:
            self._blocks.append(block)
            held = self._seconds.get(block.role, 0.0) + length
            while held > self.max_seconds:
                dropped = self._drop_oldest(block.role)
                if dropped == 0.0:
                    break
                held -= dropped
            self._seconds[block.role] = held
        self._ready.set()

    def _drop_oldest(self, role: Speaker) -> float:
        for index, queued in enumerate(self._blocks):
            if queued.role == role:
                del self._blocks[index]
                seconds = len(queued.samples) / queued.rate
                self.dropped_seconds[role] = self.dropped_seconds.get(role, 0.0) + seconds
                return seconds
        return 0.0

    def get(self, timeout: float) -> list[Block]:
        """All queued blocks (oldest first), waiting up to ``timeout`` for the first one."""
        if not self._ready.wait(timeout):
            return []
        with self._lock:
            blocks = list(self._blocks)
            self._blocks.clear()
            self._seconds.clear()
            self._ready.clear()
        return blocks

    def wake(self) -> None:
        self._ready.set()

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()
            self._seconds.clear()

    def seconds(self, role: Speaker) -> float:
        with self._lock:
            return self._seconds.get(role, 0.0)


BlockSink = Callable[[Block], None]


class AudioSource(Protocol):
    """One role's live input, as the runner drives it. Fakes implement this in tests."""

    role: Speaker
    description: str

    def open(self, sink: BlockSink) -> None:
        """Start delivering blocks to ``sink`` (from any thread); ``DeviceError`` if it can't."""
        ...

    def close(self) -> None: ...

    def alive(self, now: float) -> bool:
        """False once the device has gone away (the runner then closes and reopens it)."""
        ...


class DeviceSource:
    """A sounddevice ``InputStream`` for one role: any rate and channel count."""

    def __init__(
        self,
        role: Speaker,
        spec: str,
        *,
        sd: Any | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.role: Speaker = role
        self.spec = spec
        self.description = spec or "default"
        self._sd = sd
        self._clock = clock
        self._stream: Any | None = None
        self._closing = False
        self._ended = threading.Event()
        self._opened_at = 0.0
        self._last_frames: float | None = None
        self.overflows = 0
        self.generation = 0

    def open(self, sink: BlockSink) -> None:
        sd = self._sd or import_sounddevice()
        device = resolve_device(self.spec, list_inputs(sd), self.role)
        self.description = f"{device.name} ({device.hostapi})"
        channels = max(1, min(device.channels, 2))
        rate = device.default_rate or 48_000.0
        self.generation += 1
        generation = self.generation
        self._ended.clear()
        self._closing = False
        self._last_frames = None

        def callback(indata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
            if status and status.input_overflow:
                self.overflows += 1
            now = self._clock()
            self._last_frames = now
            sink(Block(self.role, indata.copy(), rate, now, generation))

        try:
            stream = sd.InputStream(
                device=device.index,
                channels=channels,
                samplerate=rate,
                dtype="float32",
                blocksize=int(rate * BLOCK_SECONDS),
                callback=callback,
                finished_callback=self._ended.set,
            )
            stream.start()
        except Exception as error:  # noqa: BLE001 - PortAudioError and host errors
            raise DeviceError(f"{device.name}: cannot open input ({_one_line(error)})") from None
        self._stream = stream
        self._opened_at = self._clock()
        log.info(
            "%s: capturing %s at %.0f Hz, %d channel(s)", self.role, device.name, rate, channels
        )

    def alive(self, now: float) -> bool:
        if self._stream is None:
            return False
        if self._ended.is_set() and not self._closing:
            return False
        if self._last_frames is None:
            return now - self._opened_at < STARTUP_SECONDS
        return now - self._last_frames < STALL_SECONDS

    def rescan(self) -> None:
        """Make PortAudio list devices again (a replugged headset); only with no stream open."""
        try:
            reinitialize_portaudio(self._sd)
        except DeviceError as error:
            log.debug("cannot rescan devices: %s", error)

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        self._closing = True
        try:
            stream.abort()
            stream.close()
        except Exception as error:  # noqa: BLE001 - a vanished device may refuse to close
            log.debug("%s: closing the stream failed: %s", self.role, error)


class RoleAudio:
    """Worker-side conversion of one role's device blocks to 16 kHz mono."""

    def __init__(self) -> None:
        self._resampler: StreamResampler | None = None
        self._key: tuple[float, int] | None = None

    def convert(self, block: Block) -> np.ndarray:
        samples = block.samples
        mono = samples.mean(axis=1) if samples.ndim == 2 else samples
        key = (block.rate, block.generation)
        if self._resampler is None or key != self._key:
            self._resampler = StreamResampler(block.rate, SAMPLE_RATE)
            self._key = key
        return self._resampler.process(np.asarray(mono, dtype=np.float32))


def reinitialize_portaudio(sd: Any | None = None) -> None:
    """Rescan devices (PortAudio lists them only at start); only safe with no stream open."""
    sd = sd or import_sounddevice()
    try:
        sd._terminate()
        sd._initialize()
    except Exception as error:  # noqa: BLE001
        log.debug("PortAudio re-initialisation failed: %s", error)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__
