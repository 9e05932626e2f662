"""Disparity summaries and rule verdicts, with bootstrap intervals from the same replicates.

A summary such as "the smallest selection-rate ratio between groups" has no closed-form
interval: it takes a minimum and a maximum over many groups. The cell bootstrap already gives
every group's metric per replicate, so each summary is computed on each replicate and its
percentile interval read off. Verdicts reuse those intervals: a breach whose whole interval
breaches is a ``fail``, a breach whose interval still allows compliance is a ``concern``, and a
pass that leaned on a group too small to judge is ``insufficient``, never a silent pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ombud.fairness._policy import Rule
from ombud.records import Verdict
from ombud.stats.metrics import min_over_max, symmetric_ratio

__all__ = ["Judgement", "judge", "percentile_interval", "summarize"]

FloatArray = NDArray[np.float64]


def _quiet(fn: Callable[[], FloatArray]) -> FloatArray:
    # All-NaN slices (a metric undefined in every group of a stratum) are expected: NaN out.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn()


def percentile_interval(
    replicates: FloatArray | None, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Percentile bounds over the first axis, NaN-skipping (NaN when no bootstrap ran)."""
    if replicates is None:
        return np.asarray(np.nan), np.asarray(np.nan)
    tail = (1.0 - confidence) / 2.0
    return _nan_quantile(replicates, tail), _nan_quantile(replicates, 1.0 - tail)


def _nan_quantile(values: FloatArray, q: float) -> FloatArray:
    """``np.nanquantile(values, q, axis=0)`` (linear method) without its per-column loop.

    numpy falls back to a Python-level loop over columns once any NaN is present, which
    dominated an audit's run time; sorting once (NaN sorts last) and interpolating between
    the two order statistics of each column's valid count gives the same numbers.
    """
    shape = values.shape[1:]
    # Replicates along the last axis of a contiguous copy: sorting strided columns is slow.
    rows = np.ascontiguousarray(values.reshape(values.shape[0], -1).T)
    ordered = np.sort(rows, axis=1)
    valid = np.sum(~np.isnan(rows), axis=1)
    position = np.maximum(valid - 1, 0) * q
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, np.maximum(valid - 1, 0))
    low = np.take_along_axis(ordered, below[:, np.newaxis], axis=1)[:, 0].reshape(shape)
    high = np.take_along_axis(ordered, above[:, np.newaxis], axis=1)[:, 0].reshape(shape)
    valid, position, below = valid.reshape(shape), position.reshape(shape), below.reshape(shape)
    with np.errstate(invalid="ignore"):
        out = low + (high - low) * (position - below)
    # Equal infinite neighbours give inf − inf = NaN; the bound is then that infinity.
    out = np.where(np.isnan(out) & (low == high), low, out)
    return np.where(valid > 0, out, np.nan)


def summarize(
    values: FloatArray,
    strata: NDArray[np.intp],
    n_strata: int,
    how: str,
    base: FloatArray | None = None,
) -> FloatArray:
    """Reduce (..., groups, metrics) to (..., strata, metrics).

    how: ``group_min``, ``group_max``, ``difference`` (max − min), ``ratio`` (min / max), or
    with ``base`` (..., groups, metrics) aligned to the groups: ``difference_to`` (largest
    |group − base|) and ``ratio_to`` (smallest of group/base and base/group).
    """
    out = []
    for s in range(n_strata):
        part = values[..., strata == s, :]
        ref = None if base is None else base[..., strata == s, :]
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            out.append(_reduce(part, how, ref))
    return np.stack(out, axis=-2)


def _reduce(part: FloatArray, how: str, base: FloatArray | None) -> FloatArray:
    if part.shape[-2] == 0:
        return np.full(part.shape[:-2] + part.shape[-1:], np.nan)
    low, high = np.nanmin(part, axis=-2), np.nanmax(part, axis=-2)
    out: FloatArray
    if how == "group_min":
        out = low
    elif how == "group_max":
        out = high
    elif how == "difference":
        out = high - low
    elif how == "ratio":
        out = min_over_max(low, high)
    elif how == "difference_to" and base is not None:
        out = np.nanmax(np.abs(part - base), axis=-2)
    elif how == "ratio_to" and base is not None:
        out = np.nanmin(symmetric_ratio(part, base), axis=-2)
    else:
        raise ValueError(f"unknown summary {how!r} (or a missing base)")
    return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class Judgement:
    """One rule's verdict on one attribute (within one control stratum)."""

    verdict: Verdict
    value: float
    lower: float
    upper: float
    reason: str
    low_group: int | None = None
    high_group: int | None = None
    binding_metric: str | None = None


