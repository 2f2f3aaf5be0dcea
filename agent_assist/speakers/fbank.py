"""The CAM++ speaker encoder's front end in numpy: Kaldi's 80-band log mel filterbank.

Kaldi's ``compute-fbank-feats`` settings as 3D-Speaker trained CAM++ with them: 16 kHz, 25 ms
frames every 10 ms with ``snip_edges`` (frames lie wholly inside the audio), no dither, each
frame's DC offset removed, pre-emphasis 0.97, Povey window, 512-point FFT, power spectrum, 80
triangular filters on Kaldi's mel scale (``1127 ln(1 + f / 700)``) from 20 Hz to 8 kHz, natural
log floored at float32 epsilon. ``tests/speakers/test_fbank.py`` compares it with
kaldi-native-fbank's output. The encoder also wants each window's mean frame subtracted
(``normalised``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16000
FRAME = 400
HOP = 160
N_FFT = 512
N_BANDS = 80
LOW_HZ = 20.0
PREEMPHASIS = 0.97
_FLOOR = float(np.finfo(np.float32).eps)


def _mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


@lru_cache(maxsize=1)
def filterbank() -> np.ndarray:
    """(80, 256) Kaldi mel filters over the FFT bins below Nyquist."""
    bins = _mel(np.arange(N_FFT // 2) * SAMPLE_RATE / N_FFT)
    low, high = float(_mel(LOW_HZ)), float(_mel(SAMPLE_RATE / 2))
    delta = (high - low) / (N_BANDS + 1)
    left = low + delta * np.arange(N_BANDS)[:, None]
    centre, right = left + delta, left + 2 * delta
    rising = (bins - left) / (centre - left)
    falling = (right - bins) / (right - centre)
    weights = np.where(bins <= centre, rising, falling)
    inside = (bins > left) & (bins < right)
    return np.where(inside, weights, 0.0).astype(np.float32)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    hann = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(FRAME) / (FRAME - 1))
    return np.power(hann, 0.85)


def frame_count(samples: int) -> int:
    """Frames of ``samples`` samples (``snip_edges``: only whole frames)."""
    return 0 if samples < FRAME else 1 + (samples - FRAME) // HOP


def log_fbank(audio: np.ndarray) -> np.ndarray:
    """(frames, 80) float32 log filterbank energies of 16 kHz ``audio`` in [-1, 1] (frame
    ``t`` covers samples ``t * 160 .. t * 160 + 400``)."""
    audio = np.asarray(audio, dtype=np.float64)
    if audio.ndim != 1:
        raise ValueError(f"expected 1-D mono audio, got shape {audio.shape}")
    if frame_count(len(audio)) == 0:
        return np.zeros((0, N_BANDS), dtype=np.float32)
    # Kaldi reads 16-bit samples as their integer values
    frames = np.lib.stride_tricks.sliding_window_view(audio * 32768.0, FRAME)[::HOP]
    frames = frames - frames.mean(axis=1, keepdims=True)
    emphasised = frames.copy()
    emphasised[:, 1:] -= PREEMPHASIS * frames[:, :-1]
    emphasised[:, 0] -= PREEMPHASIS * frames[:, 0]
    spectrum = np.fft.rfft(emphasised * _window(), n=N_FFT, axis=1)[:, : N_FFT // 2]
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return np.log(np.maximum(power @ filterbank().T, _FLOOR))


def normalised(frames: np.ndarray) -> np.ndarray:
    """Frames less their mean frame (the per-window mean normalisation CAM++ expects)."""
    return frames - frames.mean(axis=-2, keepdims=True)
