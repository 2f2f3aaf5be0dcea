"""Real voices for the speaker-encoder tests: three speakers of tests/data, a phone-line version
of them, and the same- and different-speaker similarities of their halves; and a stand-in
for an encoder's onnxruntime session."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf

from agent_assist.audio.resample import resample

DATA = Path(__file__).resolve().parents[1] / "data"
CLIPS = ("jfk", "librivox_ill_disposed", "mfa_uhuh")


class Embeds(Protocol):
    def embed(self, audio: np.ndarray, sr: int = 16000, window_s: float = 1.6) -> np.ndarray: ...


def load_clips() -> dict[str, np.ndarray]:
    """Three real speakers: J. F. Kennedy, a LibriVox reader, the MFA corpus's speaker."""
    out = {}
    for name in CLIPS:
        audio, rate = sf.read(str(DATA / f"{name}.flac"), dtype="float32")
        assert rate == 16000
        out[name] = audio
    return out


def telephone(audio: np.ndarray, seed: int) -> np.ndarray:
    """8 kHz, with hiss 20 dB under the speech: what a phone line gives."""
    narrow = resample(audio, 16000, 8000)
    noise = np.random.default_rng(seed).standard_normal(len(narrow)).astype(np.float32)
    noise *= np.sqrt(np.mean(narrow**2)) / 10
    return narrow + noise


def similarities(encoder: Embeds, clips: dict, sr: int) -> tuple[list, list]:
    """Cosine similarities of same-speaker and different-speaker half-clip embeddings."""
    halves = {}
    for name, audio in clips.items():
        middle = len(audio) // 2
        halves[name] = [encoder.embed(audio[:middle], sr), encoder.embed(audio[middle:], sr)]
    same = [float(a @ b) for a, b in halves.values()]
    names = list(halves)
    different = [
        float(x @ y)
        for i, first in enumerate(names)
        for second in names[i + 1 :]
        for x in halves[first]
        for y in halves[second]
    ]
    return same, different


class RecordingSession:
    """Stands in for an encoder's onnxruntime session: records each batch of input frames and
    returns ``dim``-d 'embeddings' from each window's spread (never zero)."""

    def __init__(self, dim: int, keep: bool = True) -> None:
        self.dim = dim
        self.keep = keep
        self.batches: list[np.ndarray] = []

    def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        (frames,) = feeds.values()
        if self.keep:
            self.batches.append(frames)
        return [np.repeat(frames.std(axis=(1, 2))[:, None], self.dim, axis=1) + 1.0]
