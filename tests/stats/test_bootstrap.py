"""Tests for ombud.stats.bootstrap: the oracle is a row bootstrap on the expanded rows."""

from __future__ import annotations

import numpy as np
import pytest

from ombud.stats import bootstrap as bootstrap_module
from ombud.stats.bootstrap import multinomial_bootstrap
from ombud.stats.intervals import StatsInputError

# Cells: (group A not selected, A selected, group B not selected, B selected).
CELL_COUNTS = np.array([240, 60, 380, 120])
GROUP_OF_CELL = np.array([0, 0, 1, 1])
SELECTED_OF_CELL = np.array([0, 1, 0, 1])


def rate_difference(counts: np.ndarray) -> np.ndarray:
    return counts[:, 1] / (counts[:, 0] + counts[:, 1]) - counts[:, 3] / (
        counts[:, 2] + counts[:, 3]
    )


def row_bootstrap_rate_difference(
    rng: np.random.Generator, n_boot: int, stratified: bool
) -> np.ndarray:
    """Resample the expanded rows themselves and compute the metric from the rows."""
    group = np.repeat(GROUP_OF_CELL, CELL_COUNTS)
    selected = np.repeat(SELECTED_OF_CELL, CELL_COUNTS).astype(float)
    if stratified:
        in_a = np.flatnonzero(group == 0)
        in_b = np.flatnonzero(group == 1)
        rows_a = in_a[rng.integers(0, in_a.size, size=(n_boot, in_a.size))]
        rows_b = in_b[rng.integers(0, in_b.size, size=(n_boot, in_b.size))]
        return selected[rows_a].mean(axis=1) - selected[rows_b].mean(axis=1)
    rows = rng.integers(0, group.size, size=(n_boot, group.size))
    is_a = group[rows] == 0
    picked = selected[rows]
    rate_a = (picked * is_a).sum(axis=1) / is_a.sum(axis=1)
    rate_b = (picked * ~is_a).sum(axis=1) / (~is_a).sum(axis=1)
    return rate_a - rate_b


@pytest.mark.parametrize("stratified", [False, True])
def test_cell_bootstrap_matches_row_bootstrap(stratified: bool) -> None:
    """Oracle: a row bootstrap (4,000 resamples of the 800 expanded rows) of the same
    selection-rate difference. Mean within 0.1 SE, SE within 6%, 2.5/50/97.5% quantiles within
    0.25 SE: each about four Monte-Carlo standard errors of the difference of two runs."""
    n_boot = 4000
    cells = multinomial_bootstrap(
        CELL_COUNTS,
        rate_difference,
        n_boot=n_boot,
        seed=1,
        strata=GROUP_OF_CELL if stratified else None,
    )
    rows = row_bootstrap_rate_difference(np.random.default_rng(2), n_boot, stratified)
    se = rows.std(ddof=1)
    assert cells.estimate == pytest.approx(60 / 300 - 120 / 500)
    assert cells.replicates.mean() == pytest.approx(rows.mean(), abs=0.1 * se)
    assert cells.standard_error == pytest.approx(se, rel=0.06)
    quantiles = [0.025, 0.5, 0.975]
    np.testing.assert_allclose(
        np.quantile(cells.replicates, quantiles), np.quantile(rows, quantiles), atol=0.25 * se
    )
    assert (cells.lower, cells.upper) == pytest.approx(
        tuple(np.quantile(cells.replicates, [0.025, 0.975]))
    )


def test_bootstrap_se_matches_binomial_theory() -> None:
    """Oracle: the analytic SE sqrt(p1 q1 / n1 + p2 q2 / n2) of a difference of independent
    proportions, which the stratified (two-sample) bootstrap estimates; to 5%."""
    result = multinomial_bootstrap(
        CELL_COUNTS, rate_difference, n_boot=4000, seed=3, strata=GROUP_OF_CELL
    )
    theory = np.sqrt(0.2 * 0.8 / 300 + 0.24 * 0.76 / 500)
    assert result.standard_error == pytest.approx(theory, rel=0.05)


def test_same_seed_same_replicates_and_generator_accepted() -> None:
    """Oracle: reproducibility contract — equal seeds give identical replicates, a different
    seed does not, and an equally seeded Generator gives the int-seed result."""
    first = multinomial_bootstrap(CELL_COUNTS, rate_difference, n_boot=300, seed=42)
    again = multinomial_bootstrap(CELL_COUNTS, rate_difference, n_boot=300, seed=42)
    other = multinomial_bootstrap(CELL_COUNTS, rate_difference, n_boot=300, seed=43)
    generator = multinomial_bootstrap(
        CELL_COUNTS, rate_difference, n_boot=300, seed=np.random.default_rng(42)
    )
    np.testing.assert_array_equal(first.replicates, again.replicates)
    np.testing.assert_array_equal(first.replicates, generator.replicates)
    assert not np.array_equal(first.replicates, other.replicates)


def test_stratified_resampling_keeps_stratum_sizes_and_total() -> None:
    """Oracle: definition — every resample keeps each stratum's row total (and N) exact."""
    counts = np.array([5, 0, 17, 3, 9, 40, 1, 0, 2])
    strata = np.array([2, 2, 0, 0, 1, 1, 1, 7, 7])

    def stratum_sizes(resampled: np.ndarray) -> np.ndarray:
        return np.column_stack([resampled[:, strata == s].sum(axis=1) for s in (0, 1, 2, 7)])

    result = multinomial_bootstrap(counts, stratum_sizes, n_boot=500, seed=4, strata=strata)
    assert np.all(result.replicates == [20, 50, 5, 2])
    assert result.replicates.shape == (500, 4)


