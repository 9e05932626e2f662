"""Every declared metric through both paths, on the same cells, and a few against scikit-learn.

The scalar path is the Tally functions (``classification_metrics``, ``score_metrics``,
``regression_metrics``), one table at a time through pandas. The vectorised path is the array
definitions of ``ombud.stats.metrics`` called once on (replicates, groups, ...) sums, as the
audit's bootstrap calls them. Each replicate reweights the cells of one Tally (a resample, a
group emptied, a group without positives), and the scalar path sees that replicate as a Tally
whose cell sums are scaled by the same factors. Oracle of the first test: the other path, to
1e-12, with NaN in the same places. Oracle of the last: scikit-learn (f1_score,
balanced_accuracy_score, roc_auc_score, brier_score_loss, calibration_curve) on the real COMPAS
rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn import calibration
from sklearn import metrics as skm

from ombud.stats import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    SCORE_METRICS,
    ClassificationSpec,
    GroupMetrics,
    RegressionSpec,
    Tally,
    build_tally,
    classification_metrics,
    regression_metrics,
    score_metrics,
    uniform_edges,
)
from ombud.stats.metrics import (
    CONFUSION,
    brier_score,
    confusion_metrics,
    expected_calibration_error,
    maximum_calibration_error,
    regression_metrics_from_sums,
    roc_auc,
    roc_auc_bound,
    squared_error,
)

TOL = 1e-12
GROUPS = ["a", "b", "c"]


def _rows(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Three groups, ``c`` small enough that resamples lose its positives or negatives."""
    g = rng.choice(GROUPS, n, p=[0.55, 0.38, 0.07])
    y = rng.integers(0, 2, n)
    s = np.clip(rng.beta(2, 4, n) + 0.3 * y, 0.0, 0.999)
    return pd.DataFrame(
        {
            "g": g,
            "h": rng.choice(["u", "v", "w"], n),
            "y": y,
            "s": s,
            "p": (s >= 0.5).astype(int),
            "w": rng.uniform(0.5, 2.0, n),
            "out": rng.normal(10, 3, n),
            "pred": rng.normal(10, 3, n),
        }
    )


def _replicates(tally: Tally, rng: np.random.Generator, column: str) -> np.ndarray:
    """(B, cells) weights: the original, resamples of rows, group ``c`` emptied, and group
    ``c`` with its ``column == 1`` cells emptied."""
    cells = tally.cells.to_pandas()
    rows, weight = cells["n"].to_numpy(float), cells["weight"].to_numpy(float)
    mean = np.divide(weight, rows, out=np.zeros_like(weight), where=rows > 0)
    draws = rng.multinomial(int(rows.sum()), rows / rows.sum(), size=6) * mean
    in_c = (cells["g"] == "c").to_numpy()
    empty = np.where(in_c, 0.0, weight)
    one_sided = np.where(in_c & (cells[column] == 1).to_numpy(), 0.0, weight)
    return np.vstack([weight, draws, empty, one_sided])


def _scaled(tally: Tally, weights: np.ndarray) -> Tally:
    """The Tally a replicate stands for: every weighted sum of a cell scaled by new / old weight
    (row counts kept: no metric reads them)."""
    cells = tally.cells
    old = cells.column("weight").to_numpy()
    factor = np.divide(weights, old, out=np.zeros_like(weights), where=old > 0)
    for i, name in enumerate(cells.column_names):
        if name == "weight":
            cells = cells.set_column(i, name, pa.array(weights))
        elif name.startswith("sum_"):
            cells = cells.set_column(i, name, pa.array(cells.column(name).to_numpy() * factor))
    return dataclasses.replace(tally, cells=cells)


def _scalar(
    tally: Tally, reps: np.ndarray, metrics_of: Callable[[Tally], GroupMetrics]
) -> dict[str, np.ndarray]:
    """Each metric as a (B, groups) array, one Tally function call per replicate."""
    tables = [metrics_of(_scaled(tally, w)).by_group.reindex(GROUPS) for w in reps]
    return {m: np.stack([t[m].to_numpy(float) for t in tables]) for m in tables[0].columns}


def _by_group(values: np.ndarray, codes: np.ndarray, width: int) -> np.ndarray:
    """(B, cells) -> (B, groups, width) sums, cell i going to column codes[i] of the flat axis."""
    onehot = np.zeros((codes.size, len(GROUPS) * width))
    onehot[np.arange(codes.size), codes] = 1.0
    return (values @ onehot).reshape(values.shape[0], len(GROUPS), width)


def _check(vectorised: dict[str, np.ndarray], scalar: dict[str, np.ndarray]) -> None:
    for metric, expected in scalar.items():
        got = vectorised[metric]
        np.testing.assert_allclose(
            got, expected, rtol=TOL, atol=TOL, equal_nan=True, err_msg=metric
        )
        # Both branches seen: defined somewhere, undefined somewhere (at least group c emptied).
        assert np.isfinite(expected).any(), metric
        assert np.isnan(expected).any(), metric


