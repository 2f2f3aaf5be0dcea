import numpy as np
import pytest

from training.metrics import macro_f1


def test_macro_f1_is_the_mean_of_per_class_f1() -> None:
    gold = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 2, 0])
    # class 0: tp 1, fp 1, fn 1 -> 0.5; class 1: tp 2, fp 1, fn 0 -> 0.8; class 2: tp 1, fn 1 -> 2/3
    assert macro_f1(gold, pred, 3) == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)


def test_a_class_absent_from_gold_and_predictions_is_not_averaged() -> None:
    gold = np.array([0, 1, 0, 1])
    assert macro_f1(gold, gold, 3) == 1.0


def test_a_class_predicted_but_absent_from_gold_counts_as_zero() -> None:
    gold = np.array([0, 0, 1, 1])
    pred = np.array([0, 0, 1, 2])
    # class 0: 1.0; class 1: tp 1, fn 1 -> 2/3; class 2: fp 1 -> 0.0
    assert macro_f1(gold, pred, 3) == pytest.approx((1.0 + 2 / 3 + 0.0) / 3)


def test_no_examples_scores_zero() -> None:
    empty = np.array([], dtype=int)
    assert macro_f1(empty, empty, 3) == 0.0
