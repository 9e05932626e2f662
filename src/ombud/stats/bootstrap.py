"""Bootstrap of cell counts: interval estimates for any metric that is a function of a Tally.

Closed-form intervals exist for single proportions and simple comparisons, but not for most of
what an audit reports (equalized-odds gaps, the worst ratio over many groups, AUC from a score
histogram). The bootstrap covers them all. Resampling N rows with replacement and counting them
per cell gives multinomial(N, counts / N) cell counts, so for any metric computed from counts,
drawing those cell counts directly *is* the row bootstrap, at a cost of O(cells × B) instead of
O(rows × B), and without access to the rows: an auditor can rerun it from stored evidence.

Stratification holds the size of each stratum fixed (for instance the number of rows of each
protected group, as in a two-sample bootstrap), which also keeps every group non-empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ombud.stats.intervals import FloatArray, StatsInputError, _as_result, _check_confidence

__all__ = ["BootstrapResult", "BootstrapStatistic", "multinomial_bootstrap"]

BootstrapStatistic = Callable[[FloatArray], ArrayLike]
"""Maps a (B, cells) float array of counts (or weight sums) to a (B,) or (B, k) array."""

# Replicates are drawn in chunks of at most this many (replicate × cell) entries, about 32 MB of
# float64, so that B = 1000 over ~100k cells never holds the full (B, cells) matrix.
MAX_CHUNK_ENTRIES = 1 << 22


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap summary of a statistic.

    estimate: the statistic on the original counts, shape () or (k,).
    lower, upper: the percentile interval at `confidence`.
    standard_error: standard deviation of the replicates (ddof = 1).
    replicates: the (B,) or (B, k) replicate values, kept so callers can use other summaries.
    NaN replicates (a metric undefined in some resample) propagate NaN into the summaries, and
    infinite ones make the standard error NaN: stratify so that every denominator keeps rows.
    """

    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray
    standard_error: FloatArray
    replicates: FloatArray
    confidence: float


def _check_row_counts(counts: ArrayLike) -> NDArray[np.int64]:
    where = "multinomial_bootstrap"
    array = np.asarray(counts, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise StatsInputError(f"{where}: counts must be a non-empty 1-D array of rows per cell")
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array != np.round(array)):
        raise StatsInputError(
            f"{where}: counts must be non-negative whole numbers of rows; pass weighted totals "
            "through weights="
        )
    return array.astype(np.int64)


def _mean_weights(weights: ArrayLike | None, counts: NDArray[np.int64]) -> FloatArray | None:
    """Mean weight of a row in each cell (weight sum / row count; 0 for empty cells)."""
    if weights is None:
        return None
    where = "multinomial_bootstrap"
    sums = np.asarray(weights, dtype=np.float64)
    if sums.shape != counts.shape or not np.all(np.isfinite(sums)):
        raise StatsInputError(
            f"{where}: weights must be finite per-cell weight sums of shape {counts.shape}"
        )
    if np.any((counts == 0) & (sums != 0)):
        raise StatsInputError(f"{where}: a cell with zero rows has a non-zero weight sum")
    return np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)


def _strata_cells(strata: ArrayLike | None, cells: int) -> list[NDArray[np.intp]]:
    """Cell indices of each stratum; the whole table is one stratum when strata is None."""
    if strata is None:
        return [np.arange(cells)]
    labels = np.asarray(strata)
    if labels.shape != (cells,) or not np.issubdtype(labels.dtype, np.integer):
        raise StatsInputError(
            f"multinomial_bootstrap: strata must be one integer label per cell, shape ({cells},)"
        )
    return [np.flatnonzero(labels == label) for label in np.unique(labels)]


def _draw_chunk(
    rng: np.random.Generator,
    counts: NDArray[np.int64],
    strata: list[NDArray[np.intp]],
    size: int,
) -> FloatArray:
    """`size` resamples of all cells: one multinomial per stratum with its row total fixed."""
    chunk = np.zeros((size, counts.size), dtype=np.float64)
    for stratum in strata:
        cells = stratum[counts[stratum] > 0]  # empty cells always resample to zero rows
        stratum_counts = counts[cells]
        total = int(stratum_counts.sum())
        if total == 0:
            continue
        chunk[:, cells] = rng.multinomial(total, stratum_counts / total, size=size)
    return chunk


