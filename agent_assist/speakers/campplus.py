"""Speaker embeddings: the CAM++ encoder (``models/speaker-campplus``) through onnxruntime.

3D-Speaker's CAM++ (a densely connected TDNN with context-aware masking, 6.9 M parameters,
trained on Chinese and English speech) maps a window of 80-band Kaldi log filterbank frames
(``fbank``), less the window's mean frame, to a 192-d embedding, L2-normalised here. Windows
are embedded ``batch_size`` at a time (4: the CPU time per window is the same as with 8, the
activations' peak lower), and only the stretch of audio a batch covers is framed, so memory
does not grow with the length of the audio.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime

from agent_assist.speakers.encoder import mean_embedding, speaker_session, window_signal
from agent_assist.speakers.fbank import (
    FRAME,
    HOP,
    N_BANDS,
    SAMPLE_RATE,
    frame_count,
    log_fbank,
    normalised,
)

MODEL_NAME = "speaker-campplus"
MODEL_FILE = "model.onnx"
EMBEDDING_DIM = 192
FRAMES_PER_S = SAMPLE_RATE // HOP
MIN_FRAMES = 10
"""Fewer frames than this give no embedding (the network pools over time after striding)."""


class CamppEncoder:
    """192-d speaker embeddings of 16 kHz audio windows."""

    def __init__(self, session: onnxruntime.InferenceSession, batch_size: int = 4) -> None:
        self._session = session
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: Path | None = None, threads: int = 1) -> CamppEncoder:
        """The manifest's model, verified by sha256 (or an explicit ONNX file)."""
        return cls(speaker_session(path, MODEL_NAME, MODEL_FILE, threads))

    def embed_frames(self, frames: np.ndarray) -> np.ndarray:
        """(batch, frames, 80) mean-normalised log filterbank windows → (batch, 192)
        L2-normalised embeddings."""
        frames = np.ascontiguousarray(frames, dtype=np.float32)
        if frames.ndim != 3 or frames.shape[2] != N_BANDS:
            raise ValueError(f"expected (batch, frames, {N_BANDS}) frames, got {frames.shape}")
        if len(frames) == 0:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        out = np.asarray(self._session.run(["embeddings"], {"fbank": frames})[0], np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.nan_to_num(out / np.maximum(norms, 1e-12))

    def embed_windows(
        self, audio: np.ndarray, sr: int = SAMPLE_RATE, window_s: float = 1.6, step_s: float = 0.4
    ) -> tuple[np.ndarray, np.ndarray]:
        """(start times in seconds, (n, 192) embeddings) of the windows of ``audio``.

        Windows of ``window_s`` start every ``step_s`` and lie wholly inside the audio; audio
        shorter than one window gets one window of its own length, audio under ~0.1 s none."""
        signal = window_signal(audio, sr, window_s, step_s)
        count = frame_count(len(signal))
        if count < MIN_FRAMES:
            return np.zeros(0), np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        window = min(count, max(MIN_FRAMES, round(window_s * FRAMES_PER_S)))
        step = max(1, round(step_s * FRAMES_PER_S))
        starts = np.arange(0, count - window + 1, step)
        parts = [
            self._embed_batch(signal, starts[i : i + self.batch_size], window)
            for i in range(0, len(starts), self.batch_size)
        ]
        return starts / FRAMES_PER_S, np.concatenate(parts)

    def _embed_batch(self, signal: np.ndarray, starts: np.ndarray, window: int) -> np.ndarray:
        """The windows at frame ``starts``: only their stretch of the signal is framed (frame
        ``t`` of a stretch from sample ``first * HOP`` is frame ``first + t`` of the whole)."""
        first = int(starts[0])
        stop = (int(starts[-1]) + window - 1) * HOP + FRAME
        frames = log_fbank(signal[first * HOP : stop])
        index = (starts - first)[:, None] + np.arange(window)[None, :]
        return self.embed_frames(normalised(frames[index]))

    def embed(self, audio: np.ndarray, sr: int = SAMPLE_RATE, window_s: float = 1.6) -> np.ndarray:
        """One embedding for ``audio``: the normalised mean of its windows (half overlapping)."""
        _, embeddings = self.embed_windows(audio, sr, window_s, window_s / 2)
        return mean_embedding(embeddings)
