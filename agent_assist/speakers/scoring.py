"""Diarization error rate (NIST md-eval definition), on a 10 ms grid.

DER = (missed speech + false alarm + speaker confusion) / reference speech, each counted per
speaker on every scored frame (overlapped reference speech counts once per speaker). Frames
within ``collar`` seconds of a reference segment boundary are not scored. Hypothesis labels are
mapped one-to-one onto reference labels so that the matched time is largest.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import permutations

import numpy as np

STEP_S = 0.01
Segment = tuple[float, float, Hashable]
"""(start, end, speaker label)."""


@dataclass(frozen=True)
class DerResult:
    reference_s: float
    missed_s: float
    false_alarm_s: float
    confusion_s: float

    @property
    def der(self) -> float:
        errors = self.missed_s + self.false_alarm_s + self.confusion_s
        return errors / self.reference_s if self.reference_s else float(errors > 0)


def _activity(segments: Sequence[Segment], frames: int) -> tuple[list[Hashable], np.ndarray]:
    labels = sorted({s[2] for s in segments}, key=str)
    active = np.zeros((len(labels), frames), dtype=bool)
    for start, end, label in segments:
        a, b = int(round(start / STEP_S)), int(round(end / STEP_S))
        active[labels.index(label), max(a, 0) : max(b, 0)] = True
    return labels, active


def _best_match(overlap: np.ndarray) -> float:
    """Largest total overlap of a one-to-one mapping (exhaustive for small counts, else greedy)."""
    rows, cols = overlap.shape
    if rows == 0 or cols == 0:
        return 0.0
    if min(rows, cols) <= 6 and max(rows, cols) <= 8:
        small, large = (overlap, cols) if rows <= cols else (overlap.T, rows)
        return max(
            float(sum(small[i, p] for i, p in enumerate(perm)))
            for perm in permutations(range(large), len(small))
        )
    total, table = 0.0, overlap.astype(float)
    while table.size and table.max() > 0:
        i, j = np.unravel_index(int(np.argmax(table)), table.shape)
        total += float(table[i, j])
        table[i, :] = -1
        table[:, j] = -1
    return total


def diarization_error(
    reference: Sequence[Segment], hypothesis: Sequence[Segment], collar: float = 0.25
) -> DerResult:
    ends = [s[1] for s in (*reference, *hypothesis)]
    frames = int(round(max(ends, default=0.0) / STEP_S)) + 1
    _, ref = _activity(reference, frames)
    _, hyp = _activity(hypothesis, frames)
    scored = np.ones(frames, dtype=bool)
    pad = int(round(collar / STEP_S))
    for start, end, _ in reference:
        for edge in (int(round(start / STEP_S)), int(round(end / STEP_S))):
            scored[max(0, edge - pad) : edge + pad] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    overlap = ref.astype(np.int64) @ hyp.T.astype(np.int64)
    correct = _best_match(overlap)
    missed = float(np.maximum(n_ref - n_hyp, 0).sum())
    false_alarm = float(np.maximum(n_hyp - n_ref, 0).sum())
    confusion = float(np.minimum(n_ref, n_hyp).sum()) - correct
    return DerResult(
        float(n_ref.sum()) * STEP_S, missed * STEP_S, false_alarm * STEP_S, confusion * STEP_S
    )
