"""Reweighing weights from Tally cells against AIF360's formula, worked by hand.

AIF360 (not installed here: its pinned dependencies clash with this environment) computes
``w = n_label * n_group / (n * n_group_label)`` with n the sums of instance weights
(aif360/algorithms/preprocessing/reweighing.py, Kamiran and Calders 2012). The expected
weights below are worked out by hand from the table in the docstring of each test, as
fractions; the engine must reproduce them from the Tally alone.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from ombud.fairness.mitigate import MitigationInputError, reweighing
from ombud.stats import ClassificationSpec, build_tally


def _rows(cells: dict[tuple[str, int], int]) -> pd.DataFrame:
    parts = [pd.DataFrame({"g": [g] * n, "y": [y] * n}) for (g, y), n in cells.items()]
    frame = pd.concat(parts, ignore_index=True)
    frame["p"] = frame["y"]  # a prediction column: the Tally needs one of prediction/score
    return frame


def test_two_groups_hand_worked() -> None:
    """A: 30 positive, 20 negative; B: 10 positive, 40 negative; n = 100.

    n_A = n_B = 50, n_pos = 40, n_neg = 60, so
    w(A,1) = 40*50/(100*30) = 2/3     w(A,0) = 60*50/(100*20) = 3/2
    w(B,1) = 40*50/(100*10) = 2       w(B,0) = 60*50/(100*40) = 3/4
    """
    frame = _rows({("A", 1): 30, ("A", 0): 20, ("B", 1): 10, ("B", 0): 40})
    tally = build_tally(frame, ClassificationSpec(label="y", prediction="p", groups=("g",)))
    result = reweighing(tally, "g")
    expected = {
        ("A", 1): Fraction(2, 3),
        ("A", 0): Fraction(3, 2),
        ("B", 1): Fraction(2),
        ("B", 0): Fraction(3, 4),
    }
    for (group, label), value in expected.items():
        assert result.factor(group, label) == pytest.approx(float(value), abs=1e-15)
    # Weighted, the label rate is the same in both groups: 40%.
    w = result.weights(frame["g"], frame["y"])
    for group in ("A", "B"):
        part = frame["g"] == group
        assert np.average(frame["y"][part], weights=w[part]) == pytest.approx(0.4, abs=1e-15)
    assert w.sum() == pytest.approx(100.0, abs=1e-12)


def test_three_groups_with_instance_weights_hand_worked() -> None:
    """Instance weights 2 on every row of group C, 1 elsewhere. Rows:
    A: 5 pos, 5 neg; B: 2 pos, 8 neg; C: 6 pos, 4 neg (weights: C pos 12, C neg 8).
    Weighted n = 10 + 10 + 20 = 40; n_pos = 5 + 2 + 12 = 19; n_neg = 5 + 8 + 8 = 21.
    w(A,1) = 19*10/(40*5) = 19/20     w(A,0) = 21*10/(40*5) = 21/20
    w(B,1) = 19*10/(40*2) = 19/8      w(B,0) = 21*10/(40*8) = 21/32
    w(C,1) = 19*20/(40*12) = 19/24    w(C,0) = 21*20/(40*8) = 21/16
    """
    frame = _rows({("A", 1): 5, ("A", 0): 5, ("B", 1): 2, ("B", 0): 8, ("C", 1): 6, ("C", 0): 4})
    frame["w"] = np.where(frame["g"] == "C", 2.0, 1.0)
    spec = ClassificationSpec(label="y", prediction="p", groups=("g",), weight="w")
    result = reweighing(build_tally(frame, spec), "g")
    expected = {
        ("A", 1): Fraction(19, 20),
        ("A", 0): Fraction(21, 20),
        ("B", 1): Fraction(19, 8),
        ("B", 0): Fraction(21, 32),
        ("C", 1): Fraction(19, 24),
        ("C", 0): Fraction(21, 16),
    }
    for (group, label), value in expected.items():
        assert result.factor(group, label) == pytest.approx(float(value), abs=1e-15)
    row = result.table[(result.table["group"] == "C") & (result.table["label"] == 1)].iloc[0]
    assert row["rows"] == 6
    assert row["weight"] == 12.0


def test_intersectional_groups_and_unknown_rows() -> None:
    frame = _rows({("A", 1): 3, ("A", 0): 1, ("B", 1): 1, ("B", 0): 3})
    frame["s"] = np.where(np.arange(len(frame)) % 2 == 0, "f", "m")
    tally = build_tally(frame, ClassificationSpec(label="y", prediction="p", groups=("g", "s")))
    result = reweighing(tally)
    assert set(result.groups) == {"A × f", "A × m", "B × f", "B × m"}
    with pytest.raises(MitigationInputError, match="did not occur"):
        result.weights(["Z × f"], [1])


def test_a_regression_tally_is_refused() -> None:
    from ombud.stats import RegressionSpec

    frame = pd.DataFrame({"g": ["a", "b"], "y": [1.0, 2.0], "p": [1.0, 2.0]})
    tally = build_tally(frame, RegressionSpec(outcome="y", prediction="p", groups=("g",)))
    with pytest.raises(MitigationInputError, match="binary classification"):
        reweighing(tally, "g")
