"""Confidence intervals for proportions and for comparisons of two proportions.

Every fairness and red-team metric Ombud reports is a ratio of counts taken from a Tally, and a
gate that compares such a number with a threshold needs to know how sure it is. These functions
turn counts into interval estimates without ever looking at a row, so they work on stored
evidence as well as on live data. They are vectorized: one call covers every group, window or
probe at once.

Method choice (see Brown, Cai & DasGupta 2001; Newcombe 1998; Fagerland, Lydersen & Laake 2015):

- Wilson's score interval is the default for one proportion: close to nominal coverage from small
  to large n, never outside [0, 1]. Clopper–Pearson is offered when a guaranteed (conservative)
  coverage is wanted.
- Newcombe's hybrid score interval (his "method 10") for a difference p1 − p2 combines two Wilson
  intervals, and so inherits their good behaviour near 0 and 1.
- Katz's log interval for a ratio p1 / p2 is the textbook interval behind the four-fifths rule.

Weighted (non-integer) counts are accepted by every function here. The formulas then treat the
weighted totals as if they were counts of independent rows, which is right for frequency weights
and only approximate otherwise (use `ombud.stats.bootstrap` for other weights).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

__all__ = [
    "StatsInputError",
    "clopper_pearson_interval",
    "katz_ratio_interval",
    "newcombe_difference_interval",
    "wilson_interval",
]

FloatArray = NDArray[np.float64]
Interval = tuple[FloatArray, FloatArray]


class StatsInputError(ValueError):
    """Counts, proportions or settings that no statistic in `ombud.stats` can be computed from."""


def _as_float_array(values: ArrayLike, name: str, where: str) -> FloatArray:
    """Convert to a float64 array and refuse NaN or infinite entries, naming the argument."""
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise StatsInputError(f"{where}: {name} has NaN or infinite entries; pass finite numbers")
    return array


def _check_counts(
    successes: ArrayLike, trials: ArrayLike, where: str, suffix: str = ""
) -> Interval:
    """Validate one (successes, trials) pair and return them broadcast as float64 arrays."""
    x = _as_float_array(successes, f"successes{suffix}", where)
    n = _as_float_array(trials, f"trials{suffix}", where)
    try:
        x, n = np.broadcast_arrays(x, n)
    except ValueError as error:
        raise StatsInputError(
            f"{where}: successes{suffix} shape {x.shape} and trials{suffix} shape {n.shape} "
            "do not broadcast; pass arrays of matching shape"
        ) from error
    if np.any(x < 0) or np.any(n < 0):
        raise StatsInputError(f"{where}: counts must be >= 0; found a negative count")
    if np.any(x > n):
        first = tuple(int(i) for i in np.argwhere(x > n)[0])
        at = f" at index {first}" if first else ""
        raise StatsInputError(
            f"{where}: successes{suffix} exceeds trials{suffix}{at} "
            f"({x[first]:g} > {n[first]:g}); successes must be a subset of trials"
        )
    return x, n


def _check_confidence(confidence: float, where: str) -> float:
    """Return the confidence level as a float after checking it lies strictly inside (0, 1)."""
    level = float(confidence)
    if not 0.0 < level < 1.0:
        raise StatsInputError(
            f"{where}: confidence must be strictly between 0 and 1, got {confidence!r}; "
            "for 95% pass 0.95"
        )
    return level


def _two_sided_z(confidence: float) -> float:
    """Normal quantile z such that P(|Z| <= z) equals the confidence level."""
    return float(stats.norm.isf((1.0 - confidence) / 2.0))


def _wilson_bounds(x: FloatArray, n: FloatArray, z: float) -> Interval:
    """Wilson score bounds on validated arrays; NaN where n == 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = n + z * z
        centre = (x + z * z / 2.0) / denominator
        # max(..., 0) guards a rounding-level negative value of x(n − x)/n at x == n.
        spread = np.sqrt(np.maximum(x * (n - x) / n, 0.0) + z * z / 4.0)
        half_width = z * spread / denominator
    empty = n == 0
    lower = np.where(empty, np.nan, np.clip(centre - half_width, 0.0, 1.0))
    upper = np.where(empty, np.nan, np.clip(centre + half_width, 0.0, 1.0))
    # The exact bounds at x == 0 and x == n are 0 and 1; set them so rounding cannot move them.
    lower = np.where(x == 0, np.where(empty, np.nan, 0.0), lower)
    upper = np.where((x == n) & ~empty, 1.0, upper)
    return _as_result(lower), _as_result(upper)


def _as_result(values: ArrayLike) -> FloatArray:
    """Return a float64 ndarray, 0-d for scalar results (numpy arithmetic yields scalars)."""
    return np.asarray(values, dtype=np.float64)


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, *, confidence: float = 0.95
) -> Interval:
    """Wilson score interval for the proportion successes / trials.

    Accepts weighted (non-integer) counts. Returns (lower, upper) arrays of the broadcast shape;
    both are NaN where trials == 0. Raises StatsInputError for negative counts, successes greater
    than trials, or a confidence level outside (0, 1).
    """
    where = "wilson_interval"
    level = _check_confidence(confidence, where)
    x, n = _check_counts(successes, trials, where)
    return _wilson_bounds(x, n, _two_sided_z(level))


