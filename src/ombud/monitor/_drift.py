"""Drift statistics computed from two windows' histograms or frequency tables alone.

Each statistic returns an effect size and a test, so an alert can demand both: with a million
rows a chi-square test rejects for a shift nobody cares about, and with fifty rows a large PSI is
noise. Counts are of present (non-missing) values; the missing share is tested separately.

- PSI (population stability index): Σ (q−p)·ln(q/p), empty bins smoothed by ``eps``; its test
  uses PSI / (1/N + 1/M) ≈ χ²(B−1) under equal distributions (Yurdakul 2018).
- Jensen–Shannon distance (base 2, in [0, 1]) with the G-test of homogeneity, whose statistic is
  2·(N+M)·JS-divergence (in nats) with the two samples weighted by their sizes.
- Wasserstein-1 on bin midpoints; the binning moves each value by at most half its bin width,
  so |W1(rows) − W1(bins)| ≤ ½ Σ (p_i + q_i)·width_i (reported as ``bound``). The under/overflow
  bins span from the observed min / to the observed max of both windows.
- Kolmogorov–Smirnov: the empirical CDFs are known exactly at the bin edges, so the largest gap
  there (``value``) is a lower bound of the row-level D and the largest gap the CDFs could reach
  inside a bin is an upper bound (``lower``/``upper``). The lower bound is the exact D when every
  value sits on the left edge of its bin (an integer feature whose edges are integers); the
  p-value uses the lower bound, so it is conservative (it can only miss drift, not invent it).
- Pearson chi-square test of homogeneity for categorical tables, effect size Cramér's V.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from ombud.monitor._features import CategoricalSummary, NumericSummary, Summary
from ombud.monitor._spec import Feature, NumericFeature

FloatArray = NDArray[np.float64]
PSI_EPS = 1e-4


@dataclass(frozen=True)
class DriftResult:
    """One statistic: effect size ``value``, its test's p-value, and bounds where binned."""

    statistic: str
    value: float
    pvalue: float
    test: str
    lower: float | None = None
    upper: float | None = None
    bound: float | None = None
    note: str = ""


def _pair(reference: ArrayLike, current: ArrayLike) -> tuple[FloatArray, FloatArray]:
    p = np.asarray(reference, dtype=float)
    q = np.asarray(current, dtype=float)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"histograms must be 1-d and alike; got {p.shape} and {q.shape}")
    if (p < 0).any() or (q < 0).any():
        raise ValueError("histogram counts must be non-negative")
    return p, q


def _nan(statistic: str, test: str, note: str) -> DriftResult:
    return DriftResult(statistic, math.nan, math.nan, test, note=note)


def _empty(p: FloatArray, q: FloatArray) -> str:
    if p.sum() == 0:
        return "the reference has no values"
    if q.sum() == 0:
        return "the window has no values"
    return ""


def psi(reference: ArrayLike, current: ArrayLike, *, eps: float = PSI_EPS) -> DriftResult:
    """Population stability index; proportions below ``eps`` are raised to ``eps``."""
    p, q = _pair(reference, current)
    why = _empty(p, q)
    if why:
        return _nan("psi", "chi2 approximation", why)
    n, m = p.sum(), q.sum()
    pp = np.maximum(p / n, eps)
    qq = np.maximum(q / m, eps)
    value = float(np.sum((qq - pp) * np.log(qq / pp)))
    df = max(int(np.count_nonzero((p + q) > 0)) - 1, 1)
    pvalue = float(stats.chi2.sf(value / (1.0 / n + 1.0 / m), df))
    return DriftResult("psi", value, pvalue, "chi2 approximation of PSI (Yurdakul 2018)")


def _g_test(p: FloatArray, q: FloatArray) -> float:
    keep = (p + q) > 0
    table = np.vstack([p[keep], q[keep]])
    if table.shape[1] < 2:
        return 1.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(table > 0, table * np.log(table / expected), 0.0)
    g = 2.0 * float(terms.sum())
    return float(stats.chi2.sf(g, table.shape[1] - 1))


def js_distance(reference: ArrayLike, current: ArrayLike) -> DriftResult:
    """Jensen–Shannon distance, base 2 (0 = same, 1 = disjoint), with the G-test."""
    p, q = _pair(reference, current)
    why = _empty(p, q)
    if why:
        return _nan("js_distance", "G-test of homogeneity", why)
    pp, qq = p / p.sum(), q / q.sum()
    mid = (pp + qq) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(pp > 0, pp * np.log2(pp / mid), 0.0).sum()
        kl_q = np.where(qq > 0, qq * np.log2(qq / mid), 0.0).sum()
    value = math.sqrt(max((kl_p + kl_q) / 2.0, 0.0))
    return DriftResult("js_distance", value, _g_test(p, q), "G-test of homogeneity")


