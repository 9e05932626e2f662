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
from scipy.spatial import ConvexHull

from ombud.fairness.mitigate._errors import MitigationInputError
from ombud.fairness.mitigate._rates import GroupCurves

__all__ = ["GroupMix", "RandomisedSolution", "equalized_odds_point", "upper_hull"]

FloatArray = NDArray[np.float64]


def upper_hull(fpr: FloatArray, tpr: FloatArray) -> NDArray[np.intp]:
    """Candidate indices on the upper convex hull of the ROC points, by increasing FPR.

    Qhull (scipy) on the points plus the corner (1, 0): the ROC points include (0, 0) and
    (1, 1), so that hull is never degenerate, and its vertices are the upper chain plus the
    corner (every point on or below the diagonal lies in the triangle (0,0), (1,0), (1,1)).
    Collinear points are not vertices; of two vertices with one FPR the higher is kept.
    """
    points = np.column_stack([np.append(fpr, 1.0), np.append(tpr, 0.0)])
    corner = len(fpr)
    vertices = np.asarray(ConvexHull(points).vertices, dtype=np.intp)
    vertices = vertices[vertices != corner]
    order = vertices[np.lexsort((-tpr[vertices], fpr[vertices]))]
    keep = np.ones(order.size, dtype=bool)
    keep[1:] = np.diff(fpr[order]) > 0
    out: NDArray[np.intp] = order[keep]
    return out


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
    slopes, intercepts = [], []
    hulls = []
    fprs, tprs = curves.fpr, curves.tpr
    for g in range(fprs.shape[0]):
        hull = upper_hull(fprs[g], tprs[g])
        hulls.append(hull)
        x, y = fprs[g][hull], tprs[g][hull]
        slope = np.diff(y) / np.diff(x)  # the hull has distinct FPRs, increasing
        slopes.append(slope)
        intercepts.append(y[:-1] - slope * x[:-1])
    slope_all = np.concatenate(slopes)
    # One constraint per hull edge of every group: y - slope * x <= intercept.
    rows = np.column_stack([-slope_all, np.ones_like(slope_all)])
    bounds = np.concatenate(intercepts)
    solved = linprog(
        c=[-payoff_fpr, -payoff_tpr],
        A_ub=rows if len(bounds) else None,
        b_ub=bounds if len(bounds) else None,
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
