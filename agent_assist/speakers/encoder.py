"""Speaker embeddings: the GE2E encoder (``models/speaker-ge2e``) through onnxruntime. The
baseline since 2026-12-05: diarization uses CAM++ (``speakers.campplus``), which tells voices
apart better; ``bench/diarization.py --model ge2e`` and ``bench/speaker_embed.py`` compare them.

Audio is cut into windows (1.6 s every 0.4 s by default), each window becomes 40-band mel
power frames (``features``) and the encoder maps it to a 256-d L2-normalised embedding; the
cosine similarity (a dot product) of two embeddings is high when the same voice speaks in
both. Windows are computed and embedded ``batch_size`` at a time (8: onnxruntime's LSTM
takes ~1.5 MB of working memory per window of a batch, and CPU time per window is the same
from 4 windows a batch up), so memory does not grow with the length of the audio.

Each window is brought up to -30 dBFS (never down, at most +``MAX_GAIN_DB``), as Resemblyzer
normalises an utterance before embedding it: the encoder reads mel power, not log-mel, so a
quiet voice would otherwise look like another voice.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnxruntime

from agent_assist import modelstore
from agent_assist.audio.resample import resample
from agent_assist.errors import ModelError
from agent_assist.onnxsession import cpu_session
from agent_assist.speakers.features import HOP, N_MELS, SAMPLE_RATE, mel_frames

log = logging.getLogger(__name__)

MODEL_NAME = "speaker-ge2e"
MODEL_FILE = "model.onnx"
EMBEDDING_DIM = 256
FRAMES_PER_S = SAMPLE_RATE // HOP
TARGET_DBFS = -30.0
MAX_GAIN_DB = 50.0


def speaker_session(
    path: Path | None, model_name: str, model_file: str, threads: int
) -> onnxruntime.InferenceSession:
    """A speaker model's onnxruntime session: the manifest's ``model_name``, verified by sha256,
    or an explicit ONNX ``path``; a missing or broken file is a one-line ``ModelError``."""
    if path is None:
        path = modelstore.locate_file(modelstore.find_spec(model_name), model_file)
    if not path.is_file():
        raise ModelError(f"{path}: speaker model not found")
    session = cpu_session(path, "speaker model", threads=max(1, threads))
    log.info("loaded speaker model %s (%d thread(s))", path, threads)
    return session


def window_signal(audio: np.ndarray, sr: int, window_s: float, step_s: float) -> np.ndarray:
    """``audio`` as 16 kHz float32 for ``embed_windows`` (ValueError for a bad grid or integer
    samples)."""
    if window_s <= 0 or step_s <= 0:
        raise ValueError(f"window_s and step_s must be positive, got {window_s}, {step_s}")
    if not np.issubdtype(np.asarray(audio).dtype, np.floating):
        raise ValueError(f"expected float audio in [-1, 1], got {np.asarray(audio).dtype}")
    signal = np.asarray(audio, dtype=np.float32)
    return signal if sr == SAMPLE_RATE else resample(signal, sr, SAMPLE_RATE)


def window_gains(audio: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """Amplitude gain per window (``length`` samples from each of ``starts``) to -30 dBFS."""
    squares = np.concatenate(([0.0], np.cumsum(np.square(audio, dtype=np.float64))))
    ends = np.minimum(starts + length, len(audio))
    energy = (squares[ends] - squares[starts]) / np.maximum(ends - starts, 1)
    level_db = 10.0 * np.log10(np.maximum(energy, 1e-20))
    boost_db = np.clip(TARGET_DBFS - level_db, 0.0, MAX_GAIN_DB)
    return np.power(10.0, boost_db / 20.0)


def mean_embedding(embeddings: np.ndarray) -> np.ndarray:
    """The normalised mean of windows' embeddings (ValueError when there are none)."""
    if len(embeddings) == 0:
        raise ValueError("no audio to embed")
    mean = embeddings.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


class SpeakerEncoder:
    """256-d speaker embeddings of 16 kHz audio windows."""

    def __init__(self, session: onnxruntime.InferenceSession, batch_size: int = 8) -> None:
        self._session = session
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: Path | None = None, threads: int = 1) -> SpeakerEncoder:
        """The manifest's model, verified by sha256 (or an explicit ONNX file)."""
        return cls(speaker_session(path, MODEL_NAME, MODEL_FILE, threads))

    def embed_mels(self, mels: np.ndarray) -> np.ndarray:
        """(batch, frames, 40) mel power frames → (batch, 256) L2-normalised embeddings."""
        mels = np.ascontiguousarray(mels, dtype=np.float32)
        if mels.ndim != 3 or mels.shape[2] != N_MELS or mels.shape[1] == 0:
            raise ValueError(f"expected (batch, frames, {N_MELS}) mels, got {mels.shape}")
        if len(mels) == 0:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        out = self._session.run(["embeddings"], {"mels": mels})[0]
        return np.nan_to_num(np.asarray(out, dtype=np.float32))

    def embed_windows(
        self, audio: np.ndarray, sr: int = SAMPLE_RATE, window_s: float = 1.6, step_s: float = 0.4
    ) -> tuple[np.ndarray, np.ndarray]:
        """(start times in seconds, (n, 256) embeddings) of the windows of ``audio``.

        Windows of ``window_s`` start every ``step_s`` and lie wholly inside the audio (a last
        stretch shorter than a step is not covered); audio shorter than one window gets one
        window of its own length. Empty audio gives no window."""
        signal = window_signal(audio, sr, window_s, step_s)
        window = max(1, round(window_s * FRAMES_PER_S))
        step = max(1, round(step_s * FRAMES_PER_S))
        if len(signal) < HOP:
            return np.zeros(0), np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        last = (len(signal) + HOP // 2) // HOP - window
        if last < 0:
            window, last = (len(signal) + HOP // 2) // HOP, 0
        starts = np.arange(0, last + 1, step)
        parts = [
            self._embed_batch(signal, starts[i : i + self.batch_size], window)
            for i in range(0, len(starts), self.batch_size)
        ]
        return starts * HOP / SAMPLE_RATE, np.concatenate(parts)

    def embed(self, audio: np.ndarray, sr: int = SAMPLE_RATE, window_s: float = 1.6) -> np.ndarray:
        """One embedding for ``audio``: the normalised mean of its windows (half overlapping)."""
        _, embeddings = self.embed_windows(audio, sr, window_s, window_s / 2)
        return mean_embedding(embeddings)

    def _embed_batch(self, signal: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
        first = int(starts[0])
        frames = mel_frames(signal, first, int(starts[-1]) - first + window)
        index = (starts - first)[:, None] + np.arange(window)[None, :]
        span = signal[first * HOP : (int(starts[-1]) + window) * HOP]
        gains = window_gains(span, (starts - first) * HOP, window * HOP)
        mels = frames[index] * np.square(gains, dtype=np.float32)[:, None, None]
        return self.embed_mels(mels)
