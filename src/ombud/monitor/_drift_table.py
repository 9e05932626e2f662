"""The drift statistics of ``_drift`` for many windows at once (one row per window).

A year report asks for every statistic of every feature on every day: 365 × 20 × 6 values. The
scalar functions in ``_drift`` are the definitions (tested against scipy); these are the same
formulas over a (windows × bins) count matrix, tested equal to the scalar ones, so a year costs
a few array operations per feature instead of thousands of calls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from ombud.monitor._drift import PSI_EPS
from ombud.monitor._features import CategoricalSummary, NumericSummary
from ombud.monitor._spec import MonitorSpec, NumericFeature
from ombud.monitor._window import Window
from ombud.stats.significance import two_proportion_ztest

F = NDArray[np.float64]
COLUMNS = ["start", "feature", "statistic", "value", "pvalue", "lower", "upper", "bound", "note"]


def _g_pvalue(p: F, q: F) -> F:
    keep = (p[None, :] + q) > 0
    table_sum = p.sum() + q.sum(axis=1)
    col = np.where(keep, p[None, :] + q, 0.0)
    e_p = p.sum() * col / table_sum[:, None]
    e_q = q.sum(axis=1)[:, None] * col / table_sum[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_p = np.where(keep & (p[None, :] > 0), p[None, :] * np.log(p[None, :] / e_p), 0.0)
        t_q = np.where(keep & (q > 0), q * np.log(q / e_q), 0.0)
    g = 2.0 * (t_p.sum(axis=1) + t_q.sum(axis=1))
    df = keep.sum(axis=1) - 1
    return np.where(df >= 1, stats.chi2.sf(g, np.maximum(df, 1)), 1.0)


def histogram_drift(
    p: F, q: F, categorical: bool, left: F | None, right: F | None
) -> dict[str, tuple[F, F]]:
    """(value, pvalue) arrays per statistic; rows where either side is empty are NaN."""
    n, m = p.sum(), q.sum(axis=1)
    valid = (n > 0) & (m > 0)
    mm = np.where(valid, m, 1.0)
    nn = n if n > 0 else 1.0
    pp, qq = p / nn, q / mm[:, None]
    out: dict[str, tuple[F, F]] = {}
    ps, qs = np.maximum(pp, PSI_EPS), np.maximum(qq, PSI_EPS)
    value = np.sum((qs - ps[None, :]) * np.log(qs / ps[None, :]), axis=1)
    df = np.maximum(((p[None, :] + q) > 0).sum(axis=1) - 1, 1)
    out["psi"] = (value, stats.chi2.sf(value / (1.0 / nn + 1.0 / mm), df))
    g_p = _g_pvalue(p, q)
    mid = (pp[None, :] + qq) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(pp[None, :] > 0, pp[None, :] * np.log2(pp[None, :] / mid), 0.0).sum(1)
        kl_q = np.where(qq > 0, qq * np.log2(qq / mid), 0.0).sum(axis=1)
    out["js_distance"] = (np.sqrt(np.maximum((kl_p + kl_q) / 2, 0.0)), g_p)
    if categorical:
        keep = (p[None, :] + q) > 0
        total = n + m
        col = p[None, :] + q
        x2 = np.zeros(len(q))
        for row, count in ((np.broadcast_to(p, q.shape), n), (q, m)):
            expected = np.where(
                keep, (count if np.ndim(count) == 0 else count[:, None]) * col / total[:, None], 1.0
            )
            x2 += np.where(keep, (row - expected) ** 2 / expected, 0.0).sum(axis=1)
        kdf = keep.sum(axis=1) - 1
        out["chi_square"] = (
            np.where(kdf >= 1, np.sqrt(x2 / total), 0.0),
            np.where(kdf >= 1, stats.chi2.sf(x2, np.maximum(kdf, 1)), 1.0),
        )
    else:
        assert left is not None
        assert right is not None
        mids = (left + right) / 2
        gap = np.abs(np.cumsum(pp[None, :] - qq, axis=1))[:, :-1]
        w1 = np.sum(gap * np.diff(mids, axis=1), axis=1)
        out["wasserstein"] = (w1, g_p)
        out["_bound"] = (0.5 * np.sum((pp[None, :] + qq) * (right - left), axis=1), g_p)
        f = np.concatenate([[0.0], np.cumsum(pp)])
        f[-1] = 1.0
        g = np.concatenate([np.zeros((len(q), 1)), np.cumsum(qq, axis=1)], axis=1)
        g[:, -1] = 1.0
        lower = np.max(np.abs(f[None, :] - g), axis=1)
        upper = np.maximum.reduce(
            [
                np.max(f[None, 1:] - g[:, :-1], axis=1),
                np.max(g[:, 1:] - f[None, :-1], axis=1),
                lower,
            ]
        )
        en = np.sqrt(nn * mm / (nn + mm))
        ks_p = np.where(lower > 0, stats.kstwobign.sf(lower * en), 1.0)
        out["ks"] = (lower, np.minimum(ks_p, 1.0))
        out["_upper"] = (upper, ks_p)
    return {
        k: (np.where(valid, v, np.nan), np.where(valid, pv, np.nan)) for k, (v, pv) in out.items()
    }


def drift_report(spec: MonitorSpec, reference: Window, windows: Sequence[Window]) -> pd.DataFrame:
    """Every drift statistic of every feature for every window against the reference: one row
    per (window, feature, statistic) with value, p-value and, where binned, bounds."""
    parts: list[tuple[str, str, F, F, F, F, F, NDArray[np.str_]]] = []
    starts = [w.start for w in windows]
    for i, feature in enumerate(spec.features):
        ref = reference.features[i]
        cur = [w.features[i] for w in windows]
        p = np.asarray(ref.counts, dtype=float)
        q = np.asarray([c.counts for c in cur], dtype=float).reshape(len(cur), len(p))
        left = right = None
        if isinstance(feature, NumericFeature):
            assert isinstance(ref, NumericSummary)
            mins = np.array([c.min for c in cur if isinstance(c, NumericSummary)], dtype=float)
            maxs = np.array([c.max for c in cur if isinstance(c, NumericSummary)], dtype=float)
            lows = np.fmin(mins, ref.min)  # fmin/fmax ignore NaN (an empty side)
            highs = np.fmax(maxs, ref.max)
            e = np.asarray(feature.edges)
            lo = np.where(np.isfinite(lows), np.minimum(lows, e[0]), e[0])
            hi = np.where(np.isfinite(highs), np.maximum(highs, e[-1]), e[-1])
            left = np.concatenate([lo[:, None], np.broadcast_to(e, (len(cur), len(e)))], axis=1)
            right = np.concatenate([np.broadcast_to(e, (len(cur), len(e))), hi[:, None]], axis=1)
        res = histogram_drift(p, q, isinstance(ref, CategoricalSummary), left, right)
        empty = np.where(q.sum(axis=1) == 0, "the window has no values", "")
        if p.sum() == 0:
            empty[:] = "the reference has no values"
        nan = np.full(len(cur), np.nan)
        for name, (value, pvalue) in res.items():
            if name.startswith("_"):
                continue
            lower = value if name == "ks" else nan
            upper = np.where(np.isnan(value), np.nan, res["_upper"][0]) if name == "ks" else nan
            bound = res["_bound"][0] if name == "wasserstein" else nan
            parts.append((feature.name, name, value, pvalue, lower, upper, bound, empty))
        ref_total = ref.n + ref.missing
        cur_missing = np.array([c.missing for c in cur], dtype=float)
        cur_total = np.array([c.n + c.missing for c in cur], dtype=float)
        ok = (cur_total > 0) & (ref_total > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            diff = cur_missing / cur_total - ref.missing / max(ref_total, 1)
            z = two_proportion_ztest(cur_missing, cur_total, float(ref.missing), float(ref_total))
        pv = np.where(np.isnan(z.pvalue), 1.0, z.pvalue)
        parts.append(
            (
                feature.name,
                "missing_share_change",
                np.where(ok, diff, np.nan),
                np.where(ok, pv, np.nan),
                nan,
                nan,
                nan,
                np.where(ok, "", "no rows"),
            )
        )
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    size = len(windows)
    return pd.DataFrame(
        {
            "start": np.tile(np.asarray(starts, dtype=object), len(parts)),
            "feature": np.repeat([p[0] for p in parts], size),
            "statistic": np.repeat([p[1] for p in parts], size),
            **{
                col: np.concatenate([p[k] for p in parts])
                for k, col in enumerate(("value", "pvalue", "lower", "upper", "bound", "note"), 2)
            },
        }
    )
