"""Each group against the reference group: closed-form intervals, tests and power.

For one rate compared between two groups, exact or score-based methods beat a bootstrap:
Newcombe's interval for the difference, Katz's log interval for the ratio, the pooled z test
(Fisher's exact test where an expected count is below five), and the power of that test at the
sample sizes at hand, so "no significant gap" always comes with what the audit could have seen.
Adjustment runs over groups × tested metrics within each attribute (Holm for family-wise
error, Benjamini–Hochberg for the false discovery rate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ombud.stats.intervals import katz_ratio_interval, newcombe_difference_interval
from ombud.stats.metrics import RATES, rate_counts, ratio
from ombud.stats.significance import (
    benjamini_hochberg_adjust,
    chi_square_test,
    choose_two_group_test,
    holm_adjust,
    minimum_detectable_difference,
    power_two_proportions,
    two_proportion_ztest,
)

__all__ = ["RATE_METRICS", "add_detectable_difference", "omnibus_tests", "pairwise_comparisons"]

RATE_METRICS = tuple(RATES)


def pairwise_comparisons(
    counts: np.ndarray,
    reference: np.ndarray,
    *,
    tested: tuple[str, ...],
    confidence: float,
    alpha: float,
    power_ratio: float,
    weighted: bool,
) -> pd.DataFrame:
    """One row per (rate metric, group): the group vs its stratum's reference group.

    ``counts`` has one row per group (tp, fp, fn, tn); ``reference`` holds, for each group,
    the row position of its reference group. Every statistic is computed in one vectorized
    call over all metrics and groups.
    """
    others = np.flatnonzero(reference != np.arange(len(counts)))
    parts = [rate_counts(m, counts) for m in RATE_METRICS]
    x = np.concatenate([p[0] for p in parts])
    n = np.concatenate([p[1] for p in parts])
    offset = np.repeat(np.arange(len(RATE_METRICS)) * len(counts), others.size)
    rows1 = np.tile(others, len(RATE_METRICS)) + offset
    rows2 = np.tile(reference[others], len(RATE_METRICS)) + offset
    x1, n1, x2, n2 = x[rows1], n[rows1], x[rows2], n[rows2]
    metric = np.repeat(np.array(RATE_METRICS, dtype=object), others.size)
    is_tested = np.isin(metric, list(tested))
    usable = (n1 > 0) & (n2 > 0)
    p1, p2 = ratio(x1, n1), ratio(x2, n2)
    rate_ratio = ratio(p1, p2)
    d_low, d_up = newcombe_difference_interval(x1, n1, x2, n2, confidence=confidence)
    r_low, r_up = katz_ratio_interval(x1, n1, x2, n2, confidence=confidence)
    stat, pval, method = _test(x1, n1, x2, n2, usable, weighted)
    # Power figures only for tested rates (the others are complements or derived).
    powered = usable & is_tested
    safe_p2 = np.where(powered, np.nan_to_num(p2), 0.5)
    m1, m2 = np.where(powered, n1, 0.0), np.where(powered, n2, 0.0)
    power = power_two_proportions(m1, m2, safe_p2 * power_ratio, safe_p2, alpha=alpha)
    table = pd.DataFrame(
        {
            "row": np.tile(others, len(RATE_METRICS)),
            "reference_row": np.tile(reference[others], len(RATE_METRICS)),
            "metric": metric,
            "value": p1,
            "reference_value": p2,
            "difference": p1 - p2,
            "difference_lower": d_low,
            "difference_upper": d_up,
            "ratio": rate_ratio,
            "ratio_lower": r_low,
            "ratio_upper": r_up,
            "test": np.where(usable, method, ""),
            "statistic": np.where(usable, stat, np.nan),
            "p_value": np.where(usable, pval, np.nan),
            "trials": n1,
            "reference_trials": n2,
            "power_at_ratio": np.where(powered, power, np.nan),
            "tested": is_tested,
        }
    )
    family = np.where(table["tested"], table["p_value"], np.nan)
    table["p_holm"] = holm_adjust(family)
    table["p_bh"] = benjamini_hochberg_adjust(family)
    return table


def add_detectable_difference(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Add ``mde``: the smallest increase over the reference rate the test detects with 80%
    power at these sizes. One call for the whole table: the root search costs per call, not
    per element."""
    powered = (table["power_at_ratio"].notna()).to_numpy()
    mde = np.full(len(table), np.nan)
    if powered.any():
        mde[powered] = minimum_detectable_difference(
            table["trials"].to_numpy(float)[powered],
            table["reference_trials"].to_numpy(float)[powered],
            table["reference_value"].to_numpy(float)[powered],
            alpha=alpha,
        )
    out = table.copy()
    out.insert(list(out.columns).index("power_at_ratio"), "mde", mde)
    return out


def _test(
    x1: np.ndarray,
    n1: np.ndarray,
    x2: np.ndarray,
    n2: np.ndarray,
    usable: np.ndarray,
    weighted: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stat = np.full(x1.shape, np.nan)
    pval = np.full(x1.shape, np.nan)
    method = np.full(x1.shape, "", dtype=object)
    if not usable.any():
        return stat, pval, method
    args = (x1[usable], n1[usable], x2[usable], n2[usable])
    if weighted:
        # Fisher's test needs whole counts; weighted totals get the z test (approximate).
        result = two_proportion_ztest(*args)
        labels = np.full(int(usable.sum()), "z (weighted counts)", dtype=object)
    else:
        result = choose_two_group_test(*args)
        # The same rule choose_two_group_test applies, to name each element's own test.
        small = _small_expected(*args)
        labels = np.where(small, "fisher_exact", "two_proportion_ztest").astype(object)
    stat[usable], pval[usable], method[usable] = result.statistic, result.pvalue, labels
    return stat, pval, method


def _small_expected(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    total, succ = n1 + n2, x1 + x2
    with np.errstate(divide="ignore", invalid="ignore"):
        smallest = np.minimum(n1, n2) * np.minimum(succ, total - succ) / total
    return np.asarray(smallest < 5.0)


def omnibus_tests(counts: np.ndarray, strata: np.ndarray) -> pd.DataFrame:
    """Chi-square test of homogeneity across all groups, per stratum and rate metric."""
    frames = []
    for s in np.unique(strata):
        part = counts[strata == s]
        if len(part) < 2:
            continue
        pairs = [rate_counts(m, part) for m in RATE_METRICS]
        x = np.stack([p[0] for p in pairs])
        n = np.stack([p[1] for p in pairs])
        result = chi_square_test(x, n)  # one table per metric, groups along the last axis
        df = result.df if result.df is not None else np.full(len(RATE_METRICS), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "stratum": int(s),
                    "metric": RATE_METRICS,
                    "groups": (n > 0).sum(axis=1),
                    "chi2": result.statistic,
                    "df": df,
                    "p_value": result.pvalue,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["stratum", "metric", "groups", "chi2", "df", "p_value"])
    return pd.concat(frames, ignore_index=True)