def _evaluate(statistic: BootstrapStatistic, resampled: FloatArray) -> FloatArray:
    values = np.asarray(statistic(resampled), dtype=np.float64)
    if values.ndim not in (1, 2) or values.shape[0] != resampled.shape[0]:
        raise StatsInputError(
            f"multinomial_bootstrap: statistic returned shape {values.shape} for "
            f"{resampled.shape[0]} resamples; it must return (B,) or (B, k)"
        )
    return values


def multinomial_bootstrap(
    counts: ArrayLike,
    statistic: BootstrapStatistic,
    *,
    n_boot: int = 1000,
    seed: int | np.random.Generator = 0,
    confidence: float = 0.95,
    strata: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> BootstrapResult:
    """Percentile bootstrap of `statistic` by resampling cell counts.

    counts: rows per cell (whole numbers), 1-D. All cells are resampled jointly from one
    multinomial with N = total rows, or, with `strata` (an integer label per cell), from one
    multinomial per stratum with that stratum's row total held fixed.
    weights: per-cell sums of row weights. When given, the statistic receives resampled row
    counts times each cell's mean weight (the weight sums a row bootstrap would produce if rows
    within a cell had equal weights), and the estimate uses `weights` itself.
    seed: an int or a numpy Generator; the same seed and inputs give the same replicates.
    """
    where = "multinomial_bootstrap"
    level = _check_confidence(confidence, where)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 2:
        raise StatsInputError(f"{where}: n_boot must be an integer >= 2, got {n_boot!r}")
    rows = _check_row_counts(counts)
    mean_weight = _mean_weights(weights, rows)
    groups = _strata_cells(strata, rows.size)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    original = rows.astype(np.float64) if mean_weight is None else rows * mean_weight
    estimate = _evaluate(statistic, original[np.newaxis, :])[0]

    chunk_size = max(1, MAX_CHUNK_ENTRIES // rows.size)
    pieces = []
    for start in range(0, int(n_boot), chunk_size):
        resampled = _draw_chunk(rng, rows, groups, min(chunk_size, int(n_boot) - start))
        if mean_weight is not None:
            resampled *= mean_weight
        pieces.append(_evaluate(statistic, resampled))
    replicates = np.concatenate(pieces, axis=0)
    if replicates.shape[1:] != estimate.shape:
        raise StatsInputError(f"{where}: statistic returned different shapes between calls")

    tail = (1.0 - level) / 2.0
    # Infinite replicates (e.g. a ratio whose resampled denominator is 0) are legitimate: they
    # sort to the ends for the percentiles, and make the standard error NaN, without a warning.
    with np.errstate(invalid="ignore"):
        lower, upper = np.quantile(replicates, [tail, 1.0 - tail], axis=0)
        standard_error = np.std(replicates, axis=0, ddof=1)
    # Linear interpolation between two equal infinities gives NaN (inf − inf); the bound is then
    # that infinity, i.e. the outer order statistic.
    has_nan = np.isnan(replicates).any(axis=0)
    # Only recompute when some bound needs it: each np.quantile is a full pass over B x k.
    fix_lower = np.isnan(lower) & ~has_nan
    if np.any(fix_lower):
        lower = np.where(fix_lower, np.quantile(replicates, tail, axis=0, method="lower"), lower)
    fix_upper = np.isnan(upper) & ~has_nan
    if np.any(fix_upper):
        upper = np.where(
            fix_upper, np.quantile(replicates, 1.0 - tail, axis=0, method="higher"), upper
        )
    return BootstrapResult(
        estimate=_as_result(estimate),
        lower=_as_result(lower),
        upper=_as_result(upper),
        standard_error=_as_result(np.where(np.isfinite(standard_error), standard_error, np.nan)),
        replicates=_as_result(replicates),
        confidence=level,
    )
