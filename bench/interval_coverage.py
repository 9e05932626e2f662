"""Coverage of Ombud's 95% intervals by simulation, printed as a table.

A gate that relies on an interval is only as honest as the interval's coverage. This script
draws binomial samples from known proportions and counts how often each interval contains the
truth: Wilson (one proportion; also its exact coverage by summing binomial probabilities),
Newcombe (difference), Katz (ratio) and the stratified multinomial bootstrap percentile interval
(difference and ratio of two selection rates).

Run: python bench/interval_coverage.py [--sims 4000] [--boot-sims 2000] [--n-boot 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

from ombud.stats.bootstrap import multinomial_bootstrap
from ombud.stats.intervals import katz_ratio_interval, newcombe_difference_interval, wilson_interval

SINGLE_GRID = [(n, p) for n in (200, 500, 1000, 2000) for p in (0.1, 0.2, 0.3, 0.5)]
PAIR_GRID = [
    (n1, n2, p1, p2)
    for n1, n2 in ((200, 200), (500, 500), (2000, 2000), (200, 2000))
    for p1, p2 in ((0.1, 0.1), (0.15, 0.1), (0.2, 0.3), (0.4, 0.5))
]
BOOT_GRID = [
    (n1, n2, p1, p2)
    for n1, n2 in ((200, 200), (1000, 1000), (300, 1500))
    for p1, p2 in ((0.15, 0.1), (0.2, 0.3), (0.5, 0.5))
]


def wilson_exact_coverage(n: int, p: float) -> float:
    """Exact coverage: the binomial probability of the x whose interval contains p."""
    x = np.arange(n + 1)
    lower, upper = wilson_interval(x, n)
    return float(stats.binom.pmf(x, n, p)[(lower <= p) & (p <= upper)].sum())


def single_rows(rng: np.random.Generator, sims: int) -> list[str]:
    rows = []
    for n, p in SINGLE_GRID:
        x = rng.binomial(n, p, size=sims)
        lower, upper = wilson_interval(x, n)
        simulated = np.mean((lower <= p) & (p <= upper))
        exact = wilson_exact_coverage(n, p)
        rows.append(
            f"wilson      n={n:<5d} p={p:<4}               {simulated:7.2%}  exact {exact:.2%}"
        )
    return rows


def pair_rows(rng: np.random.Generator, sims: int) -> list[str]:
    rows = []
    for n1, n2, p1, p2 in PAIR_GRID:
        x1 = rng.binomial(n1, p1, size=sims)
        x2 = rng.binomial(n2, p2, size=sims)
        low_d, upp_d = newcombe_difference_interval(x1, n1, x2, n2)
        low_r, upp_r = katz_ratio_interval(x1, n1, x2, n2)
        diff = np.mean((low_d <= p1 - p2) & (p1 - p2 <= upp_d))
        ratio = np.mean((low_r <= p1 / p2) & (p1 / p2 <= upp_r))
        case = f"n={n1}/{n2} p={p1}/{p2}"
        rows.append(f"newcombe    {case:<33s} {diff:7.2%}")
        rows.append(f"katz        {case:<33s} {ratio:7.2%}")
    return rows


def rate_difference_and_ratio(counts: np.ndarray) -> np.ndarray:
    """Cells are (group 1 not selected, selected, group 2 not selected, selected)."""
    rate1 = counts[:, 1] / (counts[:, 0] + counts[:, 1])
    rate2 = counts[:, 3] / (counts[:, 2] + counts[:, 3])
    with np.errstate(divide="ignore", invalid="ignore"):  # a resample may select nobody
        return np.column_stack([rate1 - rate2, rate1 / rate2])


def bootstrap_rows(rng: np.random.Generator, sims: int, n_boot: int) -> list[str]:
    rows = []
    for n1, n2, p1, p2 in BOOT_GRID:
        truth = np.array([p1 - p2, p1 / p2])
        covered = np.zeros(2)
        x1 = rng.binomial(n1, p1, size=sims)
        x2 = rng.binomial(n2, p2, size=sims)
        for i in range(sims):
            result = multinomial_bootstrap(
                [n1 - x1[i], x1[i], n2 - x2[i], x2[i]],
                rate_difference_and_ratio,
                n_boot=n_boot,
                seed=rng,
                strata=[0, 0, 1, 1],
            )
            covered += (result.lower <= truth) & (truth <= result.upper)
        case = f"n={n1}/{n2} p={p1}/{p2}"
        rows.append(f"boot diff   {case:<33s} {covered[0] / sims:7.2%}")
        rows.append(f"boot ratio  {case:<33s} {covered[1] / sims:7.2%}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=4000, help="samples per closed-form case")
    parser.add_argument("--boot-sims", type=int, default=2000, help="samples per bootstrap case")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    print(f"95% intervals; {args.sims} samples per closed-form case, {args.boot_sims} per")
    print(f"bootstrap case (B = {args.n_boot}); Monte-Carlo SE about 0.3-0.5 points.")
    print(f"{'interval':<11s} {'case':<33s} {'coverage':>8s}")
    for row in single_rows(rng, args.sims) + pair_rows(rng, args.sims):
        print(row)
    for row in bootstrap_rows(rng, args.boot_sims, args.n_boot):
        print(row, flush=True)
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
