"""Score metrics from a Tally's score histogram: ROC AUC, Brier, calibration, threshold sweeps.

This module sums cells per group and bin; the metrics of those sums are defined in
``_formulas``.

The Tally keeps per cell the weighted sum of scores and of squared scores, so the Brier score
and the mean score per bin are exact; only rank-based quantities (AUC) and thresholds carry
binning error, and only from pairs of positive and negative rows that share a bin. That error is
reported next to the AUC as ``roc_auc_bound``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ombud.stats._errors import TallyError
from ombud.stats._tally import LABEL, ROW_COUNT, SCORE_BIN, SUM_SCORE, SUM_SCORE_SQ, WEIGHT, Tally
from ombud.stats.metrics._cells import cell_frame, finish_index, strata, sum_by
from ombud.stats.metrics._classification import rates_from_confusion, with_reasons
from ombud.stats.metrics._disparity import GroupMetrics
from ombud.stats.metrics._formulas import (
    CLASSIFICATION_METRICS,
    brier_score,
    expected_calibration_error,
    maximum_calibration_error,
    ratio,
    roc_auc,
    roc_auc_bound,
    squared_error,
)


def _require_scores(tally: Tally) -> tuple[float, ...]:
    if tally.score_edges is None or tally.kind != "classification" or tally.multiclass:
        raise TallyError("score metrics need a binary classification Tally built with score=")
    return tally.score_edges


def _per_bin(
    frame: pd.DataFrame, keys: Sequence[str], bin_column: str, n_bins: int, columns: Sequence[str]
) -> tuple[pd.Index, list[np.ndarray]]:
    """Sums of ``columns`` per (stratum, bin): one (groups, bins) array per column."""
    grouped = sum_by(frame, [*keys, bin_column], columns)
    bins = list(range(n_bins))
    tables = []
    for column in columns:
        if keys:
            table = grouped[column].unstack(bin_column, fill_value=0)
        else:
            table = grouped[column].to_frame().T
            table.index = pd.Index(["__all__"])
        tables.append(table.reindex(columns=bins, fill_value=0.0))
    return tables[0].index, [t.to_numpy(dtype=float) for t in tables]


def _histograms(tally: Tally, keys: Sequence[str]) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Weighted positives and negatives per (stratum, bin): two arrays of shape (groups, bins)."""
    edges = _require_scores(tally)
    frame = cell_frame(tally)
    frame = frame.assign(
        _pos=np.where(frame[LABEL] == 1, frame[WEIGHT], 0.0),
        _neg=np.where(frame[LABEL] == 1, 0.0, frame[WEIGHT]),
    )
    index, (pos, neg) = _per_bin(frame, keys, SCORE_BIN, len(edges) - 1, ["_pos", "_neg"])
    return index, pos, neg


def _below(hist: np.ndarray) -> np.ndarray:
    """Per bin k, the sum over the bins below k: a running sum of the earlier bins (exclusive
    cumulative sum), never a total minus the rest."""
    zeros = np.zeros((hist.shape[0], 1))
    return np.concatenate([zeros, np.cumsum(hist, axis=1)[:, :-1]], axis=1)


def _coarse_bins(edges: Sequence[float], coarse: Sequence[float] | None) -> np.ndarray:
    """Map each Tally bin to a calibration bin whose edges are a subset of the Tally's."""
    if coarse is None:
        return np.arange(len(edges) - 1)
    fine = np.asarray(edges)
    target = np.asarray(coarse, dtype=float)
    hits = [np.flatnonzero(np.isclose(fine, t, rtol=0, atol=1e-12)) for t in target]
    if any(h.size == 0 for h in hits) or target[0] != 0.0 or target[-1] != 1.0:
        raise TallyError("calibration edges must be a subset of the Tally's score edges, 0 to 1")
    positions = np.array([int(h[0]) for h in hits])
    return np.searchsorted(positions, np.arange(len(edges) - 1), side="right") - 1


