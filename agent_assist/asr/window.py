"""How much of Whisper's 30 s window the encoder is shown for an utterance.

See ``whisper.WindowedWhisper``: Whisper's encoder costs the same for any audio shorter than
30 s unless the padded window is cut; cut too short, Whisper loops on short clips.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

WINDOW_MARGIN_S = 1.0
"""Audio (silence) the encoder sees after the end of an utterance."""
WINDOW_STEP_S = 5.0
"""Windows come in a few sizes: CTranslate2's buffers for every distinct input length stay
allocated, so lengths that vary freely grow the process's memory call after call."""


def window_seconds(audio_seconds: float, min_window_s: float) -> float:
    """The encoder window for ``audio_seconds`` of speech: at least ``min_window_s``, then
    the next multiple of ``WINDOW_STEP_S`` that leaves ``WINDOW_MARGIN_S`` of silence."""
    steps = math.ceil((audio_seconds + WINDOW_MARGIN_S) / WINDOW_STEP_S)
    return min(30.0, max(min_window_s, steps * WINDOW_STEP_S))


@contextmanager
def windowed(model: Any, audio_seconds: float, min_window_s: float) -> Iterator[None]:
    """``model.window(...)`` for ``audio_seconds`` of audio, if the model has one."""
    window = getattr(model, "window", None)
    if window is None:
        yield
        return
    with window(window_seconds(audio_seconds, min_window_s)):
        yield
