"""Verdicts on constructed cases, and the NaN-skipping percentile against numpy.

Oracles: cases built so that the right verdict follows from the definitions (a gap far past
the bound on thousands of rows must fail; the same gap on a hundred rows cannot be told from
compliance; a group of ten rows must not let a rule pass), and numpy.nanquantile.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ombud.fairness import FairnessPolicy, Rule, audit
from ombud.fairness._summaries import _nan_quantile

FOUR_FIFTHS = FairnessPolicy(rules=(Rule("four_fifths", ("selection_rate",), "ratio", 0.8),))
EQUALIZED_ODDS = FairnessPolicy(rules=(Rule("eo", ("tpr", "fpr"), "difference", 0.1),))


def _group(name: str, n: int, selected: int, positives: int | None = None) -> pd.DataFrame:
    """n rows; the first `selected` are predicted positive; labels alternate unless given."""
    pred = np.r_[np.ones(selected, int), np.zeros(n - selected, int)]
    label = (
        np.arange(n) % 2
        if positives is None
        else np.r_[np.ones(positives), np.zeros(n - positives)]
    )
    return pd.DataFrame({"g": name, "y": label.astype(int), "p": pred})


def _verdict(frame: pd.DataFrame, policy: FairnessPolicy = FOUR_FIFTHS) -> pd.Series:
    result = audit(frame, label="y", prediction="p", sensitive="g", policy=policy, n_boot=400)
    return result.verdicts.iloc[0]


def test_clear_compliance_passes() -> None:
    row = _verdict(pd.concat([_group("a", 2000, 1000), _group("b", 2000, 960)]))
    assert row["verdict"] == "pass"
    assert row["value"] == pytest.approx(0.96)


def test_large_breach_fails_and_its_interval_lies_below_the_bound() -> None:
    row = _verdict(pd.concat([_group("a", 2000, 1000), _group("b", 2000, 400)]))
    assert row["verdict"] == "fail"
    assert row["upper"] < 0.8
    assert (row["low_group"], row["high_group"]) == ("b", "a")


def test_small_breach_on_few_rows_is_a_concern() -> None:
    row = _verdict(pd.concat([_group("a", 100, 50), _group("b", 100, 38)]))
    assert row["value"] == pytest.approx(0.76)
    assert row["verdict"] == "concern"
    assert row["lower"] < 0.8 < row["upper"]


def test_tiny_group_never_passes_silently() -> None:
    row = _verdict(pd.concat([_group("a", 1000, 500), _group("b", 1000, 500), _group("c", 10, 5)]))
    assert row["verdict"] == "insufficient"
    assert "c has 10 rows" in row["reason"]


def test_breach_among_large_groups_still_fails_beside_a_tiny_group() -> None:
    frame = pd.concat([_group("a", 2000, 1000), _group("b", 2000, 400), _group("c", 5, 5)])
    assert _verdict(frame)["verdict"] == "fail"


def test_group_without_negatives_makes_error_rate_rules_insufficient() -> None:
    frame = pd.concat([_group("a", 500, 250), _group("b", 500, 250, positives=500)])
    row = _verdict(frame, EQUALIZED_ODDS)
    assert row["verdict"] == "insufficient"
    assert "undefined" in row["reason"]


def test_min_group_size_argument_overrides_the_policy() -> None:
    frame = pd.concat([_group("a", 40, 20), _group("b", 40, 20)])
    result = audit(
        frame,
        label="y",
        prediction="p",
        sensitive="g",
        policy=FOUR_FIFTHS,
        min_group_size=50,
        n_boot=0,
    )
    assert result.verdicts.iloc[0]["verdict"] == "insufficient"


def test_without_bootstrap_a_breach_is_at_most_a_concern() -> None:
    frame = pd.concat([_group("a", 2000, 1000), _group("b", 2000, 400)])
    result = audit(frame, label="y", prediction="p", sensitive="g", policy=FOUR_FIFTHS, n_boot=0)
    assert result.verdicts.iloc[0]["verdict"] == "concern"


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 40), st.integers(1, 4)),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)),
    ),
    st.floats(0.0, 1.0),
)
def test_nan_quantile_equals_numpy(values: np.ndarray, q: float) -> None:
    """Oracle: numpy.nanquantile (linear interpolation), columns of all NaN give NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on all-NaN columns
        expected = np.nanquantile(values, q, axis=0)
    np.testing.assert_allclose(_nan_quantile(values, q), expected, rtol=1e-12, atol=1e-9)