def judge(
    rule: Rule,
    *,
    metrics: tuple[str, ...],
    point: FloatArray,
    replicates: FloatArray | None,
    groups: NDArray[np.intp],
    rows: NDArray[np.int64],
    denominator_rows: dict[str, NDArray[np.float64]],
    labels: list[str],
    min_group_size: int,
    confidence: float,
) -> Judgement:
    """Verdict of ``rule`` over the groups at positions ``groups`` of one view."""
    missing = [m for m in rule.metrics if m not in metrics]
    if missing:
        why = f"the audit has no {missing} (score-based metrics need score=)"
        return Judgement(Verdict.INSUFFICIENT, np.nan, np.nan, np.nan, why)
    idx = [metrics.index(m) for m in rule.metrics]
    small, reasons = [], []
    for g in groups:
        if rows[g] < min_group_size:
            small.append(g)
            reasons.append(f"{labels[g]} has {rows[g]} rows (< {min_group_size})")
            continue
        empty = [m for m in rule.metrics if denominator_rows.get(m, np.ones(1))[g] == 0]
        if empty or not np.all(np.isfinite(point[g, idx])):
            small.append(g)
            reasons.append(f"{labels[g]}: {', '.join(empty or list(rule.metrics))} undefined")
    usable = np.array([g for g in groups if g not in small], dtype=np.intp)
    if usable.size < 2:
        why = "fewer than two groups large enough to compare" + (
            f" ({'; '.join(reasons)})" if reasons else ""
        )
        return Judgement(Verdict.INSUFFICIENT, np.nan, np.nan, np.nan, why)
    value, low_g, high_g, binding = _rule_statistic(rule, point[usable][:, idx])
    reps = None
    if replicates is not None:
        sub = replicates[:, usable][:, :, idx]
        reps = _rule_values(rule, sub)
    lower, upper = percentile_interval(reps, confidence)
    lo, up = float(lower), float(upper)
    if not np.isfinite(value):
        return Judgement(Verdict.INSUFFICIENT, value, lo, up, "the rule's statistic is undefined")
    extras = (int(usable[low_g]), int(usable[high_g]), rule.metrics[binding])
    if not rule.breaches(value):
        if small:
            why = "no breach among the groups large enough, but " + "; ".join(reasons)
            return Judgement(Verdict.INSUFFICIENT, value, lo, up, why, *extras)
        return Judgement(Verdict.PASS, value, lo, up, "", *extras)
    whole = up < rule.bound if rule.statistic == "ratio" else lo > rule.bound
    if np.isfinite(lo) and np.isfinite(up) and whole:
        return Judgement(Verdict.FAIL, value, lo, up, "the whole interval breaches", *extras)
    why = "the point estimate breaches, but the interval does not exclude compliance"
    return Judgement(Verdict.CONCERN, value, lo, up, why, *extras)


def _rule_statistic(rule: Rule, values: FloatArray) -> tuple[float, int, int, int]:
    """The rule's statistic over (groups, metrics) and where it binds (low, high, metric)."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        if rule.statistic == "ratio":
            per_metric = min_over_max(low, high)
            if np.all(np.isnan(per_metric)):
                return float("nan"), 0, 0, 0
            k = int(np.nanargmin(per_metric))
        else:
            per_metric = high - low
            if np.all(np.isnan(per_metric)):
                return float("nan"), 0, 0, 0
            k = int(np.nanargmax(per_metric))
        column = np.where(np.isnan(values[:, k]), np.nan, values[:, k])
        return float(per_metric[k]), int(np.nanargmin(column)), int(np.nanargmax(column)), k


def _rule_values(rule: Rule, values: FloatArray) -> FloatArray:
    """The rule's statistic for (..., groups, metrics) arrays, vectorized over leading axes."""

    def compute() -> FloatArray:
        low, high = np.nanmin(values, axis=-2), np.nanmax(values, axis=-2)
        if rule.statistic == "ratio":
            per_metric = min_over_max(low, high)
            return np.asarray(np.nanmin(per_metric, axis=-1))
        return np.asarray(np.nanmax(high - low, axis=-1))

    return _quiet(compute)
