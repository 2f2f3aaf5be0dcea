"""Device listing, selection, the bounded queue and DeviceSource against a fake sounddevice."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from agent_assist.audio.capture import (
    Block,
    BlockQueue,
    DeviceSource,
    RoleAudio,
    list_inputs,
    looks_like_loopback,
    resolve_device,
)
from agent_assist.contracts import SAMPLE_RATE
from agent_assist.errors import DeviceError


class FakeStream:
    def __init__(self, sd: FakeSd, **kwargs: Any) -> None:
        self.sd = sd
        self.kwargs = kwargs
        self.started = False
        self.closed = False
        sd.streams.append(self)

    def start(self) -> None:
        if self.sd.fail_open:
            raise RuntimeError("Error opening InputStream: Unanticipated host error")
        self.started = True

    def deliver(self, frames: np.ndarray) -> None:
        self.kwargs["callback"](frames, len(frames), None, SimpleNamespace(input_overflow=False))

    def end(self) -> None:
        self.kwargs["finished_callback"]()

    def abort(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True


class FakeSd:
    def __init__(self, devices: list[dict[str, Any]], default_input: int = 0) -> None:
        self.devices = devices
        self.default = SimpleNamespace(device=[default_input, -1])
        self.streams: list[FakeStream] = []
        self.fail_open = False

    def query_hostapis(self, index: int | None = None) -> Any:
        apis = [{"name": "ALSA", "default_input_device": self.default.device[0]}, {"name": "JACK"}]
        return apis if index is None else apis[index]

    def query_devices(self) -> list[dict[str, Any]]:
        return self.devices

    def InputStream(self, **kwargs: Any) -> FakeStream:  # noqa: N802 - sounddevice's name
        return FakeStream(self, **kwargs)


def device(name: str, inputs: int = 2, rate: float = 48_000.0, hostapi: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "max_input_channels": inputs,
        "max_output_channels": 2,
        "default_samplerate": rate,
        "hostapi": hostapi,
    }


DEVICES = [
    device("HDA Intel PCH: ALC3246 Analog (hw:0,0)", 2, 44_100.0),
    device("Speakers", 0),
    device("Monitor of Built-in Audio Analog Stereo", 2, 48_000.0),
    device("USB Headset Mic", 1, 16_000.0, hostapi=1),
]


def test_inputs_are_listed_with_host_api_rate_and_loopback_hint() -> None:
    inputs = list_inputs(FakeSd(DEVICES, default_input=3))
    assert [d.index for d in inputs] == [0, 2, 3]
    assert [d.looks_like_loopback for d in inputs] == [False, True, False]
    assert inputs[2].hostapi == "JACK" and inputs[2].default_rate == 16_000.0
    assert inputs[2].is_default and not inputs[0].is_default


@pytest.mark.parametrize(
    "name", ["Stereo Mix (Realtek)", "BlackHole 2ch", "What U Hear", "CABLE Output (VB-Audio)"]
)
def test_loopback_names(name: str) -> None:
    assert looks_like_loopback(name)


def test_device_selection_by_index_name_part_and_role_default() -> None:
    inputs = list_inputs(FakeSd(DEVICES, default_input=3))
    assert resolve_device("2", inputs, "agent").index == 2
    assert resolve_device("usb headset", inputs, "agent").index == 3
    assert resolve_device("", inputs, "agent").index == 3
    assert resolve_device("", inputs, "customer").index == 2
    with pytest.raises(DeviceError, match="audio.agent_device: no input device named 'Jabra'"):
        resolve_device("Jabra", inputs, "agent")
    with pytest.raises(DeviceError, match="no loopback"):
        resolve_device("", [i for i in inputs if not i.looks_like_loopback], "customer")
    with pytest.raises(DeviceError, match="no audio input devices"):
        resolve_device("", [], "agent")


def test_queue_is_bounded_drops_the_oldest_and_counts() -> None:
    queue = BlockQueue(max_seconds=1.0)
    for index in range(30):
        queue.put(Block("agent", np.full(1600, index, np.float32), SAMPLE_RATE, index * 0.1))
    queue.put(Block("customer", np.zeros(1600, np.float32), SAMPLE_RATE, 3.0))
    assert queue.seconds("agent") == pytest.approx(1.0)
    assert queue.dropped_seconds == {"agent": pytest.approx(2.0)}
    blocks = queue.get(timeout=1.0)
    assert [b.samples[0] for b in blocks if b.role == "agent"] == list(range(20, 30))
    assert [b.role for b in blocks][-1] == "customer"
    assert queue.get(timeout=0.01) == []


def test_queue_put_never_waits_for_the_consumer() -> None:
    queue = BlockQueue(max_seconds=5.0)
    done = threading.Event()

    def produce() -> None:
        for index in range(2000):
            queue.put(Block("customer", np.zeros(800, np.float32), SAMPLE_RATE, index))
        done.set()

    threading.Thread(target=produce).start()
    assert done.wait(10)
    assert queue.seconds("customer") <= 5.0


def test_device_source_opens_at_the_device_rate_and_converts_to_16k_mono() -> None:
    sd = FakeSd(DEVICES)
    received: list[Block] = []
    source = DeviceSource("customer", "", sd=sd, clock=lambda: 10.0)
    source.open(received.append)
    stream = sd.streams[0]
    assert stream.kwargs["device"] == 2 and stream.kwargs["samplerate"] == 48_000.0
    assert stream.kwargs["channels"] == 2 and stream.started
    assert "Monitor of Built-in" in source.description
    t = np.arange(48_000) / 48_000
    left = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    frames = np.stack([left, left], axis=1)
    for begin in range(0, 48_000, 2400):
        stream.deliver(frames[begin : begin + 2400])
    assert len(received) == 20 and received[0].arrival == 10.0
    convert = RoleAudio()
    mono = np.concatenate([convert.convert(b) for b in received])
    assert abs(len(mono) - SAMPLE_RATE) < 400
    spectrum = np.abs(np.fft.rfft(mono[2000:14000]))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / 12000
    assert abs(peak_hz - 440) < 5


def test_device_source_notices_the_stream_ending_and_stalling() -> None:
    sd = FakeSd(DEVICES)
    now = [0.0]
    source = DeviceSource("agent", "USB", sd=sd, clock=lambda: now[0])
    source.open(lambda block: None)
    assert source.alive(1.0)
    assert not source.alive(100.0)
    sd.streams[0].deliver(np.zeros((800, 1), np.float32))
    assert source.alive(1.0)
    sd.streams[0].end()
    assert not source.alive(1.0)
    source.close()
    assert sd.streams[0].closed
    source.open(lambda block: None)
    now[0] = 50.0
    sd.streams[1].deliver(np.zeros((800, 1), np.float32))
    assert source.alive(51.0)
    assert not source.alive(53.0)


def test_device_source_open_failures_are_device_errors() -> None:
    sd = FakeSd(DEVICES)
    sd.fail_open = True
    with pytest.raises(DeviceError, match="USB Headset Mic: cannot open input"):
        DeviceSource("agent", "USB", sd=sd).open(lambda block: None)
    with pytest.raises(DeviceError, match="no audio input devices"):
        DeviceSource("agent", "", sd=FakeSd([device("Speakers", 0)])).open(lambda block: None)