def calibration_curve(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    control: Sequence[str] | str | None = None,
    edges: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Tidy table per (group, bin): rows, weight, exact mean score, fraction positive."""
    tally_edges = _require_scores(tally)
    by_t, ctl = strata(tally, by, control)
    keys = [*ctl, *by_t]
    mapping = _coarse_bins(tally_edges, edges)
    bounds = np.asarray(tally_edges if edges is None else edges, dtype=float)
    frame = cell_frame(tally)
    frame = frame.assign(
        bin=mapping[frame[SCORE_BIN].to_numpy()],
        positive_weight=np.where(frame[LABEL] == 1, frame[WEIGHT], 0.0),
    )
    cols = [ROW_COUNT, WEIGHT, SUM_SCORE, "positive_weight"]
    table = sum_by(frame, [*keys, "bin"], cols).reset_index()
    table = table.rename(columns={"index": "bin"}) if not keys else table
    table["bin_lower"] = bounds[table["bin"].to_numpy(dtype=int)]
    table["bin_upper"] = bounds[table["bin"].to_numpy(dtype=int) + 1]
    table["mean_score"] = ratio(table[SUM_SCORE], table[WEIGHT])
    table["fraction_positive"] = ratio(table["positive_weight"], table[WEIGHT])
    table[ROW_COUNT] = table[ROW_COUNT].astype("int64")
    return table.drop(columns=[SUM_SCORE, "positive_weight"])


def score_metrics(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    control: Sequence[str] | str | None = None,
    calibration_edges: Sequence[float] | None = None,
) -> GroupMetrics:
    """ROC AUC (with its binning bound), Brier score, expected and maximum calibration error."""
    by_t, ctl = strata(tally, by, control)
    group = _score_table(tally, [*ctl, *by_t], calibration_edges)
    overall = _score_table(tally, list(ctl), calibration_edges)
    return GroupMetrics(
        by_group=group[0],
        overall=finish_index(overall[0], ctl),
        reasons=group[1],
        overall_reasons=finish_index(overall[1], ctl),
        by=by_t,
        control=ctl,
    )


def _score_table(
    tally: Tally, keys: list[str], calibration_edges: Sequence[float] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    index, pos, neg = _histograms(tally, keys)
    edges = _require_scores(tally)
    mapping = _coarse_bins(edges, calibration_edges)
    frame = cell_frame(tally)
    is_pos = np.asarray(frame[LABEL] == 1, dtype=np.float64)
    weight = frame[WEIGHT].to_numpy(dtype=float)
    frame = frame.assign(
        _sq=squared_error(
            frame[SUM_SCORE_SQ].to_numpy(dtype=float),
            frame[SUM_SCORE].to_numpy(dtype=float),
            weight,
            is_pos,
        ),
        _pos_w=is_pos * weight,
        _cal=mapping[frame[SCORE_BIN].to_numpy()],
    )
    sums = sum_by(frame, keys, ["_sq", WEIGHT]).reindex(index)
    n_cal = len(edges if calibration_edges is None else calibration_edges) - 1
    cal_index, (cal_w, cal_s, cal_p) = _per_bin(
        frame, keys, "_cal", n_cal, [WEIGHT, SUM_SCORE, "_pos_w"]
    )
    assert cal_index.equals(index), "both are the sorted strata of one frame"
    values = {
        "roc_auc": roc_auc(pos, neg),
        "roc_auc_bound": roc_auc_bound(pos, neg),
        "brier": brier_score(sums["_sq"].to_numpy(), sums[WEIGHT].to_numpy()),
        "ece": expected_calibration_error(cal_w, cal_s, cal_p),
        "mce": maximum_calibration_error(cal_w, cal_s, cal_p),
    }
    return with_reasons(values, index)


def threshold_sweep(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    control: Sequence[str] | str | None = None,
    metrics: Sequence[str] = CLASSIFICATION_METRICS,
) -> pd.DataFrame:
    """Metrics at every score bin edge as threshold (predict positive iff score >= edge)."""
    edges = _require_scores(tally)
    by_t, ctl = strata(tally, by, control)
    keys = [*ctl, *by_t]
    index, pos, neg = _histograms(tally, keys)
    # predicted positive at threshold edges[k] = bins k.. ; reverse cumulative sums give that.
    tp = np.cumsum(pos[:, ::-1], axis=1)[:, ::-1]
    fp = np.cumsum(neg[:, ::-1], axis=1)[:, ::-1]
    # Below the threshold as forward sums, not totals minus tp: an empty side stays exactly 0,
    # so its zero denominators give NaN as they do when computed from the rows.
    fn, tn = _below(pos), _below(neg)
    n_groups, n_bins = tp.shape
    counts = pd.DataFrame({"tp": tp.ravel(), "fp": fp.ravel(), "fn": fn.ravel(), "tn": tn.ravel()})
    values, _ = rates_from_confusion(counts, metrics)
    values.insert(0, "threshold", np.tile(np.asarray(edges[:-1]), n_groups))
    if keys:
        idx = index.repeat(n_bins)
        labels = (
            idx.to_frame(index=False)
            if isinstance(idx, pd.MultiIndex)
            else pd.DataFrame({keys[0]: idx})
        )
        values = pd.concat([labels, counts, values], axis=1)
    else:
        values = pd.concat([counts, values], axis=1)
    return values
