"""Scores shared by training (checkpoint choice) and evaluation (the report table)."""

from __future__ import annotations

import numpy as np


def macro_f1(gold: np.ndarray, pred: np.ndarray, classes: int) -> float:
    """Mean F1 over the classes that occur in ``gold`` or ``pred`` (as scikit-learn counts)."""
    scores = []
    for c in range(classes):
        tp = int(((pred == c) & (gold == c)).sum())
        fp = int(((pred == c) & (gold != c)).sum())
        fn = int(((pred != c) & (gold == c)).sum())
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0
