"""Streaming Silero VAD v6: the ONNX file shipped inside faster-whisper, run frame by frame.

faster-whisper's own helper runs the whole signal at once and resets the model state on every
call. This wrapper runs the same model with the same inputs (512 new samples prefixed by the
last 64 samples of the previous frame, LSTM state ``h``/``c`` carried over) one frame at a time,
so its probabilities equal faster-whisper's for the same audio while audio can arrive live.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnxruntime

from agent_assist import modelstore
from agent_assist.errors import ModelError
from agent_assist.onnxsession import cpu_session

log = logging.getLogger(__name__)

MODEL_NAME = "silero-vad-v6"
MODEL_FILE = "silero_vad_v6.onnx"
FRAME_SAMPLES = 512
"""One VAD frame: 32 ms at 16 kHz."""
CONTEXT_SAMPLES = 64
_STATE_SHAPE = (1, 1, 128)


def _session(path: Path) -> onnxruntime.InferenceSession:
    return cpu_session(path, "VAD model", threads=1, log_level=4)


class SileroVad:
    """Speech probability of successive 512-sample 16 kHz frames of one stream."""

    def __init__(self, session: onnxruntime.InferenceSession) -> None:
        self._session = session
        self.reset()

    @classmethod
    def load(cls, path: Path | None = None) -> SileroVad:
        """Load the verified model from the manifest (or an explicit ONNX file)."""
        if path is None:
            path = modelstore.locate_file(modelstore.find_spec(MODEL_NAME), MODEL_FILE)
        elif not path.is_file():
            raise ModelError(f"{path}: VAD model file not found")
        log.debug("loading VAD model %s", path)
        return cls(_session(path))

    def fresh(self) -> SileroVad:
        """Another independent stream (its own state) sharing this one's ONNX session."""
        return SileroVad(self._session)

    def reset(self) -> None:
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        samples = np.asarray(frame, dtype=np.float32)
        if samples.shape != (FRAME_SAMPLES,):
            raise ValueError(f"VAD frame must be {FRAME_SAMPLES} samples, got {samples.shape}")
        window = np.concatenate((self._context, samples))[np.newaxis, :]
        probability, self._h, self._c = self._session.run(
            None, {"input": window, "h": self._h, "c": self._c}
        )
        self._context = samples[-CONTEXT_SAMPLES:].copy()
        return float(np.asarray(probability).ravel()[0])
