"""Confusion metrics from a Tally against fairlearn's MetricFrame and sklearn.metrics on rows.

Oracles: fairlearn.metrics.MetricFrame over the raw COMPAS rows (label two_year_recid,
prediction decile_score >= 5, sensitive race and sex), and sklearn.metrics per group on
hypothesis-generated weighted data; agreement to 1e-9.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from ombud.stats import (
    ClassificationSpec,
    build_tally,
    classification_metrics,
    confusion_counts,
    group_counts,
    multiclass_metrics,
)

TOL = 1e-9
SKLEARN = {
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "tnr": true_negative_rate,
    "ppv": functools.partial(skm.precision_score, zero_division=np.nan),
    "accuracy": skm.accuracy_score,
    "f1": functools.partial(skm.f1_score, zero_division=np.nan),
}


def _metric_frame(frame: pd.DataFrame, sensitive: list[str], **kw) -> MetricFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fairlearn/sklearn warn on groups with one class
        return MetricFrame(
            metrics=SKLEARN,
            y_true=frame["two_year_recid"],
            y_pred=frame["predicted"],
            sensitive_features=frame[sensitive],
            **kw,
        )


@pytest.fixture(scope="module")
def compas_tally(compas: pd.DataFrame):
    spec = ClassificationSpec(
        label="two_year_recid", prediction="predicted", groups=("race", "sex", "age")
    )
    return build_tally(compas, spec)


@pytest.mark.parametrize("sensitive", [["race", "sex"], ["race"], ["sex"]])
def test_compas_matches_fairlearn(compas: pd.DataFrame, compas_tally, sensitive):
    """Oracle: fairlearn MetricFrame on the 7,214 raw rows; roll-up from a 3-column Tally."""
    ours = classification_metrics(compas_tally, sensitive, metrics=list(SKLEARN))
    theirs = _metric_frame(compas, sensitive)
    expected = theirs.by_group.loc[ours.by_group.index, list(SKLEARN)].astype(float)
    pd.testing.assert_frame_equal(ours.by_group, expected, atol=TOL, rtol=0, check_names=False)
    overall = theirs.overall[list(SKLEARN)].astype(float)
    np.testing.assert_allclose(ours.overall_series, overall, atol=TOL, rtol=0)
    for method in ("between_groups", "to_overall"):
        np.testing.assert_allclose(
            ours.difference(method), theirs.difference(method)[list(SKLEARN)], atol=TOL
        )
        np.testing.assert_allclose(
            ours.ratio(method), theirs.ratio(method)[list(SKLEARN)], atol=TOL
        )
    np.testing.assert_allclose(ours.group_min(), theirs.group_min()[list(SKLEARN)], atol=TOL)
    np.testing.assert_allclose(ours.group_max(), theirs.group_max()[list(SKLEARN)], atol=TOL)


def test_compas_control_feature_matches_fairlearn(compas: pd.DataFrame, compas_tally):
    """Oracle: fairlearn MetricFrame with control_features=sex, sensitive race."""
    ours = classification_metrics(compas_tally, "race", control="sex", metrics=list(SKLEARN))
    theirs = _metric_frame(compas, ["race"], control_features=compas[["sex"]])
    expected = theirs.by_group.loc[ours.by_group.index, list(SKLEARN)].astype(float)
    pd.testing.assert_frame_equal(ours.by_group, expected, atol=TOL, rtol=0, check_names=False)
    pd.testing.assert_frame_equal(
        ours.difference(),
        theirs.difference()[list(SKLEARN)].astype(float),
        atol=TOL,
        check_names=False,
    )
    pd.testing.assert_frame_equal(
        ours.overall, theirs.overall[list(SKLEARN)].astype(float), atol=TOL, check_names=False
    )


def test_compas_counts_and_reference_group(compas: pd.DataFrame, compas_tally):
    """Oracle: pandas crosstabs of the raw rows; selection-rate ratio to Caucasian by hand."""
    counts = group_counts(compas_tally, "race")
    raw = compas.groupby("race")["two_year_recid"].agg(["size", "sum"])
    assert counts["n"].to_dict() == raw["size"].to_dict()
    assert counts["positives"].to_dict() == raw["sum"].to_dict()
    ours = classification_metrics(compas_tally, "race", metrics=["selection_rate"])
    rates = compas.groupby("race")["predicted"].mean()
    ratio = ours.compared_to("Caucasian", how="ratio")["selection_rate"]
    np.testing.assert_allclose(ratio, rates / rates["Caucasian"], atol=TOL)
    conf = confusion_counts(compas_tally, "race", weighted=False)
    tn, fp, fn, tp = skm.confusion_matrix(
        compas.loc[compas.race == "African-American", "two_year_recid"],
        compas.loc[compas.race == "African-American", "predicted"],
    ).ravel()
    assert tuple(conf.loc["African-American", ["tn", "fp", "fn", "tp"]]) == (tn, fp, fn, tp)


def test_zero_denominator_gives_nan_with_reason():
    """Oracle: a group with no positive labels has no TPR (sklearn would say 0 and warn)."""
    data = pd.DataFrame({"y": [0, 0, 1, 0], "p": [1, 0, 1, 0], "g": ["a", "a", "b", "b"]})
    result = classification_metrics(build_tally(data, ClassificationSpec("y", "p", groups=("g",))))
    assert np.isnan(result.by_group.loc["a", "tpr"])
    assert "no positive labels" in result.reasons.loc["a", "tpr"]
    assert result.reasons.loc["b", "tpr"] == ""
    assert result.by_group.loc["a", "fpr"] == 0.5


groups = st.sampled_from(["a", "b", "c"])
weighted_rows = st.lists(
    st.tuples(groups, st.integers(0, 1), st.integers(0, 1), st.floats(0.01, 100)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=6, deadline=None)
@given(weighted_rows)
def test_weighted_metrics_match_sklearn(data):
    """Oracle: sklearn.metrics with sample_weight on each group's raw rows."""
    frame = pd.DataFrame(data, columns=["g", "y", "p", "w"])
    spec = ClassificationSpec(label="y", prediction="p", groups=("g",), weight="w")
    ours = classification_metrics(build_tally(frame, spec)).by_group
    for g, part in frame.groupby("g"):
        y, p, w = part["y"], part["p"], part["w"]
        expected = {
            "accuracy": skm.accuracy_score(y, p, sample_weight=w),
            "selection_rate": np.average(p, weights=w),
            "prevalence": np.average(y, weights=w),
        }
        if y.nunique() == 2:
            expected["balanced_accuracy"] = skm.balanced_accuracy_score(y, p, sample_weight=w)
        if y.sum() > 0:
            expected["tpr"] = skm.recall_score(y, p, sample_weight=w)
        if p.sum() > 0:
            expected["ppv"] = skm.precision_score(y, p, sample_weight=w)
        if (p == 0).sum() > 0:
            expected["npv"] = skm.precision_score(1 - y, 1 - p, sample_weight=w, zero_division=0)
        if y.sum() + p.sum() > 0:
            expected["f1"] = skm.f1_score(y, p, sample_weight=w)
        for name, value in expected.items():
            assert ours.loc[g, name] == pytest.approx(value, abs=TOL), name


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(groups, st.sampled_from("xyz"), st.sampled_from("xyz")), min_size=1))
def test_multiclass_one_vs_rest_matches_sklearn(data):
    """Oracle: sklearn precision_recall_fscore_support (per class, one-vs-rest) on the rows."""
    frame = pd.DataFrame(data, columns=["g", "y", "p"])
    tally = build_tally(frame, ClassificationSpec("y", "p", groups=("g",), multiclass=True))
    per_class, macro = multiclass_metrics(tally, [])
    classes = sorted(per_class)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prec, rec, f1, _ = skm.precision_recall_fscore_support(
            frame["y"], frame["p"], labels=classes, zero_division=np.nan
        )
    for i, c in enumerate(classes):
        got = per_class[c].overall_series
        np.testing.assert_allclose([got["ppv"], got["tpr"], got["f1"]], [prec[i], rec[i], f1[i]])
    np.testing.assert_allclose(macro.overall_series["tpr"], np.nanmean(rec))