def clopper_pearson_interval(
    successes: ArrayLike, trials: ArrayLike, *, confidence: float = 0.95
) -> Interval:
    """Clopper–Pearson ("exact") interval from quantiles of the beta distribution.

    Its coverage is at least the nominal level for every true proportion, at the price of wider
    intervals than Wilson's. Non-integer (weighted) counts are accepted: the beta quantiles are
    defined for real parameters, but the coverage guarantee only holds for integer counts.
    Both bounds are NaN where trials == 0.
    """
    where = "clopper_pearson_interval"
    level = _check_confidence(confidence, where)
    x, n = _check_counts(successes, trials, where)
    tail = (1.0 - level) / 2.0
    # Beta parameters must be positive; substitute 1 where a bound is fixed at 0 or 1 anyway.
    lower_a = np.where(x > 0, x, 1.0)
    lower_b = np.where(x > 0, n - x + 1.0, 1.0)
    upper_a = np.where(x < n, x + 1.0, 1.0)
    upper_b = np.where(x < n, n - x, 1.0)
    lower = np.where(x > 0, special.betaincinv(lower_a, lower_b, tail), 0.0)
    upper = np.where(x < n, special.betaincinv(upper_a, upper_b, 1.0 - tail), 1.0)
    empty = n == 0
    return _as_result(np.where(empty, np.nan, lower)), _as_result(np.where(empty, np.nan, upper))


def _check_two_groups(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, where: str
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate two (successes, trials) pairs and broadcast all four arrays together."""
    a1, b1 = _check_counts(x1, n1, where, suffix="1")
    a2, b2 = _check_counts(x2, n2, where, suffix="2")
    try:
        a1, b1, a2, b2 = np.broadcast_arrays(a1, b1, a2, b2)
    except ValueError as error:
        raise StatsInputError(
            f"{where}: group 1 shape {a1.shape} and group 2 shape {a2.shape} do not broadcast; "
            "pass arrays of matching shape"
        ) from error
    return a1, b1, a2, b2


def newcombe_difference_interval(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    confidence: float = 0.95,
) -> Interval:
    """Newcombe's hybrid score interval (method 10 of Newcombe 1998) for p1 − p2.

    Built from the Wilson interval of each proportion, so it stays inside [−1, 1] and behaves
    well when a group has no successes or only successes. Accepts weighted counts. Both bounds
    are NaN where either group has zero trials.
    """
    where = "newcombe_difference_interval"
    level = _check_confidence(confidence, where)
    a1, b1, a2, b2 = _check_two_groups(x1, n1, x2, n2, where)
    z = _two_sided_z(level)
    low1, upp1 = _wilson_bounds(a1, b1, z)
    low2, upp2 = _wilson_bounds(a2, b2, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = a1 / b1
        p2 = a2 / b2
    difference = p1 - p2
    lower = difference - np.sqrt((p1 - low1) ** 2 + (upp2 - p2) ** 2)
    upper = difference + np.sqrt((upp1 - p1) ** 2 + (p2 - low2) ** 2)
    return _as_result(lower), _as_result(upper)


def katz_ratio_interval(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    confidence: float = 0.95,
) -> Interval:
    """Katz log interval for the ratio p1 / p2 (e.g. a selection-rate or four-fifths ratio).

    exp(log(p1 / p2) ± z · sqrt(1/x1 − 1/n1 + 1/x2 − 1/n2)) (Katz et al. 1978).

    Zero cells: the log method is undefined when x1 or x2 is 0, and a group with no selections
    is exactly the case a fairness audit must not hide. Where x1 == 0 or x2 == 0 (and only
    there), 0.5 is added to each success count and each trial count before applying the
    formula, as in the "adjusted log" interval of Fagerland, Lydersen & Laake (2015). Such an
    interval is finite and positive, so it need not contain the unadjusted point estimate
    (0 or infinity). Accepts weighted counts. Both bounds are NaN where either group has zero
    trials.
    """
    where = "katz_ratio_interval"
    level = _check_confidence(confidence, where)
    a1, b1, a2, b2 = _check_two_groups(x1, n1, x2, n2, where)
    z = _two_sided_z(level)
    undefined = (b1 == 0) | (b2 == 0)
    adjustment = np.where((a1 == 0) | (a2 == 0), 0.5, 0.0)
    a1, b1 = a1 + adjustment, b1 + adjustment
    a2, b2 = a2 + adjustment, b2 + adjustment
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(a1 / b1) - np.log(a2 / b2)
        half_width = z * np.sqrt(np.maximum(1 / a1 - 1 / b1 + 1 / a2 - 1 / b2, 0.0))
        lower = np.exp(log_ratio - half_width)
        upper = np.exp(log_ratio + half_width)
    return _as_result(np.where(undefined, np.nan, lower)), _as_result(
        np.where(undefined, np.nan, upper)
    )
