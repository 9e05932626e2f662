"""Regression metrics from a Tally's sums against sklearn.metrics and numpy on the raw rows.

Oracles: sklearn mean_absolute_error, root of mean_squared_error, r2_score (with sample_weight)
per group; numpy weighted means/variances for the standardized mean difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from ombud.stats import (
    RegressionSpec,
    build_tally,
    regression_metrics,
    standardized_mean_difference,
)

TOL = 1e-9
values = st.floats(-1e3, 1e3, allow_nan=False)
rows = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), values, values, st.floats(0.01, 10)),
    min_size=1,
    max_size=60,
)
SPEC = RegressionSpec(outcome="y", prediction="p", groups=("g",), weight="w")


@settings(max_examples=8, deadline=None)
@given(rows)
def test_regression_metrics_match_sklearn(data):
    """Oracle: sklearn.metrics with sample_weight on each group's rows."""
    frame = pd.DataFrame(data, columns=["g", "y", "p", "w"])
    result = regression_metrics(build_tally(frame, SPEC))
    for g, part in frame.groupby("g"):
        y, p, w = part["y"], part["p"], part["w"]
        got = result.by_group.loc[g]
        scale = max(1.0, float(np.abs(y).max()), float(np.abs(p).max()))
        assert got["mae"] == pytest.approx(
            skm.mean_absolute_error(y, p, sample_weight=w), abs=TOL * scale
        )
        rmse = np.sqrt(skm.mean_squared_error(y, p, sample_weight=w))
        assert got["rmse"] == pytest.approx(rmse, abs=TOL * scale)
        assert got["mean_residual"] == pytest.approx(np.average(y - p, weights=w), abs=TOL * scale)
        assert got["mean_prediction"] == pytest.approx(np.average(p, weights=w), abs=TOL * scale)
        spread = np.average((y - np.average(y, weights=w)) ** 2, weights=w)
        if spread > 1e-6 * scale**2:
            r2 = skm.r2_score(y, p, sample_weight=w)
            assert got["r2"] == pytest.approx(r2, rel=1e-7, abs=1e-7)


def test_smd_matches_numpy():
    """Oracle: numpy weighted means and (ddof=0) variances of the raw predictions."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], 500),
            "y": rng.normal(size=500),
            "p": rng.normal(size=500),
            "w": rng.uniform(0.5, 2, 500),
        }
    )
    tally = build_tally(frame, SPEC)
    smd = standardized_mean_difference(tally, "g")
    ref = standardized_mean_difference(tally, "g", reference="b", of="outcome")

    def moments(x: pd.DataFrame, col: str) -> tuple[float, float]:
        m = np.average(x[col], weights=x["w"])
        return m, np.average((x[col] - m) ** 2, weights=x["w"])

    for g in "abc":
        (m1, v1), (m0, v0) = moments(frame[frame.g == g], "p"), moments(frame[frame.g != g], "p")
        assert smd[g] == pytest.approx((m1 - m0) / np.sqrt((v1 + v0) / 2), abs=TOL)
        (m1, v1), (m0, v0) = moments(frame[frame.g == g], "y"), moments(frame[frame.g == "b"], "y")
        assert ref[g] == pytest.approx((m1 - m0) / np.sqrt((v1 + v0) / 2), abs=TOL)


def test_constant_outcome_gives_nan_r2_with_reason():
    """Oracle: R² is undefined when the outcome does not vary (SS_tot = 0)."""
    frame = pd.DataFrame(
        {"g": ["a", "a", "b", "b"], "y": [1.0, 1.0, 0.0, 2.0], "p": [1.0] * 4, "w": [1.0] * 4}
    )
    result = regression_metrics(build_tally(frame, SPEC))
    assert np.isnan(result.by_group.loc["a", "r2"])
    assert result.reasons.loc["a", "r2"] == "outcome is constant in the group"
    assert result.by_group.loc["b", "r2"] == pytest.approx(0.0)
