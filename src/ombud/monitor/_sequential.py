"""Detect a widening fairness gap over repeated looks without inflating false alarms.

Checking a 95 % interval every day for a year would raise a false alarm on almost every stable
system. Here each look standardises the window's gap against the edge of a tolerated band,
``Z_t = (gap_t − hi) / se_t`` (and ``(lo − gap_t) / se_t`` for the other side), and runs a
one-sided CUSUM of the log e-values ``λ·Z_t − λ²/2``:

    W_t = max(0, W_{t−1} + λ·Z_t − λ²/2),   alarm when W_t ≥ h = log(2·T / α).

Why this is controlled: if every window's true gap lies inside the band and Z_t is standard
normal given the past, ``exp(Σ_{s..t} λZ − λ²/2)`` started at any window s is a non-negative
supermartingale with initial value 1, so by Ville's inequality it ever reaches e^h with
probability ≤ e^{−h}. The CUSUM crosses h exactly when one of those T processes does, so over a
horizon of T looks P(any false alarm) ≤ T·e^{−h} per side, i.e. ≤ α for both sides together;
equivalently the in-control average run length is at least 2T/α looks. Unlike a cumulative test
the CUSUM forgets a long quiet history (it resets at 0), so a shift late in the year is caught
as fast as an early one. λ is the shift, in standard errors per window, it is tuned to detect.

Assumptions (docs/monitoring.md): windows independent given the band; counts large enough for a
normal approximation of each window's gap (``min_count`` skips smaller windows, which then are
not looks); the band chosen before the data (by policy, or the reference gap ± a margin).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ombud.monitor._errors import MonitorError
from ombud.monitor._report import Stacked, gap_table
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._window import Window
from ombud.stats.significance import benjamini_hochberg_adjust

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GapDetection:
    """The CUSUM path of one gap stream and what it concluded."""

    z_upper: FloatArray
    z_lower: FloatArray
    cusum_upper: FloatArray
    cusum_lower: FloatArray
    threshold: float
    looks: int
    alarm_at: int | None  # index of the first window at which the alarm sounded
    pvalue: float  # valid over the horizon: P(CUSUM this high | in control) ≤ pvalue


def _se(x: FloatArray, n: FloatArray) -> FloatArray:
    # A half-count keeps the variance positive when a group's rate is 0 or 1.
    p = (x + 0.5) / (n + 1.0)
    return np.asarray(p * (1.0 - p) / n, dtype=float)


def gap_cusum(
    x: ArrayLike,
    n: ArrayLike,
    x_ref: ArrayLike,
    n_ref: ArrayLike,
    *,
    band: tuple[float, float],
    alpha: float = 0.05,
    horizon: int = 365,
    lam: float = 1.0,
    min_count: int = 30,
) -> GapDetection:
    """Two one-sided CUSUMs of a group's rate minus the reference group's, window by window."""
    lo, hi = band
    if not lo <= hi:
        raise MonitorError(f"band {band} must have lower <= upper")
    if not 0 < alpha < 1 or horizon < 1 or lam <= 0:
        raise MonitorError("need 0 < alpha < 1, horizon >= 1 and lam > 0")
    a, b = np.asarray(x, float), np.asarray(n, float)
    c, d = np.asarray(x_ref, float), np.asarray(n_ref, float)
    look = (b >= min_count) & (d >= min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = a / b - c / d
        se = np.sqrt(_se(a, b) + _se(c, d))
        z_up = np.where(look, (gap - hi) / se, np.nan)
        z_dn = np.where(look, (lo - gap) / se, np.nan)
    # The bound is (looks) · e^{-h} per side: past the planned horizon, widen it to the looks made.
    threshold = math.log(2.0 * max(horizon, len(a)) / alpha)
    w_up, w_dn = _cusum(z_up, lam), _cusum(z_dn, lam)
    crossed = np.flatnonzero((w_up >= threshold) | (w_dn >= threshold))
    peak = float(max(w_up.max(initial=0.0), w_dn.max(initial=0.0)))
    return GapDetection(
        z_upper=z_up,
        z_lower=z_dn,
        cusum_upper=w_up,
        cusum_lower=w_dn,
        threshold=threshold,
        looks=int(look.sum()),
        alarm_at=int(crossed[0]) if crossed.size else None,
        pvalue=min(1.0, 2.0 * max(horizon, len(a)) * math.exp(-peak)),
    )


def _cusum(z: FloatArray, lam: float) -> FloatArray:
    out = np.zeros(z.shape)
    w = 0.0
    for i, zi in enumerate(z):
        if not math.isnan(zi):
            w = max(0.0, w + lam * zi - lam * lam / 2.0)
        out[i] = w
    return out


def gap_detector(
    windows: Sequence[Window],
    spec: MonitorSpec,
    *,
    bands: Mapping[tuple[str, Any, str], tuple[float, float]],
    alpha: float = 0.05,
    horizon: int = 365,
    lam: float = 1.0,
    min_count: int = 30,
    stacked: Stacked | None = None,
) -> dict[tuple[str, Any, str], GapDetection]:
    """Run ``gap_cusum`` over the windows (in time order) for every (attribute, group, metric)
    in ``bands``; a window where the group or the reference group is absent is not a look."""
    items = sorted(windows, key=lambda w: w.start)
    paths = {key: np.zeros((len(items), 4)) for key in bands}
    wanted = sorted({(a, m) for a, _, m in bands}, key=str)
    stacked = stacked if stacked is not None else Stacked(items, spec)
    if list(stacked.windows) != items:
        raise MonitorError("stacked= must hold the same windows, in time order")
    for attribute, metric in wanted:
        table = gap_table(stacked, metric, attribute)
        for group, part in table.groupby("group", sort=False):
            key = (attribute, group, metric)
            if key in paths:
                cols = ["successes", "trials", "ref_successes", "ref_trials"]
                paths[key][part["window"].to_numpy(int)] = part[cols].to_numpy(float)
    return {
        key: gap_cusum(
            arr[:, 0],
            arr[:, 1],
            arr[:, 2],
            arr[:, 3],
            band=bands[key],
            alpha=alpha,
            horizon=horizon,
            lam=lam,
            min_count=min_count,
        )
        for key, arr in paths.items()
    }


def reference_band(
    x: float, n: float, x_ref: float, n_ref: float, *, margin: float = 0.02, k: float = 3.0
) -> tuple[float, float]:
    """The reference frame's gap (x/n − x_ref/n_ref) ± (margin + k of its standard errors).

    The standard-error term absorbs the reference's own sampling noise, which every look shares
    and which no sequential test could otherwise tell from a real shift.
    """
    gap = x / n - x_ref / n_ref
    se = math.sqrt(float(_se(np.array(x), np.array(n)) + _se(np.array(x_ref), np.array(n_ref))))
    return gap - margin - k * se, gap + margin + k * se


def bands_from_reference(
    reference: Window,
    spec: MonitorSpec,
    *,
    metrics: Sequence[str] = ("selection_rate",),
    margin: float = 0.02,
    k: float = 3.0,
) -> dict[tuple[str, Any, str], tuple[float, float]]:
    """``reference_band`` for every (attribute, group, metric) present in the reference window."""
    out: dict[tuple[str, Any, str], tuple[float, float]] = {}
    stacked = Stacked([reference], spec)
    for attribute in spec.sensitive:
        for metric in metrics:
            counts = gap_table(stacked, metric, attribute)
            values = counts[["successes", "trials", "ref_successes", "ref_trials"]].to_numpy(float)
            for group, (x, n, x_ref, n_ref) in zip(counts["group"], values, strict=True):
                out[(attribute, group, metric)] = reference_band(
                    float(x),
                    float(n),
                    float(x_ref),
                    float(n_ref),
                    margin=margin,
                    k=k,
                )
    return out


def bh_alarms(pvalues: Mapping[Any, float], q: float = 0.05) -> dict[Any, float]:
    """Benjamini–Hochberg across a family (features × groups × metrics): the keys whose adjusted
    p-value is ≤ q, with that adjusted value. NaN p-values (no test) are left out."""
    keys = list(pvalues)
    if not keys:
        return {}
    adjusted = benjamini_hochberg_adjust(np.array([pvalues[k] for k in keys], dtype=float))
    return {k: float(a) for k, a in zip(keys, adjusted, strict=True) if a <= q}
