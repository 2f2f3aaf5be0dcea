"""The GE2E speaker encoder's front end in numpy: 40-band mel power frames of 16 kHz audio.

The same numbers as Resemblyzer 0.1.4's ``wav_to_mel_spectrogram`` (librosa
``melspectrogram`` with its defaults): 25 ms periodic Hann window (400-point FFT), 10 ms hop,
frames centred on ``t * 160`` with zero padding at the ends, power spectrum (|X|²), 40 Slaney
mel filters from 0 to 8 kHz with Slaney area normalisation. No logarithm: the GE2E encoder was
trained on mel power. ``tests/speakers/test_features.py`` compares it with the reference output.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 40
_HALF = N_FFT // 2

# Slaney's mel scale (librosa's default, htk=False): linear below 1 kHz, logarithmic above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _F_SP
    log_part = _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP
    return np.where(hz >= _MIN_LOG_HZ, log_part, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    linear = _F_SP * mel
    log_part = _MIN_LOG_HZ * np.exp(_LOG_STEP * (np.maximum(mel, _MIN_LOG_MEL) - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log_part, linear)


@lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """(40, 201) triangular Slaney-normalised filters over the 400-point FFT bins."""
    fft_hz = np.linspace(0.0, SAMPLE_RATE / 2, 1 + _HALF)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    n = np.arange(N_FFT)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / N_FFT)


def frame_count(samples: int) -> int:
    """Frames the reference front end gives for ``samples`` samples (centred frames)."""
    return 1 + samples // HOP


def mel_frames(audio: np.ndarray, first: int = 0, count: int | None = None) -> np.ndarray:
    """(count, 40) float32 mel power frames ``first .. first + count`` of 16 kHz ``audio``.

    Frame ``t`` is centred on sample ``t * 160``; samples outside ``audio`` count as zeros, so
    any run of frames equals the same rows of the whole signal's frames and a long signal can
    be processed piece by piece."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"expected 1-D mono audio, got shape {audio.shape}")
    if count is None:
        count = frame_count(len(audio)) - first
    if count <= 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    start = first * HOP - _HALF
    stop = (first + count - 1) * HOP + _HALF
    span = np.zeros(stop - start, dtype=np.float64)
    lo, hi = max(start, 0), min(stop, len(audio))
    if hi > lo:
        span[lo - start : hi - start] = audio[lo:hi]
    frames = np.lib.stride_tricks.sliding_window_view(span, N_FFT)[::HOP]
    spectrum = np.fft.rfft(frames * _window(), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return power @ mel_filterbank().T
