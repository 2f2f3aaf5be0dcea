from __future__ import annotations

import numpy as np
import pytest

from agent_assist.audio.resample import StreamResampler, resample


def _tone(rate: int, seconds: float, hz: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 48_000])
def test_streaming_matches_one_shot_and_keeps_the_pitch(rate: int) -> None:
    signal = _tone(rate, 2.0, 1000.0)
    stream = StreamResampler(rate)
    sizes = np.random.default_rng(rate).integers(1, 3000, 100)
    pieces, offset = [], 0
    for size in sizes:
        pieces.append(stream.process(signal[offset : offset + size]))
        offset += size
    pieces.append(stream.process(signal[offset:]))
    pieces.append(stream.flush())
    streamed = np.concatenate(pieces)
    whole = resample(signal, rate)
    assert abs(len(streamed) - 32_000) <= 2
    n = min(len(streamed), len(whole))
    assert np.max(np.abs(streamed[:n] - whole[:n])) < 1e-3
    middle = streamed[4000:20000]
    peak_hz = np.fft.rfftfreq(len(middle), 1 / 16_000)[np.argmax(np.abs(np.fft.rfft(middle)))]
    assert abs(peak_hz - 1000.0) <= 2.0


def test_same_rate_passes_through() -> None:
    signal = _tone(16_000, 0.5, 440.0)
    stream = StreamResampler(16_000)
    np.testing.assert_array_equal(stream.process(signal), signal)
    assert len(stream.flush()) == 0


def test_rejects_multichannel_blocks_and_bad_rates() -> None:
    with pytest.raises(ValueError):
        StreamResampler(48_000).process(np.zeros((100, 2), dtype=np.float32))
    with pytest.raises(ValueError):
        StreamResampler(0)
