"""Score metrics from a Tally's score histogram: ROC AUC, Brier, calibration, threshold sweeps.

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
from ombud.stats.metrics._classification import CLASSIFICATION_METRICS, rates_from_confusion
from ombud.stats.metrics._disparity import GroupMetrics

SCORE_METRICS = ("roc_auc", "roc_auc_bound", "brier", "ece", "mce")


def _require_scores(tally: Tally) -> tuple[float, ...]:
    if tally.score_edges is None or tally.kind != "classification" or tally.multiclass:
        raise TallyError("score metrics need a binary classification Tally built with score=")
    return tally.score_edges


def _histograms(tally: Tally, keys: Sequence[str]) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Weighted positives and negatives per (stratum, bin): two arrays of shape (groups, bins)."""
    edges = _require_scores(tally)
    frame = cell_frame(tally)
    frame = frame.assign(
        _pos=np.where(frame[LABEL] == 1, frame[WEIGHT], 0.0),
        _neg=np.where(frame[LABEL] == 1, 0.0, frame[WEIGHT]),
    )
    grouped = sum_by(frame, [*keys, SCORE_BIN], ["_pos", "_neg"])
    n_bins = len(edges) - 1
    if keys:
        pos = grouped["_pos"].unstack(SCORE_BIN, fill_value=0)
        neg = grouped["_neg"].unstack(SCORE_BIN, fill_value=0)
    else:
        pos = grouped["_pos"].to_frame().T
        neg = grouped["_neg"].to_frame().T
        pos.index = neg.index = pd.Index(["__all__"])
    bins = list(range(n_bins))
    pos = pos.reindex(columns=bins, fill_value=0.0)
    neg = neg.reindex(columns=bins, fill_value=0.0)
    return pos.index, pos.to_numpy(dtype=float), neg.to_numpy(dtype=float)


def _below(hist: np.ndarray) -> np.ndarray:
    """Per bin k, the sum over bins below k (exclusive cumulative sum)."""
    zeros = np.zeros((hist.shape[0], 1))
    return np.concatenate([zeros, np.cumsum(hist, axis=1)[:, :-1]], axis=1)


def _auc(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUC with within-bin pairs counted as ties (1/2), and the bound on its binning error."""
    p_total, n_total = pos.sum(axis=1), neg.sum(axis=1)
    neg_below = _below(neg)
    concordant = (pos * (neg_below + 0.5 * neg)).sum(axis=1)
    tied = 0.5 * (pos * neg).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.where((p_total > 0) & (n_total > 0), p_total * n_total, np.nan)
        return concordant / denom, tied / denom


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
    table["mean_score"] = table[SUM_SCORE] / table[WEIGHT].where(table[WEIGHT] > 0)
    table["fraction_positive"] = table["positive_weight"] / table[WEIGHT].where(table[WEIGHT] > 0)
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
    auc, bound = _auc(pos, neg)
    frame = cell_frame(tally)
    is_pos = frame[LABEL] == 1
    # Σ w (s - y)^2 = Σ w s^2 - 2 y Σ w s + y Σ w, with y fixed per cell: exact from the sums.
    frame = frame.assign(
        _sq=frame[SUM_SCORE_SQ] - np.where(is_pos, 2 * frame[SUM_SCORE] - frame[WEIGHT], 0.0)
    )
    sums = sum_by(frame, keys, ["_sq", WEIGHT])
    with np.errstate(divide="ignore", invalid="ignore"):
        brier = (sums["_sq"] / sums[WEIGHT].where(sums[WEIGHT] > 0)).reindex(index)
    curve = (
        calibration_curve(tally, keys, edges=calibration_edges)
        if keys
        else (calibration_curve(tally, [], edges=calibration_edges))
    )
    gap = (curve["mean_score"] - curve["fraction_positive"]).abs()
    curve = curve.assign(_gap_w=gap * curve[WEIGHT], _gap=gap)
    if keys:
        grouped = curve.groupby(keys, dropna=False, sort=True)
        ece = grouped["_gap_w"].sum() / grouped[WEIGHT].sum().where(lambda s: s > 0)
        mce = grouped["_gap"].max()
    else:
        total = curve[WEIGHT].sum()
        ece = pd.Series([curve["_gap_w"].sum() / total if total > 0 else np.nan], index=index)
        mce = pd.Series([curve["_gap"].max()], index=index)
    values = pd.DataFrame(
        {
            "roc_auc": auc,
            "roc_auc_bound": bound,
            "brier": brier.to_numpy(),
            "ece": ece.reindex(index).to_numpy(),
            "mce": mce.reindex(index).to_numpy(),
        },
        index=index,
    )
    one_class = "needs both positive and negative labels"
    reasons = pd.DataFrame(
        {
            "roc_auc": np.where(np.isnan(auc), one_class, ""),
            "roc_auc_bound": np.where(np.isnan(auc), one_class, ""),
            "brier": np.where(values["brier"].isna(), "no weight", ""),
            "ece": np.where(values["ece"].isna(), "no weight", ""),
            "mce": np.where(values["mce"].isna(), "no weight", ""),
        },
        index=index,
    )
    return values, reasons


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
