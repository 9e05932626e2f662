"""Best group-specific thresholds under a constraint on one rate: an exact search.

"Maximise total utility with one threshold per group, such that the groups' selection
rates (or TPRs, or FPRs) lie within ``eps`` of each other" (or within a ratio, for the
four-fifths rule) has too many combinations to enumerate (1,001^40), but it is separable
once the smallest group rate is fixed: every group then independently takes its best
threshold whose rate lies in the window ``[lo, hi(lo)]``. The optimum's smallest rate is
one of the candidate rates, so trying every candidate as ``lo`` is exact.

A group's rate never increases with the threshold, so the thresholds in a window form a
contiguous range; a sparse table answers "best threshold in this range" in O(1), and the
whole search costs O(groups² × candidates) array operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["WindowSolution", "best_in_windows"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Rates equal up to rounding are treated as equal (they are ratios of float sums).
_EPS = 1e-12


@dataclass(frozen=True)
class WindowSolution:
    """The best choice found: one candidate index per group, or none if infeasible."""

    feasible: bool
    choice: IntArray  # (G,) candidate index per group; -1 when infeasible
    utility: float  # summed group utilities (NaN when infeasible)


def _sparse_argmax(values: FloatArray) -> list[IntArray]:
    """Level j holds, for each start i, the argmax of values[:, i : i + 2**j] per row."""
    g, n = values.shape
    levels = [np.broadcast_to(np.arange(n), (g, n)).copy()]
    rows = np.arange(g)[:, None]
    span = 1
    while 2 * span <= n:
        prev = levels[-1]
        left, right = prev[:, : n - 2 * span + 1], prev[:, span : n - span + 1]
        take_right = values[rows, right] > values[rows, left]
        levels.append(np.where(take_right, right, left))
        span *= 2
    return levels


def _range_argmax(
    values: FloatArray, table: list[IntArray], group: int, start: IntArray, stop: IntArray
) -> IntArray:
    """Argmax of values[group, start:stop] for each query (stop > start)."""
    length = stop - start
    level = np.floor(np.log2(np.maximum(length, 1))).astype(np.intp)
    out = np.empty(start.shape, dtype=np.intp)
    for j in np.unique(level):
        sel = level == j
        lvl = table[int(j)][group]
        a = lvl[start[sel]]
        b = lvl[stop[sel] - (1 << int(j))]
        out[sel] = np.where(values[group, b] > values[group, a], b, a)
    return out


def best_in_windows(
    rates: FloatArray,
    utility: FloatArray,
    upper: Callable[[FloatArray], FloatArray],
    *,
    lowest: float = -np.inf,
) -> WindowSolution:
    """Maximise ``sum_g utility[g, k_g]`` subject to every ``rates[g, k_g]`` in
    ``[lo, upper(lo)]`` for some ``lo`` (each group's rates non-increasing in ``k``).

    ``lowest`` excludes windows starting below it (the four-fifths rule needs a selection
    rate above 0, or its ratio is 0/0).
    """
    g, _ = rates.shape
    candidates = np.unique(rates[np.isfinite(rates)])
    candidates = candidates[candidates > lowest]
    if candidates.size == 0:
        return WindowSolution(False, np.full(g, -1, dtype=np.intp), float("nan"))
    hi = upper(candidates) + _EPS
    lo = candidates - _EPS
    table = _sparse_argmax(utility)
    total = np.zeros(candidates.size)
    picks = np.zeros((g, candidates.size), dtype=np.intp)
    feasible = np.ones(candidates.size, dtype=bool)
    for group in range(g):
        descending = -rates[group]  # non-decreasing in k
        start = np.searchsorted(descending, -hi, side="left")  # first k with rate <= hi
        stop = np.searchsorted(descending, -lo, side="right")  # past the last k with rate >= lo
        ok = stop > start
        feasible &= ok
        best = np.zeros(candidates.size, dtype=np.intp)
        if ok.any():
            best[ok] = _range_argmax(utility, table, group, start[ok], stop[ok])
        picks[group] = best
        total += np.where(ok, utility[group, best], 0.0)
    if not feasible.any():
        return WindowSolution(False, np.full(g, -1, dtype=np.intp), float("nan"))
    total = np.where(feasible, total, -np.inf)
    winner = int(np.argmax(total))
    return WindowSolution(True, picks[:, winner].copy(), float(total[winner]))
