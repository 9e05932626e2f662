"""Best group-specific thresholds under a constraint on one rate: an exact search.

"Maximise total utility with one threshold per group, such that the groups' selection
rates (or TPRs, or FPRs) lie within ``eps`` of each other" (or within a ratio, for the
four-fifths rule) has too many combinations to enumerate (1,001^40), but it is separable
once the smallest group rate is fixed: every group then independently takes its best
threshold whose rate lies in the window ``[lo, hi(lo)]``. The optimum's smallest rate is
one of the candidate rates, so trying every candidate as ``lo`` is exact.

A group's rate never increases with the threshold, so the thresholds in a window form a
contiguous range; a sparse table answers "best threshold in this range" in O(1), and the
search is pruned by branch and bound (blocks of candidates whose widest window cannot
beat the best total found are skipped), so most candidates are never evaluated.
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


def _sparse_argmax(values: FloatArray) -> IntArray:
    """Level j, row g, start i: the argmax of values[g, i : i + 2**j] (stacked, padded)."""
    g, n = values.shape
    levels = max(1, int(np.floor(np.log2(n))) + 1)
    table = np.zeros((levels, g, n), dtype=np.intp)
    table[0] = np.arange(n)[None, :]
    rows = np.arange(g)[:, None]
    span = 1
    for j in range(1, levels):
        prev = table[j - 1]
        left, right = prev[:, : n - 2 * span + 1], prev[:, span : n - span + 1]
        take_right = values[rows, right] > values[rows, left]
        table[j, :, : n - 2 * span + 1] = np.where(take_right, right, left)
        span *= 2
    return table


class _Windows:
    """Best threshold per group for a batch of rate windows ``[lo, hi]``, vectorised over
    groups and windows: one sorted search over all groups' rates (each row offset so the
    whole table is sorted), then sparse-table range maxima."""

    def __init__(self, rates: FloatArray, utility: FloatArray) -> None:
        g, n = rates.shape
        self.g, self.n, self.utility = g, n, utility
        self.offset = (4.0 * np.arange(g))[:, None]  # rates lie in [0, 1]: rows never overlap
        self.keys = (self.offset - rates).ravel()  # non-decreasing overall
        self.base = (np.arange(g) * n)[:, None]
        self.table = _sparse_argmax(utility)

    def solve(
        self, lo: FloatArray, hi: FloatArray
    ) -> tuple[NDArray[np.bool_], FloatArray, IntArray]:
        """Per window: feasible (every group has a threshold in it), the summed best
        utility (-inf when infeasible), and each group's best index (G, windows)."""
        g, n = self.g, self.n
        upper = self.offset - (hi + _EPS)[None, :]
        lower = self.offset - (lo - _EPS)[None, :]
        start = np.searchsorted(self.keys, upper.ravel(), side="left").reshape(g, -1)
        stop = np.searchsorted(self.keys, lower.ravel(), side="right").reshape(g, -1)
        start = np.clip(start - self.base, 0, n)
        stop = np.clip(stop - self.base, 0, n)
        feasible = (stop > start).all(axis=0)
        best = np.zeros(start.shape, dtype=np.intp)
        total = np.full(lo.shape, -np.inf)
        if feasible.any():
            s, e = start[:, feasible], stop[:, feasible]
            level = np.floor(np.log2(e - s)).astype(np.intp)
            rows = np.broadcast_to(np.arange(g)[:, None], s.shape)
            a = self.table[level, rows, s]
            b = self.table[level, rows, e - (1 << level)]
            pick = np.where(self.utility[rows, b] > self.utility[rows, a], b, a)
            best[:, feasible] = pick
            total[feasible] = self.utility[rows, pick].sum(axis=0)
        return feasible, total, best


def best_in_windows(
    rates: FloatArray,
    utility: FloatArray,
    upper: Callable[[FloatArray], FloatArray],
    *,
    lowest: float = -np.inf,
    block: int = 64,
) -> WindowSolution:
    """Maximise ``sum_g utility[g, k_g]`` subject to every ``rates[g, k_g]`` in
    ``[lo, upper(lo)]`` for some ``lo`` (each group's rates non-increasing in ``k``;
    ``upper`` non-decreasing).

    ``lowest`` excludes windows starting below it (the four-fifths rule needs a selection
    rate above 0, or its ratio is 0/0). Exact, by branch and bound over blocks of
    candidate ``lo`` values: one window per block that covers all of its windows bounds
    what the block can reach; blocks whose bound is below the best total already found
    (from one candidate per block) are never evaluated one by one.
    """
    g, _ = rates.shape
    none = WindowSolution(False, np.full(g, -1, dtype=np.intp), float("nan"))
    candidates = np.unique(rates[np.isfinite(rates)])
    candidates = candidates[candidates > lowest]
    if candidates.size == 0:
        return none
    windows = _Windows(rates, utility)
    firsts = np.arange(0, candidates.size, block)
    lasts = np.minimum(firsts + block - 1, candidates.size - 1)
    # A lower bound: the exact total at the first candidate of every block.
    ok, total, best = windows.solve(candidates[firsts], upper(candidates[firsts]))
    found = float(total.max()) if ok.any() else -np.inf
    # An upper bound per block: its widest window, [first lo, upper(last lo)].
    ok_b, bound, _ = windows.solve(candidates[firsts], upper(candidates[lasts]))
    keep = np.flatnonzero(ok_b & (bound >= found - 1e-12))
    if keep.size == 0:
        return none
    chosen = np.concatenate([np.arange(firsts[i], lasts[i] + 1) for i in keep])
    lo = candidates[chosen]
    ok, total, best = windows.solve(lo, upper(lo))
    if not ok.any():
        return none
    winner = int(np.argmax(total))
    return WindowSolution(True, best[:, winner].copy(), float(total[winner]))
