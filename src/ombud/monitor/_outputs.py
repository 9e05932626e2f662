"""Drift of the model's outputs: the score distribution, the positive-prediction rate and,
once labels arrive, the positive-label rate — read from the windows' Tallies.

A shift of the score histogram with stable inputs points at the model or its serving code; a
shift of the label rate with stable scores is the first sign of concept shift, the case in which
the label-free estimate is wrong (docs/monitoring.md).
"""

from __future__ import annotations

import numpy as np

from ombud.monitor._drift import DriftResult, js_distance, ks_binned, psi, wasserstein_binned
from ombud.monitor._errors import WindowMismatchError
from ombud.monitor._window import Window
from ombud.stats import Tally
from ombud.stats._tally import LABEL, PREDICTION, ROW_COUNT, SCORE_BIN
from ombud.stats.significance import two_proportion_ztest


def _score_counts(tally: Tally | None, n_bins: int) -> np.ndarray:
    counts = np.zeros(n_bins)
    if tally is not None:
        bins = tally.cells[SCORE_BIN].to_numpy()
        np.add.at(counts, bins, tally.cells[ROW_COUNT].to_numpy().astype(float))
    return counts


def _rate(tally: Tally | None, column: str) -> tuple[float, float]:
    if tally is None or column not in tally.cells.column_names:
        return 0.0, 0.0
    n = tally.cells[ROW_COUNT].to_numpy().astype(float)
    positive = tally.cells[column].to_numpy(zero_copy_only=False) == 1
    return float(n[positive].sum()), float(n.sum())


def _rate_change(name: str, ref: tuple[float, float], cur: tuple[float, float]) -> DriftResult:
    if ref[1] == 0 or cur[1] == 0:
        return DriftResult(name, np.nan, np.nan, "two-proportion z", note="no rows")
    test = two_proportion_ztest(cur[0], cur[1], ref[0], ref[1])
    p = float(test.pvalue)
    return DriftResult(
        name, cur[0] / cur[1] - ref[0] / ref[1], 1.0 if np.isnan(p) else p, test.method
    )


def output_drift(reference: Window, current: Window) -> dict[str, DriftResult]:
    """Score-histogram drift (PSI, JS, W1, KS on the score bins) and changes of the predicted
    and observed positive rates, keyed ``score.<statistic>``, ``prediction_rate_change``,
    ``label_rate_change``."""
    if reference.spec_digest != current.spec_digest:
        raise WindowMismatchError("output drift needs two windows built under one spec")
    out: dict[str, DriftResult] = {}
    tally = reference.outputs or current.outputs
    edges = None if tally is None else tally.score_edges
    if edges is not None:
        n_bins = len(edges) - 1
        p = _score_counts(reference.outputs, n_bins)
        q = _score_counts(current.outputs, n_bins)
        e = np.asarray(edges)
        for result in (
            psi(p, q),
            js_distance(p, q),
            wasserstein_binned(p, q, e[:-1], e[1:]),
            ks_binned(p, q),
        ):
            out[f"score.{result.statistic}"] = result
    if tally is not None and tally.has_prediction:
        out["prediction_rate_change"] = _rate_change(
            "prediction_rate_change",
            _rate(reference.outputs, PREDICTION),
            _rate(current.outputs, PREDICTION),
        )
    out["label_rate_change"] = _rate_change(
        "label_rate_change", _rate(reference.labelled, LABEL), _rate(current.labelled, LABEL)
    )
    return out
