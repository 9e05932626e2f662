"""Tests for ombud.stats.significance: oracles are statsmodels, scipy and simulation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportions_ztest

from ombud.stats.intervals import StatsInputError
from ombud.stats.significance import (
    TestResult,
    benjamini_hochberg_adjust,
    chi_square_test,
    choose_two_group_test,
    fisher_exact_test,
    holm_adjust,
    minimum_detectable_difference,
    power_two_proportions,
    two_proportion_ztest,
)

# statsmodels names the one-sided alternatives after p1 − p2 being "larger"/"smaller".
STATSMODELS_ALTERNATIVE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


def two_groups(size: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    n1 = rng.integers(20, 2000, size=size)
    n2 = rng.integers(20, 2000, size=size)
    p = rng.uniform(0.05, 0.95, size=size)
    return (
        rng.binomial(n1, p),
        n1,
        rng.binomial(n2, p + rng.normal(0, 0.03, size).clip(-p, 1 - p)),
        n2,
    )


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_ztest_matches_statsmodels(alternative: str) -> None:
    """Oracle: statsmodels proportions_ztest (pooled variance, value 0) per table."""
    x1, n1, x2, n2 = two_groups(60, seed=5)
    result = two_proportion_ztest(x1, n1, x2, n2, alternative=alternative)  # type: ignore[arg-type]
    for i in range(x1.size):
        z, p = proportions_ztest(
            [x1[i], x2[i]], [n1[i], n2[i]], alternative=STATSMODELS_ALTERNATIVE[alternative]
        )
        assert result.statistic[i] == pytest.approx(z, rel=1e-10)
        assert result.pvalue[i] == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert result.method == "two_proportion_ztest"


def test_ztest_without_variation_or_trials_is_nan() -> None:
    """Oracle: definition — a pooled proportion of 0 or 1, or an empty group, has no z."""
    result = two_proportion_ztest([0, 5, 0], [10, 5, 0], [0, 8, 3], [12, 8, 4])
    assert np.all(np.isnan(result.statistic))
    assert np.all(np.isnan(result.pvalue))


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_fisher_matches_scipy(alternative: str) -> None:
    """Oracle: scipy.stats.fisher_exact on each 2x2 table."""
    x1 = np.array([3, 0, 7, 1, 12])
    n1 = np.array([5, 9, 10, 20, 15])
    x2 = np.array([0, 4, 2, 1, 3])
    n2 = np.array([4, 6, 12, 25, 11])
    result = fisher_exact_test(x1, n1, x2, n2, alternative=alternative)  # type: ignore[arg-type]
    for i in range(x1.size):
        table = [[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]
        expected = stats.fisher_exact(table, alternative=alternative)
        assert result.pvalue[i] == pytest.approx(expected.pvalue, rel=1e-12)
        assert result.statistic[i] == expected.statistic or (
            np.isinf(result.statistic[i]) and np.isinf(expected.statistic)
        )


def test_fisher_refuses_weighted_counts_and_nan_for_empty_group() -> None:
    """Oracle: the documented contract (integers only; no test without trials)."""
    with pytest.raises(StatsInputError, match="integer counts"):
        fisher_exact_test(2.5, 10, 3, 10)
    result = fisher_exact_test(0, 0, 3, 10)
    assert np.isnan(result.pvalue)


def test_choose_uses_fisher_for_small_expected_counts() -> None:
    """Oracle: Cochran's rule computed by hand (scipy's expected frequencies), scipy and
    statsmodels for the chosen tests."""
    x1 = np.array([3, 56, 2])
    n1 = np.array([6, 70, 200])
    x2 = np.array([1, 48, 9])
    n2 = np.array([7, 80, 210])
    result = choose_two_group_test(x1, n1, x2, n2)
    small = []
    for i in range(3):
        table = np.array([[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]])
        small.append(stats.contingency.expected_freq(table).min() < 5)
    assert small == [True, False, False]
    fisher = stats.fisher_exact([[3, 3], [1, 6]])
    assert result.pvalue[0] == pytest.approx(fisher.pvalue, rel=1e-12)
    assert result.pvalue[1] == pytest.approx(proportions_ztest([56, 48], [70, 80])[1], rel=1e-9)
    assert "fisher_exact" in result.method
    assert "two_proportion_ztest" in result.method
    assert choose_two_group_test(3, 6, 1, 7).method == "fisher_exact"
    assert choose_two_group_test(56, 70, 48, 80).method == "two_proportion_ztest"


def test_chi_square_matches_scipy() -> None:
    """Oracle: scipy.stats.chi2_contingency(correction=False) on each k×2 table."""
    rng = np.random.default_rng(8)
    trials = rng.integers(30, 500, size=(20, 4))
    successes = rng.binomial(trials, rng.uniform(0.1, 0.6, size=(20, 1)))
    result = chi_square_test(successes, trials)
    assert result.df is not None
    for row in range(20):
        table = np.column_stack([successes[row], trials[row] - successes[row]])
        expected = stats.chi2_contingency(table, correction=False)
        assert result.statistic[row] == pytest.approx(expected.statistic, rel=1e-10)
        assert result.pvalue[row] == pytest.approx(expected.pvalue, rel=1e-9)
        assert result.df[row] == expected.dof


def test_chi_square_drops_empty_groups_and_flags_degenerate_tables() -> None:
    """Oracle: scipy on the table without the empty group; NaN when nothing varies."""
    result = chi_square_test(
        [[10, 0, 30], [0, 0, 0], [4, 0, 0]], [[50, 0, 70], [9, 9, 0], [4, 0, 0]]
    )
    expected = stats.chi2_contingency([[10, 40], [30, 40]], correction=False)
    assert result.statistic[0] == pytest.approx(expected.statistic, rel=1e-10)
    assert result.df is not None
    assert result.df[0] == 1
    assert np.isnan(result.statistic[1])
    assert np.isnan(result.pvalue[2])
    with pytest.raises(StatsInputError, match="two groups"):
        chi_square_test([3], [5])


def test_two_groups_chi_square_equals_z_squared() -> None:
    """Oracle: the algebraic identity X² = z² for a 2×2 table (pooled z test)."""
    x1, n1, x2, n2 = two_groups(30, seed=9)
    chi = chi_square_test(np.column_stack([x1, x2]), np.column_stack([n1, n2]))
    z = two_proportion_ztest(x1, n1, x2, n2)
    np.testing.assert_allclose(chi.statistic, z.statistic**2, rtol=1e-10)
    np.testing.assert_allclose(chi.pvalue, z.pvalue, rtol=1e-8)


@pytest.mark.parametrize(
    ("ours", "method"), [(holm_adjust, "holm"), (benjamini_hochberg_adjust, "fdr_bh")]
)
def test_adjustments_match_statsmodels_and_skip_nan(ours: object, method: str) -> None:
    """Oracle: statsmodels multipletests on the non-NaN p-values."""
    rng = np.random.default_rng(10)
    pvalues = np.concatenate([rng.uniform(0, 1, 40), rng.uniform(0, 0.01, 10), [0.0, 1.0]])
    pvalues[[3, 17, 44]] = np.nan
    adjusted = ours(pvalues.reshape(13, 4)).ravel()  # type: ignore[operator]
    present = ~np.isnan(pvalues)
    expected = multipletests(pvalues[present], method=method)[1]
    np.testing.assert_allclose(adjusted[present], expected, rtol=1e-12)
    assert np.all(np.isnan(adjusted[~present]))


@given(st.lists(st.floats(0, 1) | st.just(float("nan")), min_size=1, max_size=40))
def test_adjusted_pvalues_are_monotone_and_bounded(pvalues: list[float]) -> None:
    """Property: p <= BH <= Holm <= 1, and adjustment preserves the order of p-values."""
    p = np.array(pvalues)
    holm = holm_adjust(p)
    bh = benjamini_hochberg_adjust(p)
    present = ~np.isnan(p)
    assert np.array_equal(np.isnan(holm), ~present)
    assert np.all(p[present] <= bh[present] + 1e-15)
    assert np.all(bh[present] <= holm[present] + 1e-15)
    assert np.all(holm[present] <= 1.0)
    order = np.argsort(p[present], kind="stable")
    assert np.all(np.diff(holm[present][order]) >= -1e-15)
    assert np.all(np.diff(bh[present][order]) >= -1e-15)


def test_power_agrees_with_statsmodels_cohens_h() -> None:
    """Oracle: statsmodels NormalIndPower with Cohen's h (arcsine approximation). The two
    normal approximations differ slightly by design, so agreement is to 0.02."""
    n1 = np.array([100, 300, 500, 1000, 2000])
    n2 = np.array([150, 300, 400, 1000, 800])
    p1 = np.array([0.3, 0.12, 0.38, 0.5, 0.22])
    p2 = np.array([0.15, 0.08, 0.3, 0.45, 0.2])
    ours = power_two_proportions(n1, n2, p1, p2)
    h = 2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2))
    theirs = [
        NormalIndPower().power(h[i], nobs1=n1[i], alpha=0.05, ratio=n2[i] / n1[i]) for i in range(5)
    ]
    np.testing.assert_allclose(ours, theirs, atol=0.02)


def test_power_matches_simulated_rejection_rate() -> None:
    """Oracle: simulation — rejection rate of our z test over 20,000 binomial samples per case
    (Monte-Carlo SE <= 0.0035; tolerance 0.015 covers it plus the approximation error)."""
    rng = np.random.default_rng(11)
    cases = [(400, 400, 0.3, 0.38), (1000, 600, 0.1, 0.13), (250, 900, 0.5, 0.42)]
    for n1, n2, p1, p2 in cases:
        x1 = rng.binomial(n1, p1, size=20_000)
        x2 = rng.binomial(n2, p2, size=20_000)
        simulated = np.mean(two_proportion_ztest(x1, n1, x2, n2).pvalue < 0.05)
        assert power_two_proportions(n1, n2, p1, p2) == pytest.approx(simulated, abs=0.015)


def test_minimum_detectable_difference_matches_statsmodels_solve_power() -> None:
    """Oracle: NormalIndPower.solve_power for Cohen's h, mapped back to a rate above p_base;
    to 0.005 (different normal approximations), and exactly our own power at the answer."""
    n1 = np.array([200, 500, 1500])
    n2 = np.array([200, 1000, 1500])
    base = np.array([0.2, 0.3, 0.5])
    ours = minimum_detectable_difference(n1, n2, base, power=0.8)
    for i in range(3):
        h = NormalIndPower().solve_power(
            nobs1=n1[i], ratio=n2[i] / n1[i], alpha=0.05, power=0.8, alternative="two-sided"
        )
        theirs = np.sin(h / 2 + np.arcsin(np.sqrt(base[i]))) ** 2 - base[i]
        assert ours[i] == pytest.approx(theirs, abs=0.005)
    np.testing.assert_allclose(power_two_proportions(n1, n2, base + ours, base), 0.8, atol=1e-6)


def test_minimum_detectable_difference_unreachable_is_nan() -> None:
    """Oracle: definition — with 5 rows per group, or p_base = 1, no increase reaches 80%."""
    result = minimum_detectable_difference([5, 500], [5, 500], [0.5, 1.0])
    assert np.all(np.isnan(result))
    with pytest.raises(StatsInputError, match="exceed alpha"):
        minimum_detectable_difference(100, 100, 0.3, alpha=0.5, power=0.4)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: two_proportion_ztest(1, 5, 2, 5, alternative="bigger"), "alternative"),  # type: ignore[arg-type]
        (lambda: two_proportion_ztest(6, 5, 2, 5), "exceeds"),
        (lambda: holm_adjust([0.2, 1.3]), "p-values"),
        (lambda: power_two_proportions(100, 100, 1.2, 0.3), "p1"),
        (lambda: power_two_proportions(-1, 100, 0.2, 0.3), "n1"),
        (lambda: minimum_detectable_difference(100, 100, 0.3, alpha=0.0), "alpha"),
    ],
)
def test_bad_input_raises_stats_input_error(call: Callable[[], object], fragment: str) -> None:
    """Oracle: the documented contract — one-line StatsInputError naming the problem."""
    with pytest.raises(StatsInputError, match=fragment) as info:
        call()
    assert "\n" not in str(info.value)


def test_result_is_frozen_and_scalar_input_gives_zero_d_arrays() -> None:
    """Oracle: the API contract (frozen dataclass, 0-d float64 arrays)."""
    result = two_proportion_ztest(56, 70, 48, 80)
    assert isinstance(result, TestResult)
    assert result.statistic.shape == ()
    assert result.pvalue.dtype == np.float64
    with pytest.raises(AttributeError):
        result.method = "other"  # type: ignore[misc]
