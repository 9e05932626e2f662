"""Hypothesis tests, multiplicity corrections and power for comparing groups by their counts.

A fairness audit asks many questions at once ("is any group's selection rate different?") and a
reviewer must be able to tell a real gap from noise, and a clean result from a study too small
to see anything. Hence three families here, all computed from counts alone:

- tests of two proportions (pooled z, Fisher's exact) and of k proportions (chi-square), with a
  documented rule for choosing between z and Fisher;
- Holm and Benjamini–Hochberg adjustments for the many tests one audit runs;
- the power of the z test and the smallest difference a given sample can detect, so that
  "no significant gap" is reported together with what the audit could have seen.

Functions are vectorized over broadcast arrays; statistics and p-values are float64 arrays of
the broadcast shape (0-d for scalar input).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.optimize import elementwise

from ombud.stats.intervals import (
    FloatArray,
    StatsInputError,
    _as_float_array,
    _as_result,
    _check_counts,
    _check_two_groups,
    _two_sided_z,
)

__all__ = [
    "Alternative",
    "TestResult",
    "benjamini_hochberg_adjust",
    "chi_square_test",
    "choose_two_group_test",
    "fisher_exact_test",
    "holm_adjust",
    "minimum_detectable_difference",
    "power_two_proportions",
    "two_proportion_ztest",
]

Alternative = Literal["two-sided", "greater", "less"]
"""Alternative hypothesis about p1 − p2: differs from 0, is > 0, or is < 0."""

FISHER = "fisher_exact"
ZTEST = "two_proportion_ztest"
SMALL_EXPECTED_COUNT = 5.0


@dataclass(frozen=True)
class TestResult:
    """Outcome of a hypothesis test: its statistic, p-value, the method used and, if any, df.

    For Fisher's exact test the statistic is the sample odds ratio; for the z test it is z; for
    the chi-square test it is Pearson's X² with `df` degrees of freedom.
    """

    __test__ = False  # tell pytest this is not a test class despite its name

    statistic: FloatArray
    pvalue: FloatArray
    method: str
    df: FloatArray | None = None


def _check_alternative(alternative: str, where: str) -> None:
    if alternative not in ("two-sided", "greater", "less"):
        raise StatsInputError(
            f"{where}: alternative must be 'two-sided', 'greater' or 'less', got {alternative!r}"
        )


def two_proportion_ztest(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    alternative: Alternative = "two-sided",
) -> TestResult:
    """Pooled-variance z test of p1 = p2 ("greater" means the alternative p1 > p2).

    Accepts weighted counts (treated as counts of independent rows). z and p are NaN where a
    group has zero trials or the pooled proportion is 0 or 1 (no variation, no test).
    """
    where = "two_proportion_ztest"
    _check_alternative(alternative, where)
    a1, b1, a2, b2 = _check_two_groups(x1, n1, x2, n2, where)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (a1 + a2) / (b1 + b2)
        standard_error = np.sqrt(pooled * (1.0 - pooled) * (1.0 / b1 + 1.0 / b2))
        z = (a1 / b1 - a2 / b2) / standard_error
    z = np.where((b1 == 0) | (b2 == 0) | (standard_error == 0), np.nan, z)
    if alternative == "greater":
        pvalue = stats.norm.sf(z)
    elif alternative == "less":
        pvalue = stats.norm.cdf(z)
    else:
        pvalue = 2.0 * stats.norm.sf(np.abs(z))
    return TestResult(_as_result(z), _as_result(pvalue), ZTEST)


def _require_integers(arrays: tuple[FloatArray, ...], where: str) -> None:
    if any(np.any(array != np.round(array)) for array in arrays):
        raise StatsInputError(
            f"{where}: Fisher's exact test needs integer counts; weighted counts are not "
            "supported, use two_proportion_ztest or the bootstrap"
        )


def fisher_exact_test(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    alternative: Alternative = "two-sided",
) -> TestResult:
    """Fisher's exact test of p1 = p2 on the table [[x1, n1 − x1], [x2, n2 − x2]].

    The statistic is the sample odds ratio. Counts must be integers. Statistic and p-value are
    NaN where a group has zero trials (scipy would report p = 1 there; we say "no test").
    """
    where = "fisher_exact_test"
    _check_alternative(alternative, where)
    a1, b1, a2, b2 = _check_two_groups(x1, n1, x2, n2, where)
    _require_integers((a1, b1, a2, b2), where)
    odds_ratio = np.full(a1.shape, np.nan)
    pvalue = np.full(a1.shape, np.nan)
    # scipy's fisher_exact takes one 2x2 table at a time; tables are few (one per comparison).
    for index in np.ndindex(a1.shape):
        if b1[index] == 0 or b2[index] == 0:
            continue
        table = np.array(
            [[a1[index], b1[index] - a1[index]], [a2[index], b2[index] - a2[index]]],
            dtype=np.int64,
        )
        result = stats.fisher_exact(table, alternative=alternative)
        odds_ratio[index] = result.statistic
        pvalue[index] = result.pvalue
    return TestResult(_as_result(odds_ratio), _as_result(pvalue), FISHER)


def _expected_counts_below(
    a1: FloatArray, b1: FloatArray, a2: FloatArray, b2: FloatArray, threshold: float
) -> NDArray[np.bool_]:
    """True where any expected cell count of the 2x2 table under independence is < threshold."""
    total = b1 + b2
    successes = a1 + a2
    with np.errstate(divide="ignore", invalid="ignore"):
        smallest_column = np.minimum(successes, total - successes) / total
    smallest_expected = np.minimum(b1, b2) * smallest_column
    return np.asarray((smallest_expected < threshold) & (total > 0))


def choose_two_group_test(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    *,
    alternative: Alternative = "two-sided",
) -> TestResult:
    """Fisher's exact test where any expected cell count is < 5, else the pooled z test.

    The expected counts are those of [[x1, n1 − x1], [x2, n2 − x2]] under p1 = p2 (the usual
    Cochran rule). `.method` names the test used; for arrays where the choice differs between
    elements it names both, and each element's statistic is that of its own test (odds ratio
    for Fisher, z otherwise). Fisher needs integer counts, so weighted counts with small
    expected cells raise StatsInputError.
    """
    where = "choose_two_group_test"
    _check_alternative(alternative, where)
    a1, b1, a2, b2 = _check_two_groups(x1, n1, x2, n2, where)
    small = _expected_counts_below(a1, b1, a2, b2, SMALL_EXPECTED_COUNT)
    ztest = two_proportion_ztest(a1, b1, a2, b2, alternative=alternative)
    if not np.any(small):
        return ztest
    fisher = fisher_exact_test(a1[small], b1[small], a2[small], b2[small], alternative=alternative)
    if np.all(small):
        return TestResult(
            _as_result(fisher.statistic.reshape(a1.shape)),
            _as_result(fisher.pvalue.reshape(a1.shape)),
            FISHER,
        )
    statistic = ztest.statistic.copy()
    pvalue = ztest.pvalue.copy()
    statistic[small] = fisher.statistic
    pvalue[small] = fisher.pvalue
    method = f"{FISHER} where an expected count < 5, {ZTEST} elsewhere"
    return TestResult(statistic, pvalue, method)


def chi_square_test(successes: ArrayLike, trials: ArrayLike) -> TestResult:
    """Pearson chi-square test that k groups share one proportion (k×2 homogeneity table).

    Groups run along the last axis; leading axes are independent tables. Groups with zero
    trials are left out (they carry no information) and df = (groups with trials) − 1. The
    statistic is NaN where fewer than two groups have trials or every row is a success (or
    every row a failure). No continuity correction. Accepts weighted counts.
    """
    where = "chi_square_test"
    x, n = _check_counts(successes, trials, where)
    if x.ndim == 0 or x.shape[-1] < 2:
        raise StatsInputError(f"{where}: pass counts for at least two groups along the last axis")
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = x.sum(axis=-1, keepdims=True) / n.sum(axis=-1, keepdims=True)
        # Σ_g (x_g − n_g p)² / (n_g p (1 − p)) is Pearson's X² summed over both columns.
        terms = (x - n * pooled) ** 2 / (n * pooled * (1.0 - pooled))
    statistic = np.where(n > 0, terms, 0.0).sum(axis=-1)
    df = (n > 0).sum(axis=-1).astype(np.float64) - 1.0
    pooled = pooled[..., 0]
    degenerate = (df < 1) | ~((pooled > 0) & (pooled < 1))
    statistic = np.where(degenerate, np.nan, statistic)
    df = np.where(df < 1, np.nan, df)
    with np.errstate(invalid="ignore"):
        pvalue = stats.chi2.sf(statistic, np.where(degenerate, 1.0, df))
    return TestResult(
        _as_result(statistic), _as_result(np.where(degenerate, np.nan, pvalue)), "chi_square", df
    )


def _check_pvalues(pvalues: ArrayLike, where: str) -> FloatArray:
    p = np.asarray(pvalues, dtype=np.float64)
    if np.any((p < 0) | (p > 1)):
        raise StatsInputError(f"{where}: p-values must lie in [0, 1]; NaN marks a missing test")
    return p


# Holm and BH are a few lines of sorting; written here so statsmodels stays a test-only
# dependency and so NaN entries (tests that could not be run) are skipped rather than counted.
def _ranked(p: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.intp]]:
    """The flattened p-values, an all-NaN result to fill, and the positions of the tests
    that were run (not NaN), smallest p first (ties in input order)."""
    flat = p.ravel()
    present = np.flatnonzero(~np.isnan(flat))
    order = present[np.argsort(flat[present], kind="stable")]
    return flat, np.full(flat.shape, np.nan), order


def holm_adjust(pvalues: ArrayLike) -> FloatArray:
    """Holm's step-down adjusted p-values (family-wise error control), any array shape.

    NaN entries stay NaN and are not counted among the tests.
    """
    p = _check_pvalues(pvalues, "holm_adjust")
    flat, adjusted, order = _ranked(p)
    m = order.size
    stepped = (m - np.arange(m)) * flat[order]
    adjusted[order] = np.minimum(np.maximum.accumulate(stepped), 1.0)
    return _as_result(adjusted.reshape(p.shape))


def benjamini_hochberg_adjust(pvalues: ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (false discovery rate control), any array shape.

    NaN entries stay NaN and are not counted among the tests.
    """
    p = _check_pvalues(pvalues, "benjamini_hochberg_adjust")
    flat, adjusted, order = _ranked(p)
    m = order.size
    scaled = flat[order] * m / np.arange(1, m + 1)
    adjusted[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return _as_result(adjusted.reshape(p.shape))


def _check_level(value: float, name: str, where: str) -> float:
    level = float(value)
    if not 0.0 < level < 1.0:
        raise StatsInputError(f"{where}: {name} must be strictly between 0 and 1, got {value!r}")
    return level


def _check_probability(values: ArrayLike, name: str, where: str) -> FloatArray:
    p = _as_float_array(values, name, where)
    if np.any((p < 0) | (p > 1)):
        raise StatsInputError(f"{where}: {name} must lie in [0, 1]")
    return p


def _check_sizes(values: ArrayLike, name: str, where: str) -> FloatArray:
    n = _as_float_array(values, name, where)
    if np.any(n < 0):
        raise StatsInputError(f"{where}: {name} must be >= 0")
    return n


def _z_test_power(
    n1: FloatArray, n2: FloatArray, p1: FloatArray, p2: FloatArray, z: float
) -> FloatArray:
    """Normal-approximation power of the two-sided pooled z test (Fleiss, Levin & Paik 2003)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (n1 * p1 + n2 * p2) / (n1 + n2)
        null_se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        alternative_se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        difference = p1 - p2
        power = stats.norm.cdf((difference - z * null_se) / alternative_se) + stats.norm.cdf(
            (-difference - z * null_se) / alternative_se
        )
    # With no sampling variation the test rejects surely if the proportions differ, else never.
    power = np.where(alternative_se == 0, np.where(difference != 0, 1.0, 0.0), power)
    return _as_result(np.where((n1 == 0) | (n2 == 0), np.nan, power))


def power_two_proportions(
    n1: ArrayLike, n2: ArrayLike, p1: ArrayLike, p2: ArrayLike, *, alpha: float = 0.05
) -> FloatArray:
    """Power of the two-sided pooled z test at level alpha when the true rates are p1 and p2.

    Normal approximation (not exact binomial): accurate when every group has about five or more
    expected successes and failures. NaN where a group size is 0.
    """
    where = "power_two_proportions"
    level = _check_level(alpha, "alpha", where)
    sizes1, sizes2, rates1, rates2 = np.broadcast_arrays(
        _check_sizes(n1, "n1", where),
        _check_sizes(n2, "n2", where),
        _check_probability(p1, "p1", where),
        _check_probability(p2, "p2", where),
    )
    return _z_test_power(sizes1, sizes2, rates1, rates2, _two_sided_z(1.0 - level))


def minimum_detectable_difference(
    n1: ArrayLike,
    n2: ArrayLike,
    p_base: ArrayLike,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> FloatArray:
    """Smallest increase d such that a group of n1 at rate p_base + d is told apart from a
    group of n2 at rate p_base with the given power (two-sided pooled z test at level alpha).

    Normal approximation, as in `power_two_proportions`. For a decrease, use the symmetry
    p -> 1 − p: call with 1 − p_base. NaN where no d <= 1 − p_base reaches the power, or where
    a group size is 0.
    """
    where = "minimum_detectable_difference"
    level = _check_level(alpha, "alpha", where)
    target = _check_level(power, "power", where)
    if target <= level:
        raise StatsInputError(f"{where}: power ({power}) must exceed alpha ({alpha})")
    n1_, n2_, base = np.broadcast_arrays(
        _check_sizes(n1, "n1", where),
        _check_sizes(n2, "n2", where),
        _check_probability(p_base, "p_base", where),
    )
    z = _two_sided_z(1.0 - level)

    def shortfall(d: FloatArray, n1_: FloatArray, n2_: FloatArray, base: FloatArray) -> FloatArray:
        return _z_test_power(n1_, n2_, base + d, base, z) - target

    headroom = 1.0 - base
    reachable = shortfall(headroom, n1_, n2_, base) >= 0
    # Where the target is unreachable, search a harmless dummy problem and mask the result.
    safe = (n1_ > 0) & (n2_ > 0) & reachable & (headroom > 0)
    safe_n1 = np.where(safe, n1_, 1e6)
    safe_n2 = np.where(safe, n2_, 1e6)
    safe_base = np.where(safe, base, 0.5)
    result = elementwise.find_root(
        shortfall,
        (np.zeros_like(safe_base), 1.0 - safe_base),
        args=(safe_n1, safe_n2, safe_base),
    )
    return _as_result(np.where(safe, result.x, np.nan))
