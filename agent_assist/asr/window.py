"""How much of Whisper's 30 s window the encoder is shown, and how utterances are packed into it.

See ``whisper.WindowedWhisper``: Whisper's encoder costs the same for any audio shorter than
30 s unless the padded window is cut; cut too short, Whisper loops on short clips.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from agent_assist.contracts import SAMPLE_RATE

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


PACK_SECONDS = 28.0
"""Packed decoding fills Whisper's 30 s window up to this, leaving room for timestamp drift."""
PACK_LIMIT = int(PACK_SECONDS * SAMPLE_RATE)
PACK_GAP = SAMPLE_RATE // 5
"""Silence (samples) put between two packed utterances."""


def fits_one_window(lengths: Sequence[int]) -> bool:
    """Whether utterances of these lengths (samples) pack into one window, gaps included."""
    return sum(lengths) + PACK_GAP * max(len(lengths) - 1, 0) <= PACK_LIMIT


def pack(lengths: Sequence[int], limit: int = PACK_LIMIT, gap: int = PACK_GAP) -> list[list[int]]:
    """Consecutive indices grouped so that each group's total (with gaps) fits ``limit``."""
    groups: list[list[int]] = []
    total = 0
    for index, length in enumerate(lengths):
        if groups and total + gap + length <= limit:
            groups[-1].append(index)
            total += gap + length
        else:
            groups.append([index])
            total = length
    return groups
