"""Score metrics from a Tally's histogram against sklearn on the raw rows.

Oracles: sklearn.metrics.roc_auc_score (AUC must lie within the stated binning bound of ours,
and equal it when scores are constant within each bin), brier_score_loss (exact),
numpy on raw rows for calibration error, and recomputation from raw rows for the sweep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from ombud.stats import (
    ClassificationSpec,
    TallyError,
    build_tally,
    calibration_curve,
    classification_metrics,
    score_metrics,
    threshold_sweep,
)

TOL = 1e-9


def test_compas_auc_is_exact_for_decile_scores(compas: pd.DataFrame):
    """Oracle: sklearn roc_auc_score; deciles/10 each fill one bin, so the bound is all ties."""
    spec = ClassificationSpec(label="two_year_recid", score="score", groups=("race",))
    result = score_metrics(build_tally(compas, spec))
    expected = skm.roc_auc_score(compas["two_year_recid"], compas["score"])
    assert result.overall_series["roc_auc"] == pytest.approx(expected, abs=TOL)
    for race, part in compas.groupby("race"):
        assert result.by_group.loc[race, "roc_auc"] == pytest.approx(
            skm.roc_auc_score(part["two_year_recid"], part["score"]), abs=TOL
        )
    brier = skm.brier_score_loss(compas["two_year_recid"], compas["score"])
    assert result.overall_series["brier"] == pytest.approx(brier, abs=TOL)


rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.integers(0, 1),
        st.floats(0, 1, allow_nan=False),
        st.floats(0.1, 10),
    ),
    min_size=2,
    max_size=80,
)


@settings(max_examples=8, deadline=None)
@given(rows, st.sampled_from([3, 10, 100]))
def test_auc_within_bound_and_brier_exact(data, n_bins):
    """Oracle: sklearn roc_auc_score and brier_score_loss with sample_weight on the raw rows."""
    frame = pd.DataFrame(data, columns=["g", "y", "s", "w"])
    spec = ClassificationSpec(label="y", score="s", weight="w", score_bins=n_bins)
    overall = score_metrics(build_tally(frame, spec)).overall_series
    y, s, w = frame["y"], frame["s"], frame["w"]
    assert overall["brier"] == pytest.approx(skm.brier_score_loss(y, s, sample_weight=w), abs=TOL)
    if y.nunique() < 2:
        assert np.isnan(overall["roc_auc"])
        return
    exact = skm.roc_auc_score(y, s, sample_weight=w)
    assert abs(overall["roc_auc"] - exact) <= overall["roc_auc_bound"] + TOL


@settings(max_examples=8, deadline=None)
@given(rows)
def test_calibration_error_matches_raw_rows(data):
    """Oracle: numpy over the raw rows binned with searchsorted into 10 equal bins."""
    frame = pd.DataFrame(data, columns=["g", "y", "s", "w"])
    spec = ClassificationSpec(label="y", score="s", weight="w")
    edges = np.linspace(0, 1, 11)
    tally = build_tally(frame, spec)
    result = score_metrics(tally, calibration_edges=edges).overall_series
    fine = np.minimum(np.searchsorted(np.linspace(0, 1, 101), frame["s"], "right") - 1, 99)
    coarse = fine // 10
    gaps, weights = [], []
    for b in np.unique(coarse):
        part = frame[coarse == b]
        mean_s = np.average(part["s"], weights=part["w"])
        frac = np.average(part["y"], weights=part["w"])
        gaps.append(abs(mean_s - frac))
        weights.append(part["w"].sum())
    assert result["ece"] == pytest.approx(np.average(gaps, weights=weights), abs=TOL)
    assert result["mce"] == pytest.approx(max(gaps), abs=TOL)
    curve = calibration_curve(tally, edges=edges)
    assert curve["n"].sum() == len(frame)


@settings(max_examples=4, deadline=None)
@given(rows)
def test_threshold_sweep_equals_recomputation(data):
    """Oracle: predictions score >= t made from the raw rows, Tally rebuilt for each edge t."""
    frame = pd.DataFrame(data, columns=["g", "y", "s", "w"])
    spec = ClassificationSpec(label="y", score="s", groups=("g",), weight="w", score_bins=5)
    sweep = threshold_sweep(build_tally(frame, spec), "g").set_index(["g", "threshold"])
    for t in spec.edges[:-1]:  # the exact doubles the bins use
        raw = frame.assign(p=(frame["s"] >= t).astype(int))
        direct = classification_metrics(
            build_tally(raw, ClassificationSpec("y", "p", groups=("g",), weight="w"))
        ).by_group
        for g in direct.index:
            got = sweep.loc[(g, t)]
            want = direct.loc[g]
            np.testing.assert_allclose(got[want.index], want, atol=TOL, equal_nan=True)


def test_threshold_must_be_an_edge():
    """Oracle: 0.33 is not an edge of 10 equal bins; 0.3 is."""
    frame = pd.DataFrame({"y": [0, 1, 1], "s": [0.1, 0.35, 0.9]})
    tally = build_tally(frame, ClassificationSpec("y", score="s", score_bins=10))
    with pytest.raises(TallyError, match="not a score bin edge"):
        classification_metrics(tally, threshold=0.33)
    rate = classification_metrics(tally, threshold=0.3).overall_series["selection_rate"]
    assert rate == pytest.approx(2 / 3)