def chi_square(reference: ArrayLike, current: ArrayLike) -> DriftResult:
    """Pearson chi-square test of homogeneity (2 × K, empty columns dropped), Cramér's V."""
    p, q = _pair(reference, current)
    why = _empty(p, q)
    if why:
        return _nan("cramers_v", "Pearson chi-square", why)
    keep = (p + q) > 0
    table = np.vstack([p[keep], q[keep]])
    if table.shape[1] < 2:
        return DriftResult("cramers_v", 0.0, 1.0, "Pearson chi-square", note="one category only")
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    x2 = float(((table - expected) ** 2 / expected).sum())
    value = math.sqrt(x2 / table.sum())
    pvalue = float(stats.chi2.sf(x2, table.shape[1] - 1))
    return DriftResult("cramers_v", value, pvalue, "Pearson chi-square", note=f"chi2={x2:.6g}")


def bin_bounds(edges: ArrayLike, low: float, high: float) -> tuple[FloatArray, FloatArray]:
    """Left and right ends of (underflow, bins..., overflow) given the observed min and max."""
    e = np.asarray(edges, dtype=float)
    lo = min(low, e[0]) if math.isfinite(low) else e[0]
    hi = max(high, e[-1]) if math.isfinite(high) else e[-1]
    return np.concatenate([[lo], e]), np.concatenate([e, [hi]])


def wasserstein_binned(
    reference: ArrayLike, current: ArrayLike, left: ArrayLike, right: ArrayLike
) -> DriftResult:
    """W1 between the two histograms with each bin's mass at its midpoint, and the bound."""
    p, q = _pair(reference, current)
    why = _empty(p, q)
    test = "G-test of homogeneity on the bins"
    if why:
        return _nan("wasserstein", test, why)
    lft, rgt = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
    pp, qq = p / p.sum(), q / q.sum()
    mids = (lft + rgt) / 2
    # W1 = ∫ |F − G| dx; between consecutive midpoints both CDFs are constant.
    cdf_gap = np.abs(np.cumsum(pp) - np.cumsum(qq))[:-1]
    value = float(np.sum(cdf_gap * np.diff(mids)))
    bound = float(0.5 * np.sum((pp + qq) * (rgt - lft)))
    return DriftResult("wasserstein", value, _g_test(p, q), test, bound=bound)


def ks_binned(reference: ArrayLike, current: ArrayLike) -> DriftResult:
    """Two-sample KS bounded from histograms sharing their edges (see module docstring)."""
    p, q = _pair(reference, current)
    why = _empty(p, q)
    test = "two-sample KS, asymptotic, on the lower bound"
    if why:
        return _nan("ks", test, why)
    n, m = p.sum(), q.sum()
    f = np.concatenate([[0.0], np.cumsum(p) / n])  # F just below each edge; 1 at the top
    g = np.concatenate([[0.0], np.cumsum(q) / m])
    f[-1] = g[-1] = 1.0
    lower = float(np.max(np.abs(f - g)))
    upper = float(max(np.max(f[1:] - g[:-1]), np.max(g[1:] - f[:-1]), lower))
    en = math.sqrt(n * m / (n + m))
    pvalue = float(stats.kstwobign.sf(lower * en)) if lower > 0 else 1.0
    return DriftResult("ks", lower, min(pvalue, 1.0), test, lower=lower, upper=upper)


def missing_share(
    ref_missing: int, ref_total: int, cur_missing: int, cur_total: int
) -> DriftResult:
    """Change of the missing share (difference of proportions, pooled z test)."""
    from ombud.stats.significance import two_proportion_ztest

    if ref_total == 0 or cur_total == 0:
        return _nan("missing_share_change", "two-proportion z", "no rows")
    diff = cur_missing / cur_total - ref_missing / ref_total
    result = two_proportion_ztest(cur_missing, cur_total, ref_missing, ref_total)
    p = float(result.pvalue)
    return DriftResult("missing_share_change", diff, 1.0 if math.isnan(p) else p, result.method)


def feature_drift(feature: Feature, reference: Summary, current: Summary) -> dict[str, DriftResult]:
    """Every statistic that applies to the feature's kind, keyed by statistic name."""
    if isinstance(feature, NumericFeature):
        if not isinstance(reference, NumericSummary) or not isinstance(current, NumericSummary):
            raise ValueError(f"feature {feature.name!r}: expected numeric summaries")
        p, q = np.asarray(reference.counts, float), np.asarray(current.counts, float)
        low = float(np.nanmin([reference.min, current.min, np.inf]))
        high = float(np.nanmax([reference.max, current.max, -np.inf]))
        left, right = bin_bounds(feature.edges, low, high)
        out = {
            "psi": psi(p, q),
            "js_distance": js_distance(p, q),
            "wasserstein": wasserstein_binned(p, q, left, right),
            "ks": ks_binned(p, q),
        }
        ref_total, cur_total = reference.n + reference.missing, current.n + current.missing
    else:
        if not isinstance(reference, CategoricalSummary) or not isinstance(
            current, CategoricalSummary
        ):
            raise ValueError(f"feature {feature.name!r}: expected categorical summaries")
        p, q = np.asarray(reference.counts, float), np.asarray(current.counts, float)
        out = {"psi": psi(p, q), "js_distance": js_distance(p, q), "chi_square": chi_square(p, q)}
        ref_total, cur_total = reference.n + reference.missing, current.n + current.missing
    out["missing_share_change"] = missing_share(
        reference.missing, ref_total, current.missing, cur_total
    )
    return out