def test_unstratified_resampling_keeps_total_and_empty_cells() -> None:
    """Oracle: definition of multinomial(N, counts / N) — fixed N, empty cells stay empty, and
    each cell's mean count is its original count (to 4 Monte-Carlo SE)."""
    counts = np.array([0, 12, 300, 0, 88])
    result = multinomial_bootstrap(counts, lambda r: r, n_boot=2000, seed=5)
    assert np.all(result.replicates.sum(axis=1) == counts.sum())
    assert np.all(result.replicates[:, [0, 3]] == 0)
    p = counts / counts.sum()
    mc_se = np.sqrt(counts.sum() * p * (1 - p) / 2000)
    assert np.all(np.abs(result.replicates.mean(axis=0) - counts) <= 4 * mc_se + 1e-12)


def test_weights_scale_resampled_counts_by_mean_cell_weight() -> None:
    """Oracle: same seed, same row draws — weighted replicates equal unweighted replicates
    times each cell's mean weight; the estimate uses the given weight sums."""
    counts = np.array([10, 0, 30, 5])
    weights = np.array([25.0, 0.0, 15.0, 12.5])
    plain = multinomial_bootstrap(counts, lambda r: r, n_boot=200, seed=6)
    weighted = multinomial_bootstrap(counts, lambda r: r, n_boot=200, seed=6, weights=weights)
    mean_weight = np.array([2.5, 0.0, 0.5, 2.5])
    np.testing.assert_allclose(weighted.replicates, plain.replicates * mean_weight)
    np.testing.assert_allclose(weighted.estimate, weights)


def test_chunks_bound_memory_and_cover_all_replicates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Oracle: the chunking contract — no call sees more than MAX_CHUNK_ENTRIES entries, and
    the chunks add up to n_boot resamples in one result."""
    monkeypatch.setattr(bootstrap_module, "MAX_CHUNK_ENTRIES", 4 * 64)
    seen: list[tuple[int, ...]] = []

    def record(resampled: np.ndarray) -> np.ndarray:
        seen.append(resampled.shape)
        return resampled.sum(axis=1)

    result = multinomial_bootstrap(CELL_COUNTS, record, n_boot=1000, seed=7)
    chunk_shapes = seen[1:]  # the first call is the point estimate
    assert all(rows * cells <= 4 * 64 for rows, cells in chunk_shapes)
    assert sum(rows for rows, _ in chunk_shapes) == 1000
    assert len(chunk_shapes) == 16
    assert np.all(result.replicates == CELL_COUNTS.sum())


def test_infinite_replicates_give_nan_se_without_warning() -> None:
    """Oracle: the documented contract and a hand count — group B has 1 selected row of 31, so
    about (30/31)^31 = 36% of resamples select nobody there and the ratio is +inf: the upper
    bound is inf, the lower bound finite, the SE NaN, and no RuntimeWarning escapes."""

    def rate_ratio(counts: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return (counts[:, 1] / 150) / (counts[:, 3] / 31)

    result = multinomial_bootstrap(
        [100, 50, 30, 1], rate_ratio, n_boot=2000, seed=8, strata=GROUP_OF_CELL
    )
    share_infinite = np.mean(np.isinf(result.replicates))
    assert share_infinite == pytest.approx((30 / 31) ** 31, abs=0.04)
    assert np.isinf(result.upper)
    assert np.isfinite(result.lower)
    assert np.isnan(result.standard_error)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"counts": [3, -1, 4]}, "non-negative whole"),
        ({"counts": [3, 1.5, 4]}, "non-negative whole"),
        ({"counts": [[3, 1], [4, 2]]}, "1-D"),
        ({"strata": [0, 1]}, "strata"),
        ({"strata": [0.5, 1, 1]}, "strata"),
        ({"weights": [1.0, 2.0]}, "weights"),
        ({"counts": [0, 1, 4], "weights": [1.0, 2.0, 3.0]}, "zero rows"),
        ({"n_boot": 1}, "n_boot"),
        ({"confidence": 1.5}, "confidence"),
        ({"statistic": lambda r: r.sum()}, "statistic returned"),
    ],
)
def test_bad_input_raises_stats_input_error(kwargs: dict[str, object], fragment: str) -> None:
    """Oracle: the documented contract — a one-line StatsInputError naming the problem."""
    arguments: dict[str, object] = {"counts": [3, 1, 4], "statistic": lambda r: r.sum(axis=1)}
    arguments.update(kwargs)
    counts = arguments.pop("counts")
    statistic = arguments.pop("statistic")
    assert callable(statistic)
    with pytest.raises(StatsInputError, match=fragment) as info:
        multinomial_bootstrap(counts, statistic, **arguments)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


@pytest.mark.slow
def test_percentile_interval_coverage_by_simulation() -> None:
    """Oracle: simulation — the stratified 95% percentile interval of a selection-rate
    difference covers the true difference in 93.5–96.5% of 2,000 samples per case (B = 1000)."""
    rng = np.random.default_rng(2026)
    for n1, n2, p1, p2 in [(200, 200, 0.15, 0.1), (1000, 1000, 0.2, 0.3), (300, 1500, 0.5, 0.5)]:
        x1 = rng.binomial(n1, p1, size=2000)
        x2 = rng.binomial(n2, p2, size=2000)
        covered = 0
        for a, b in zip(x1, x2, strict=True):
            result = multinomial_bootstrap(
                [n1 - a, a, n2 - b, b], rate_difference, seed=rng, strata=GROUP_OF_CELL
            )
            covered += bool(result.lower <= p1 - p2 <= result.upper)
        assert 0.935 <= covered / 2000 <= 0.965, (n1, n2, p1, p2, covered / 2000)
