"""Per-feature summaries of a window, and how two summaries merge.

A numeric feature keeps a histogram on the reference's edges (underflow and overflow included),
its missing count, min/max, and count/mean/M2 (sum of squared deviations from the mean). Counts,
min and max merge trivially; mean and M2 merge with the pairwise update of Chan, Golub & LeVeque
(1979), which stays accurate where the textbook Σx² − n·mean² loses every digit to cancellation.
A categorical feature keeps counts of the reference's top-k categories, ``other``, ``unseen`` and
missing; those merge by addition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ombud.monitor._errors import ColumnError
from ombud.monitor._spec import CategoricalFeature, Feature, NumericFeature


@dataclass(frozen=True)
class NumericSummary:
    """Histogram (underflow, bins..., overflow) and moments of the present values."""

    counts: tuple[int, ...]
    missing: int
    n: int
    mean: float
    m2: float
    min: float
    max: float

    @property
    def variance(self) -> float:
        """Sample variance (n − 1 denominator); NaN below two values."""
        return self.m2 / (self.n - 1) if self.n > 1 else math.nan

    def merge(self, other: NumericSummary) -> NumericSummary:
        n = self.n + other.n
        if n == 0:
            mean, m2 = math.nan, 0.0
        elif other.n == 0:
            mean, m2 = self.mean, self.m2
        elif self.n == 0:
            mean, m2 = other.mean, other.m2
        else:
            delta = other.mean - self.mean
            mean = self.mean + delta * other.n / n
            m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        return NumericSummary(
            counts=tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
            missing=self.missing + other.missing,
            n=n,
            mean=mean,
            m2=m2,
            min=float(np.fmin(self.min, other.min)),
            max=float(np.fmax(self.max, other.max)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": list(self.counts),
            "missing": self.missing,
            "n": self.n,
            "mean": _jsonable(self.mean),
            "m2": self.m2,
            "min": _jsonable(self.min),
            "max": _jsonable(self.max),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> NumericSummary:
        return cls(
            counts=tuple(int(c) for c in doc["counts"]),
            missing=int(doc["missing"]),
            n=int(doc["n"]),
            mean=_float(doc["mean"]),
            m2=float(doc["m2"]),
            min=_float(doc["min"]),
            max=_float(doc["max"]),
        )


@dataclass(frozen=True)
class CategoricalSummary:
    """Counts of (top-k categories..., other, unseen) and the missing count."""

    counts: tuple[int, ...]
    missing: int

    @property
    def n(self) -> int:
        return sum(self.counts)

    def merge(self, other: CategoricalSummary) -> CategoricalSummary:
        return CategoricalSummary(
            counts=tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
            missing=self.missing + other.missing,
        )

    def to_dict(self) -> dict[str, Any]:
        return {"counts": list(self.counts), "missing": self.missing}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> CategoricalSummary:
        return cls(counts=tuple(int(c) for c in doc["counts"]), missing=int(doc["missing"]))


Summary = NumericSummary | CategoricalSummary


def _jsonable(x: float) -> float | None:
    return None if math.isnan(x) else x


def _float(x: float | None) -> float:
    return math.nan if x is None else float(x)


def empty_summary(feature: Feature) -> Summary:
    if isinstance(feature, NumericFeature):
        zeros = (0,) * feature.n_counts
        return NumericSummary(zeros, 0, 0, math.nan, 0.0, math.nan, math.nan)
    return CategoricalSummary((0,) * feature.n_counts, 0)


def _numeric_values(values: pd.Series, name: str, offset: int) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values):
        raise ColumnError(
            f"column {name!r}: booleans in a numeric feature; refit it as categorical"
        )
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    parsed = pd.to_numeric(values, errors="coerce")
    bad = parsed.isna().to_numpy() & values.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ColumnError(
            f"column {name!r}, row {row + offset}: {values.iloc[row]!r} is not a number; "
            "the reference made this feature numeric"
        )
    return parsed.to_numpy(dtype=float, na_value=np.nan)


def summarise(
    feature: Feature, values: pd.Series, window: np.ndarray, n_windows: int, offset: int = 0
) -> list[Summary]:
    """One summary per window index in ``range(n_windows)``; ``window`` maps row -> index."""
    if isinstance(feature, NumericFeature):
        return _numeric(feature, values, window, n_windows, offset)
    return _categorical(feature, values, window, n_windows)


def _numeric(
    feature: NumericFeature, values: pd.Series, window: np.ndarray, n_windows: int, offset: int
) -> list[Summary]:
    x = _numeric_values(values, feature.name, offset)
    present = ~np.isnan(x)
    if np.isinf(x[present]).any():
        row = int(np.flatnonzero(np.isinf(x))[0])
        raise ColumnError(
            f"column {feature.name!r}, row {row + offset}: infinite value; replace it with a "
            "finite number or a missing value"
        )
    w, xp = window[present], x[present]
    # Sum in a canonical order (by window, then value) so the floats do not depend on row order.
    by_value = np.argsort(xp)
    small = np.int16 if n_windows < 2**15 else np.int64  # int16 keys get numpy's radix sort
    order = by_value[np.argsort(w[by_value].astype(small), kind="stable")]
    w, xp = w[order], xp[order]
    n_counts = feature.n_counts
    bins = np.searchsorted(np.asarray(feature.edges), xp, side="right")
    hist = np.bincount(w * n_counts + bins, minlength=n_windows * n_counts).reshape(
        n_windows, n_counts
    )
    missing = np.bincount(window[~present], minlength=n_windows)
    n = np.bincount(w, minlength=n_windows)
    sums = np.bincount(w, weights=xp, minlength=n_windows)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / n
    # Two passes (mean, then squared deviations from it) keep M2 accurate within a window.
    m2 = np.bincount(w, weights=(xp - mean[w]) ** 2, minlength=n_windows)
    lo = np.full(n_windows, np.inf)
    hi = np.full(n_windows, -np.inf)
    np.minimum.at(lo, w, xp)
    np.maximum.at(hi, w, xp)
    out: list[Summary] = []
    for i in range(n_windows):
        empty = n[i] == 0
        out.append(
            NumericSummary(
                counts=tuple(int(c) for c in hist[i]),
                missing=int(missing[i]),
                n=int(n[i]),
                mean=math.nan if empty else float(mean[i]),
                m2=float(m2[i]),
                min=math.nan if empty else float(lo[i]),
                max=math.nan if empty else float(hi[i]),
            )
        )
    return out


def _categorical(
    feature: CategoricalFeature, values: pd.Series, window: np.ndarray, n_windows: int
) -> list[Summary]:
    present = values.notna().to_numpy()
    text = values[present].astype(str)
    k = len(feature.categories)
    codes = pd.Index(list(feature.categories)).get_indexer(pd.Index(text)).astype(np.int64)
    outside = codes < 0
    known = text.isin(feature.known).to_numpy()
    codes = np.where(outside, np.where(known, k, k + 1), codes)
    n_counts = feature.n_counts
    w = window[present]
    table = np.bincount(w * n_counts + codes, minlength=n_windows * n_counts).reshape(
        n_windows, n_counts
    )
    missing = np.bincount(window[~present], minlength=n_windows)
    return [
        CategoricalSummary(tuple(int(c) for c in table[i]), int(missing[i]))
        for i in range(n_windows)
    ]