def test_every_declared_metric_equal_on_both_paths() -> None:
    rng = np.random.default_rng(20261203)
    frame = _rows(rng, 400)
    spec = ClassificationSpec(
        label="y", prediction="p", score="s", groups=("g", "h"), weight="w", score_bins=100
    )
    tally = build_tally(frame, spec)
    reps = _replicates(tally, rng, "label")
    cells = tally.cells.to_pandas()
    group = pd.Categorical(cells["g"], categories=GROUPS).codes.astype(np.intp)
    label = (cells["label"] == 1).to_numpy(float)
    predicted = (cells["prediction"] == 1).to_numpy(float)
    factor = reps / cells["weight"].to_numpy()[np.newaxis]  # every cell has weight

    # Classification: (B, groups, 4) confusion counts.
    quadrant = {
        "tp": label * predicted,
        "fp": (1 - label) * predicted,
        "fn": label * (1 - predicted),
        "tn": (1 - label) * (1 - predicted),
    }
    confusion = np.stack(
        [_by_group(reps * quadrant[c], group, 1)[..., 0] for c in CONFUSION], axis=-1
    )
    vectorised = confusion_metrics(confusion)
    scalar = _scalar(tally, reps, lambda t: classification_metrics(t, "g"))

    # Scores: label histograms over 100 bins, squared errors, 10 calibration bins.
    bins = cells["score_bin"].to_numpy(np.intp)
    pos = _by_group(reps * label, group * 100 + bins, 100)
    neg = _by_group(reps * (1 - label), group * 100 + bins, 100)
    sum_s = factor * cells["sum_score"].to_numpy()
    sum_s2 = factor * cells["sum_score_sq"].to_numpy()
    weight = _by_group(reps, group, 1)[..., 0]
    errors = _by_group(squared_error(sum_s2, sum_s, reps, label), group, 1)[..., 0]
    coarse = group * 10 + bins // 10
    cal = (_by_group(reps, coarse, 10), _by_group(sum_s, coarse, 10))
    cal += (_by_group(reps * label, coarse, 10),)
    vectorised |= {
        "roc_auc": roc_auc(pos, neg),
        "roc_auc_bound": roc_auc_bound(pos, neg),
        "brier": brier_score(errors, weight),
        "ece": expected_calibration_error(*cal),
        "mce": maximum_calibration_error(*cal),
    }
    edges = uniform_edges(10)
    scalar |= _scalar(tally, reps, lambda t: score_metrics(t, "g", calibration_edges=edges))

    # Regression: weighted moments per group.
    rspec = RegressionSpec(outcome="out", prediction="pred", groups=("g", "h"), weight="w")
    rtally = build_tally(frame, rspec)
    rreps = _replicates(rtally, rng, "g")  # "g" is never 1: only the emptied-group replicate
    rcells = rtally.cells.to_pandas()
    rgroup = pd.Categorical(rcells["g"], categories=GROUPS).codes.astype(np.intp)
    rfactor = rreps / rcells["weight"].to_numpy()[np.newaxis]
    sums = {"weight": _by_group(rreps, rgroup, 1)[..., 0]}
    for column in rcells.columns:
        if column.startswith("sum_"):
            scaled = rfactor * rcells[column].to_numpy()
            sums[column] = _by_group(scaled, rgroup, 1)[..., 0]
    vectorised |= regression_metrics_from_sums(sums)
    scalar |= _scalar(rtally, rreps, lambda t: regression_metrics(t, "g"))

    declared = {*CLASSIFICATION_METRICS, *SCORE_METRICS, *REGRESSION_METRICS}
    assert set(scalar) == declared == set(vectorised)
    _check(vectorised, scalar)


def test_definitions_match_sklearn_on_compas(compas: pd.DataFrame) -> None:
    """Oracle: scikit-learn on the COMPAS rows of each race and overall. Scores are the decile
    midpoints (no score on a bin edge, where sklearn's calibration bins close on the other
    side), each alone in its bin, so the binned AUC is exact."""
    frame = compas.assign(score=(compas["decile_score"] - 0.5) / 10)
    spec = ClassificationSpec(
        label="two_year_recid", prediction="predicted", score="score", groups=("race",)
    )
    tally = build_tally(frame, spec)
    edges = uniform_edges(10)
    rates = classification_metrics(tally, "race")
    scores = score_metrics(tally, "race", calibration_edges=edges)
    parts = [("overall", frame), *frame.groupby("race")]
    for name, part in parts:
        if name == "overall":
            got = pd.concat([rates.overall_series, scores.overall_series])
        else:
            got = pd.concat([rates.by_group.loc[name], scores.by_group.loc[name]])
        y, p, s = part["two_year_recid"], part["predicted"], part["score"]
        assert got["f1"] == pytest.approx(skm.f1_score(y, p, zero_division=np.nan), abs=1e-9)
        assert got["brier"] == pytest.approx(skm.brier_score_loss(y, s), abs=1e-9)
        if y.nunique() < 2:  # sklearn would score the one class present; both are undefined
            assert np.isnan(got["balanced_accuracy"])
            assert np.isnan(got["roc_auc"])
            continue
        assert got["balanced_accuracy"] == pytest.approx(
            skm.balanced_accuracy_score(y, p), abs=1e-9
        )
        assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(y, s), abs=1e-9)
        true, mean = calibration.calibration_curve(y, s, n_bins=10, strategy="uniform")
        counts = np.histogram(s, bins=10, range=(0, 1))[0]
        gaps, weights = np.abs(mean - true), counts[counts > 0]
        assert got["ece"] == pytest.approx(np.average(gaps, weights=weights), abs=1e-9)
        assert got["mce"] == pytest.approx(gaps.max(), abs=1e-9)
