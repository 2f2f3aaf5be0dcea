"""onnxruntime sessions on the CPU for the small models (VAD, speaker encoder)."""

from __future__ import annotations

from pathlib import Path

import onnxruntime

from agent_assist.errors import ModelError


def cpu_session(
    path: Path, what: str, threads: int = 1, log_level: int = 3
) -> onnxruntime.InferenceSession:
    """A CPU session with ``threads`` intra-op threads, one inter-op thread and no memory arena
    (it would keep the peak of the largest batch). A file onnxruntime cannot load is a
    one-line ``ModelError`` naming ``path`` and ``what`` it is."""
    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = max(1, threads)
    options.enable_cpu_mem_arena = False
    options.log_severity_level = log_level
    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own untyped errors
        message = " ".join(str(error).split())[:200]
        raise ModelError(f"{path}: cannot load {what} ({message})") from None
