"""Confusion counts, rates and gaps at every candidate threshold, from the histograms.

All functions are vectorised over candidates so a frontier of 1,000 thresholds over 40
groups is a handful of array operations. The gap definitions follow fairlearn's
vocabulary: a *difference* is the largest minus the smallest group value, a *ratio* the
smallest over the largest (the impact ratio of the four-fifths rule for selection rates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ombud.fairness.mitigate._errors import MitigationInputError

__all__ = [
    "GAPS",
    "HIGHER_IS_BETTER",
    "GroupCurves",
    "Utility",
    "gaps",
    "group_curves",
    "pareto_mask",
]

FloatArray = NDArray[np.float64]

#: The gaps every candidate is measured on; only the impact ratio is better when higher.
GAPS = (
    "selection_rate_difference",
    "impact_ratio",
    "tpr_difference",
    "fpr_difference",
    "equalized_odds_difference",
)
HIGHER_IS_BETTER = frozenset({"impact_ratio"})


@dataclass(frozen=True)
class Utility:
    """What one decision is worth, per outcome, averaged over the (weighted) rows.

    The default (1, 1, 0, 0) is accuracy. A lender might value a true positive at its
    margin and a false positive at its expected loss (``fp=-4``). Correct decisions must be
    worth at least the wrong ones (``tp >= fn``, ``tn >= fp``), otherwise predicting the
    opposite of the score would pay and no threshold trade-off is meaningful.
    """

    tp: float = 1.0
    tn: float = 1.0
    fp: float = 0.0
    fn: float = 0.0

    def __post_init__(self) -> None:
        values = (self.tp, self.tn, self.fp, self.fn)
        if not all(np.isfinite(values)):
            raise MitigationInputError(f"utility payoffs must be finite numbers, got {values}")
        if self.tp < self.fn or self.tn < self.fp:
            raise MitigationInputError(
                f"utility: a correct decision must be worth at least a wrong one "
                f"(tp={self.tp} >= fn={self.fn}, tn={self.tn} >= fp={self.fp})"
            )

    @property
    def is_accuracy(self) -> bool:
        return (self.tp, self.tn, self.fp, self.fn) == (1.0, 1.0, 0.0, 0.0)

    def value(self, tp: FloatArray, fp: FloatArray, pos: FloatArray, neg: FloatArray) -> FloatArray:
        """Total payoff (not yet divided by the weight) of confusion counts; broadcasts."""
        fn = pos - tp
        tn = neg - fp
        out: FloatArray = self.tp * tp + self.tn * tn + self.fp * fp + self.fn * fn
        return out


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


@dataclass(frozen=True)
class GroupCurves:
    """Per group and candidate threshold ``k`` (predict positive iff bin >= k): counts."""

    tp: FloatArray  # (G, K+1)
    fp: FloatArray
    pos: FloatArray  # (G,)
    neg: FloatArray

    @property
    def selection_rate(self) -> FloatArray:
        return _ratio(self.tp + self.fp, (self.pos + self.neg)[:, None])

    @property
    def tpr(self) -> FloatArray:
        return _ratio(self.tp, self.pos[:, None])

    @property
    def fpr(self) -> FloatArray:
        return _ratio(self.fp, self.neg[:, None])


def group_curves(weight: FloatArray) -> GroupCurves:
    """Counts at every bin-edge threshold from (G, 2, bins) histograms.

    The selected side is a reverse running sum and the last candidate (k = bins) selects
    nobody, so its counts are exactly zero rather than a total minus itself.
    """
    g = weight.shape[0]
    zero = np.zeros((g, 1))
    tp = np.concatenate([np.cumsum(weight[:, 1, ::-1], axis=1)[:, ::-1], zero], axis=1)
    fp = np.concatenate([np.cumsum(weight[:, 0, ::-1], axis=1)[:, ::-1], zero], axis=1)
    return GroupCurves(tp, fp, weight[:, 1].sum(axis=1), weight[:, 0].sum(axis=1))


def gaps(selection: FloatArray, tpr: FloatArray, fpr: FloatArray) -> dict[str, FloatArray]:
    """The gaps of per-group rates whose last axis is the group."""
    sel_max, sel_min = selection.max(axis=-1), selection.min(axis=-1)
    tpr_diff = tpr.max(axis=-1) - tpr.min(axis=-1)
    fpr_diff = fpr.max(axis=-1) - fpr.min(axis=-1)
    return {
        "selection_rate_difference": sel_max - sel_min,
        "impact_ratio": _ratio(sel_min, sel_max),
        "tpr_difference": tpr_diff,
        "fpr_difference": fpr_diff,
        "equalized_odds_difference": np.maximum(tpr_diff, fpr_diff),
    }


def pareto_mask(
    utility: FloatArray, gap: FloatArray, *, higher_is_better: bool
) -> NDArray[np.bool_]:
    """True for the points no other point dominates (utility at least as high and gap at
    least as good, one of them strictly). NaN points are never in the set.

    Sorted by gap (best first), a point is dominated when a strictly better gap already
    reached its utility, or an equal gap reached more.
    """
    u = np.asarray(utility, dtype=np.float64)
    g = np.asarray(gap, dtype=np.float64)
    g = -g if higher_is_better else g
    ok = np.isfinite(u) & np.isfinite(g)
    mask = np.zeros(u.shape, dtype=bool)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return mask
    order = idx[np.lexsort((-u[idx], g[idx]))]
    gs, us = g[order], u[order]
    _, first, inverse = np.unique(gs, return_index=True, return_inverse=True)
    best_at = us[first]  # the largest utility at each distinct gap (sorted desc within)
    before = np.concatenate([[-np.inf], np.maximum.accumulate(best_at)[:-1]])
    dominated = (before[inverse] >= us) | (best_at[inverse] > us)
    mask[order] = ~dominated
    return mask
