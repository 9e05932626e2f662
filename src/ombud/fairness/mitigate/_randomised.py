"""Equalized odds by randomised thresholds (Hardt, Price and Srebro, 2016), exactly.

Mixing two thresholds at random reaches every point on the segment between their ROC
points, and mixing with a coin that says "yes" with probability c reaches the diagonal;
so a group can operate anywhere under the upper convex hull of its ROC curve (and above
the diagonal). Equalized odds asks every group to share one (FPR, TPR) point; utility is
linear in that point, so the best one solves a two-variable linear programme whose
constraints are the hull edges of every group. HiGHS solves it to machine precision;
fairlearn's ThresholdOptimizer searches a grid of FPR values instead (the oracle test).

The decision then depends on a random draw: two applicants with the same score and group
can get different answers. That is why the option is labelled *randomised* everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from ombud.fairness.mitigate._errors import MitigationInputError
from ombud.fairness.mitigate._rates import GroupCurves

__all__ = ["GroupMix", "RandomisedSolution", "equalized_odds_point", "upper_hull"]

FloatArray = NDArray[np.float64]


def upper_hull(fpr: FloatArray, tpr: FloatArray) -> NDArray[np.intp]:
    """Candidate indices on the upper convex hull of the ROC points, by increasing FPR.

    Andrew's monotone chain over points sorted by (FPR, -TPR); collinear points dropped.
    """
    order = np.lexsort((-tpr, fpr))
    hull: list[int] = []
    for i in order:
        if hull and fpr[hull[-1]] == fpr[i]:
            continue  # same FPR, lower (or equal) TPR: never on the upper hull
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (fpr[b] - fpr[a]) * (tpr[i] - tpr[a]) - (tpr[b] - tpr[a]) * (fpr[i] - fpr[a])
            if cross >= 0:  # b is on or below the chord a-i
                hull.pop()
            else:
                break
        hull.append(int(i))
    return np.asarray(hull, dtype=np.intp)


@dataclass(frozen=True)
class GroupMix:
    """How one group decides at the shared point: with probability ``1 - p_constant`` use
    threshold ``high`` with probability ``q`` and ``low`` otherwise (candidate indices,
    ``low`` the more lenient); with probability ``p_constant`` say yes with probability
    ``constant``."""

    low: int
    high: int
    q: float
    p_constant: float
    constant: float


@dataclass(frozen=True)
class RandomisedSolution:
    fpr: float
    tpr: float
    mixes: tuple[GroupMix, ...]


def equalized_odds_point(
    curves: GroupCurves, payoff_fpr: float, payoff_tpr: float
) -> RandomisedSolution:
    """Maximise ``payoff_tpr * TPR + payoff_fpr * FPR`` over points every group can reach."""
    rows: list[list[float]] = []
    bounds: list[float] = []
    hulls = []
    fprs, tprs = curves.fpr, curves.tpr
    for g in range(fprs.shape[0]):
        hull = upper_hull(fprs[g], tprs[g])
        hulls.append(hull)
        x, y = fprs[g][hull], tprs[g][hull]
        for a in range(len(hull) - 1):
            slope = (y[a + 1] - y[a]) / (x[a + 1] - x[a])
            rows.append([-slope, 1.0])  # y - slope * x <= y_a - slope * x_a
            bounds.append(y[a] - slope * x[a])
    solved = linprog(
        c=[-payoff_fpr, -payoff_tpr],
        A_ub=np.asarray(rows) if rows else None,
        b_ub=np.asarray(bounds) if rows else None,
        bounds=[(0.0, 1.0), (0.0, 1.0)],
        method="highs",
    )
    if not solved.success:
        raise MitigationInputError(f"the equalized-odds programme did not solve: {solved.message}")
    x_star = float(np.clip(solved.x[0], 0.0, 1.0))
    y_star = float(np.clip(solved.x[1], 0.0, 1.0))
    mixes = tuple(
        _mix(fprs[g][hull], tprs[g][hull], hull, x_star, y_star) for g, hull in enumerate(hulls)
    )
    return RandomisedSolution(x_star, y_star, mixes)


def _mix(x: FloatArray, y: FloatArray, hull: NDArray[np.intp], fx: float, ty: float) -> GroupMix:
    seg = int(np.clip(np.searchsorted(x, fx, side="right") - 1, 0, len(x) - 2))
    x0, x1 = x[seg], x[seg + 1]
    q = 0.0 if x1 == x0 else float(np.clip((fx - x0) / (x1 - x0), 0.0, 1.0))
    h = float((1 - q) * y[seg] + q * y[seg + 1])
    p = 0.0 if h - fx <= 0 else float(np.clip((h - ty) / (h - fx), 0.0, 1.0))
    # hull runs by increasing FPR, i.e. from strict (high index) to lenient thresholds.
    return GroupMix(
        low=int(hull[seg + 1]), high=int(hull[seg]), q=1.0 - q, p_constant=p, constant=fx
    )


def mix_acceptance(mix: GroupMix, n_bins: int) -> FloatArray:
    """P(predict positive | score bin) for one group under ``mix``."""
    bins = np.arange(n_bins)
    hull_part = (1.0 - mix.q) * (bins >= mix.low) + mix.q * (bins >= mix.high)
    out: FloatArray = (1.0 - mix.p_constant) * hull_part + mix.p_constant * mix.constant
    return out
