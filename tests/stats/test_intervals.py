"""Tests for ombud.stats.intervals: oracles are statsmodels and published tables."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from ombud.stats.intervals import (
    StatsInputError,
    clopper_pearson_interval,
    katz_ratio_interval,
    newcombe_difference_interval,
    wilson_interval,
)

RNG_SEED = 20261126


def random_counts(size: int, seed: int = RNG_SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    trials = rng.integers(1, 3000, size=size)
    successes = rng.binomial(trials, rng.uniform(0, 1, size=size))
    return successes, trials


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(confidence: float) -> None:
    """Oracle: statsmodels proportion_confint(method="wilson") on 500 random count pairs."""
    x, n = random_counts(500)
    lower, upper = wilson_interval(x, n, confidence=confidence)
    expected = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    np.testing.assert_allclose(lower, expected[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(upper, expected[1], rtol=1e-10, atol=1e-12)


def test_wilson_matches_newcombe_1998_table() -> None:
    """Oracle: Newcombe (1998a, Stat Med 17:857) Table I, Wilson score method, 4 decimals."""
    x = [81, 15, 0, 1]
    n = [263, 148, 20, 29]
    published = [(0.2553, 0.3662), (0.0624, 0.1605), (0.0000, 0.1611), (0.0061, 0.1718)]
    lower, upper = wilson_interval(x, n)
    np.testing.assert_allclose(lower, [p[0] for p in published], atol=5e-5)
    np.testing.assert_allclose(upper, [p[1] for p in published], atol=5e-5)


def test_wilson_accepts_weighted_counts() -> None:
    """Oracle: statsmodels' Wilson formula evaluated on the same non-integer counts."""
    x = np.array([12.25, 0.5, 40.0])
    n = np.array([30.5, 7.75, 40.0])
    expected = proportion_confint(x, n, method="wilson")
    np.testing.assert_allclose(wilson_interval(x, n), expected, rtol=1e-10)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_clopper_pearson_matches_statsmodels(confidence: float) -> None:
    """Oracle: statsmodels proportion_confint(method="beta"), including x = 0 and x = n."""
    x, n = random_counts(300)
    x = np.concatenate([x, [0, 7, 0]])
    n = np.concatenate([n, [15, 7, 1]])
    lower, upper = clopper_pearson_interval(x, n, confidence=confidence)
    expected = proportion_confint(x, n, alpha=1 - confidence, method="beta")
    np.testing.assert_allclose(lower, expected[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(upper, expected[1], rtol=1e-9, atol=1e-12)


def test_newcombe_matches_statsmodels() -> None:
    """Oracle: statsmodels confint_proportions_2indep(compare="diff", method="newcomb")."""
    x1, n1 = random_counts(200, seed=1)
    x2, n2 = random_counts(200, seed=2)
    lower, upper = newcombe_difference_interval(x1, n1, x2, n2, confidence=0.9)
    expected = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", alpha=0.1)
    np.testing.assert_allclose(lower, expected[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(upper, expected[1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("counts", "published"),
    [
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
        ((0, 10, 0, 10), (-0.2775, 0.2775)),
        ((10, 10, 0, 20), (0.6791, 1.0000)),
        ((10, 10, 0, 10), (0.6075, 1.0000)),
    ],
)
def test_newcombe_matches_newcombe_1998_table(
    counts: tuple[int, int, int, int], published: tuple[float, float]
) -> None:
    """Oracle: Newcombe (1998b, Stat Med 17:873) Table II, method 10, 4 decimals."""
    lower, upper = newcombe_difference_interval(*counts)
    assert lower == pytest.approx(published[0], abs=5e-5)
    assert upper == pytest.approx(published[1], abs=5e-5)


def test_katz_matches_statsmodels_log_method() -> None:
    """Oracle: statsmodels confint_proportions_2indep(compare="ratio", method="log").

    statsmodels' "log" is the unadjusted Katz interval; cells here are all non-zero.
    """
    x1, n1 = random_counts(200, seed=3)
    x2, n2 = random_counts(200, seed=4)
    x1, x2 = np.maximum(x1, 1), np.maximum(x2, 1)
    lower, upper = katz_ratio_interval(x1, n1, x2, n2)
    expected = confint_proportions_2indep(x1, n1, x2, n2, compare="ratio", method="log")
    np.testing.assert_allclose(lower, expected[0], rtol=1e-9)
    np.testing.assert_allclose(upper, expected[1], rtol=1e-9)


def test_katz_zero_cells_use_the_documented_half_correction() -> None:
    """Oracle: statsmodels method="log-adjusted" (0.5 added to x and n), which is our rule
    where a success count is zero; non-zero rows must stay unadjusted ("log")."""
    x1 = np.array([0, 4, 0, 30])
    n1 = np.array([50, 60, 40, 100])
    x2 = np.array([12, 0, 0, 20])
    n2 = np.array([50, 70, 45, 90])
    lower, upper = katz_ratio_interval(x1, n1, x2, n2)
    zero = (x1 == 0) | (x2 == 0)
    adjusted = confint_proportions_2indep(x1, n1, x2, n2, compare="ratio", method="log-adjusted")
    np.testing.assert_allclose(lower[zero], adjusted[0][zero], rtol=1e-9)
    np.testing.assert_allclose(upper[zero], adjusted[1][zero], rtol=1e-9)
    plain = confint_proportions_2indep(30, 100, 20, 90, compare="ratio", method="log")
    assert (lower[3], upper[3]) == pytest.approx(plain, rel=1e-9)
    assert np.all(np.isfinite(lower))
    assert np.all(lower > 0)


def test_empty_groups_give_nan() -> None:
    """Oracle: definition (no trials, no estimate) — NaN bounds, and no warning is raised."""
    for lower, upper in (
        wilson_interval([0, 3], [0, 5]),
        clopper_pearson_interval([0, 3], [0, 5]),
        newcombe_difference_interval([0, 3], [0, 5], 2, 4),
        katz_ratio_interval([0, 3], [0, 5], 2, 4),
    ):
        assert np.isnan(lower[0])
        assert np.isnan(upper[0])
        assert np.isfinite(lower[1])
        assert np.isfinite(upper[1])
    lower, upper = newcombe_difference_interval(3, 5, 0, 0)
    assert np.isnan(lower)
    assert np.isnan(upper)


def test_shapes_broadcast_and_scalars_give_zero_d_arrays() -> None:
    """Oracle: numpy broadcasting rules; scalar input returns 0-d float64 arrays."""
    lower, upper = wilson_interval(np.array([[1], [2]]), np.array([10, 20, 30]))
    assert lower.shape == upper.shape == (2, 3)
    for function in (wilson_interval, clopper_pearson_interval):
        low, _ = function(3, 10)
        assert isinstance(low, np.ndarray)
        assert low.shape == ()
        assert low.dtype == np.float64
    for two_group in (newcombe_difference_interval, katz_ratio_interval):
        low, _ = two_group(3, 10, 4, 12)
        assert isinstance(low, np.ndarray)
        assert low.shape == ()
        assert low.dtype == np.float64


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: wilson_interval(-1, 10), "negative"),
        (lambda: wilson_interval(11, 10), "exceeds"),
        (lambda: wilson_interval(1, 10, confidence=1.0), "confidence"),
        (lambda: clopper_pearson_interval(1, 10, confidence=0.0), "confidence"),
        (lambda: newcombe_difference_interval(1, 10, 5, 4), "successes2 exceeds trials2"),
        (lambda: katz_ratio_interval(1, 10, 1, -4), "negative"),
        (lambda: wilson_interval(np.nan, 10), "NaN"),
        (lambda: wilson_interval([1, 2], [3, 4, 5]), "broadcast"),
    ],
)
def test_bad_input_raises_one_line_stats_input_error(
    call: Callable[[], object], fragment: str
) -> None:
    """Oracle: the documented contract — StatsInputError (a ValueError), one line, says what."""
    with pytest.raises(StatsInputError, match=fragment) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


counts = st.integers(0, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
positive_counts = st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
levels = st.floats(0.5, 0.999)


@given(counts=positive_counts, confidence=levels)
def test_single_proportion_intervals_are_ordered_and_contain_estimate(
    counts: tuple[int, int], confidence: float
) -> None:
    """Property: 0 <= lower <= x/n <= upper <= 1 for Wilson and Clopper–Pearson."""
    x, n = counts
    for function in (wilson_interval, clopper_pearson_interval):
        lower, upper = function(x, n, confidence=confidence)
        assert 0.0 <= lower <= x / n + 1e-12
        assert x / n - 1e-12 <= upper <= 1.0


@given(first=positive_counts, second=positive_counts, confidence=levels)
def test_difference_interval_contains_estimate(
    first: tuple[int, int], second: tuple[int, int], confidence: float
) -> None:
    """Property: −1 <= lower <= p1 − p2 <= upper <= 1 for Newcombe's interval."""
    difference = first[0] / first[1] - second[0] / second[1]
    lower, upper = newcombe_difference_interval(*first, *second, confidence=confidence)
    assert -1.0 - 1e-12 <= lower <= difference + 1e-12
    assert difference - 1e-12 <= upper <= 1.0 + 1e-12


@given(first=positive_counts, second=positive_counts, confidence=levels)
def test_ratio_interval_contains_estimate_without_zero_cells(
    first: tuple[int, int], second: tuple[int, int], confidence: float
) -> None:
    """Property: 0 < lower <= p1 / p2 <= upper for Katz when both success counts are > 0."""
    x1, x2 = max(first[0], 1), max(second[0], 1)
    ratio = (x1 / first[1]) / (x2 / second[1])
    lower, upper = katz_ratio_interval(x1, first[1], x2, second[1], confidence=confidence)
    assert 0.0 < lower <= ratio * (1 + 1e-12)
    assert ratio * (1 - 1e-12) <= upper


@given(first=counts, second=positive_counts, low=levels, high=levels)
def test_intervals_widen_with_confidence(
    first: tuple[int, int], second: tuple[int, int], low: float, high: float
) -> None:
    """Property: a higher confidence level gives a nested (never narrower) interval."""
    low, high = min(low, high), max(low, high)
    for function, args in (
        (wilson_interval, (*first,)),
        (clopper_pearson_interval, (*first,)),
        (newcombe_difference_interval, (*first, *second)),
        (katz_ratio_interval, (*first, *second)),
    ):
        narrow = function(*args, confidence=low)
        wide = function(*args, confidence=high)
        if np.isnan(narrow[0]):
            assert np.isnan(wide[0])
            continue
        assert wide[0] <= narrow[0] * (1 + 1e-12) + 1e-12
        assert wide[1] >= narrow[1] * (1 - 1e-12) - 1e-12


@pytest.mark.slow
def test_wilson_coverage_by_simulation() -> None:
    """Oracle: simulation — 95% Wilson intervals cover the true p in 93.5–96.5% of 4,000
    binomial samples for each n in {200, 500, 2000} and p in {0.1, 0.3, 0.5}."""
    rng = np.random.default_rng(RNG_SEED)
    for n in (200, 500, 2000):
        for p in (0.1, 0.3, 0.5):
            lower, upper = wilson_interval(rng.binomial(n, p, size=4000), n)
            coverage = np.mean((lower <= p) & (p <= upper))
            assert 0.935 <= coverage <= 0.965, (n, p, coverage)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("n1", "n2", "p1", "p2"),
    [
        (200, 200, 0.1, 0.1),
        (200, 200, 0.15, 0.1),
        (500, 500, 0.2, 0.3),
        (2000, 2000, 0.4, 0.5),
        (200, 2000, 0.15, 0.1),
        (300, 1000, 0.5, 0.4),
    ],
)
def test_difference_and_ratio_coverage_by_simulation(
    n1: int, n2: int, p1: float, p2: float
) -> None:
    """Oracle: simulation — 95% Newcombe (p1 − p2) and Katz (p1 / p2) intervals cover the truth
    in 93.5–96.5% of 4,000 pairs of binomial samples."""
    rng = np.random.default_rng(RNG_SEED + n1 + n2)
    x1 = rng.binomial(n1, p1, size=4000)
    x2 = rng.binomial(n2, p2, size=4000)
    low_d, upp_d = newcombe_difference_interval(x1, n1, x2, n2)
    low_r, upp_r = katz_ratio_interval(x1, n1, x2, n2)
    assert 0.935 <= np.mean((low_d <= p1 - p2) & (p1 - p2 <= upp_d)) <= 0.965
    assert 0.935 <= np.mean((low_r <= p1 / p2) & (p1 / p2 <= upp_r)) <= 0.965
