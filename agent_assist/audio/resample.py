"""Streaming resampling to the engine's 16 kHz (soxr, high quality).

The same object serves file decoding (blocks of a file) and live capture (device callbacks):
feed blocks with ``process`` as they come, then ``flush`` once at the end of the stream.
"""

from __future__ import annotations

import numpy as np
import soxr

from agent_assist.contracts import SAMPLE_RATE


class StreamResampler:
    """Resample a mono float32 stream from ``in_rate`` to ``out_rate`` block by block."""

    def __init__(self, in_rate: float, out_rate: float = SAMPLE_RATE, quality: str = "HQ") -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {in_rate} -> {out_rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._stream = (
            None
            if in_rate == out_rate
            else soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32", quality=quality)
        )

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Resample one block (1-D); returns the output that is ready (possibly empty)."""
        block = _mono_float32(samples)
        if self._stream is None:
            return block.copy()
        return self._stream.resample_chunk(block, last=False)

    def flush(self) -> np.ndarray:
        """End of stream: return the samples still held in the filter; the stream restarts."""
        if self._stream is None:
            return np.zeros(0, dtype=np.float32)
        tail = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        self._stream.clear()
        return tail


def resample(samples: np.ndarray, in_rate: float, out_rate: float = SAMPLE_RATE) -> np.ndarray:
    """Resample a whole mono signal at once."""
    block = _mono_float32(samples)
    if in_rate == out_rate:
        return block.copy()
    return np.asarray(soxr.resample(block, in_rate, out_rate, quality="HQ"), dtype=np.float32)


def _mono_float32(samples: np.ndarray) -> np.ndarray:
    block = np.ascontiguousarray(samples, dtype=np.float32)
    if block.ndim != 1:
        raise ValueError(f"expected a 1-D mono block, got shape {block.shape}")
    return block
