"""Which features carry a gap in a *thresholded* rate (selection rate, FPR, TPR) between groups.

Additive attributions split a gap in the model's mean *score* exactly (``attribute_gap``);
a decision is a threshold of that score, and a gap in decisions does not split along the
score's attributions (a feature can move scores a lot and decisions not at all). This module
answers a different, well-posed question instead: how much of the rate gap would close if a
group-B row carried group A's values of some features? That is a cooperative game over the
features, solved with Shapley values:

- each of ``pairs`` draws matches a random row of group B with a random row of group A;
- v(S) is the mean decision over the pairs when the B row takes the A row's values for the
  features in S (the others stay B's), minus the B rows' own rate;
- v(all features) is then the A rows' rate in the draws, so the Shapley values add up to
  the drawn gap (rate A − rate B) exactly: the *efficiency* property, checked on every run;
- a feature the model does not read gets 0 (dummy), interchangeable features get equal
  shares (symmetry).

With ``condition`` (for example "label is 0") both groups are restricted first, so the gap
is the gap in FPR (or TPR, ...). Written by hand because no library computes Shapley
values of a *decision-rate* game between two empirical distributions; the player values
are exact for up to ``EXACT_FEATURES`` features (every subset evaluated) and estimated
from antithetic permutations beyond. Intervals come from a bootstrap over the pairs.

What it cannot say: the answer depends on the joint distribution the swap creates (a B row
with A's income but B's occupation may be a row that never occurs), like every
interventional attribution; and it explains the gap of the *model's* decisions, not why
the groups differ in the world. Read it as "the model's gap runs through these features".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ombud.explain._errors import BudgetExceededError, ExplainInputError

__all__ = ["EXACT_FEATURES", "RateGapAttribution", "attribute_rate_gap"]

#: Up to this many features every subset is evaluated (2**d games); beyond, permutations.
EXACT_FEATURES = 8

Decide = Callable[[pd.DataFrame], Any]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RateGapAttribution:
    """The rate gap between groups ``a`` and ``b`` and each feature's share of it."""

    a: Any
    b: Any
    rate_a: float
    rate_b: float
    #: rate_a - rate_b over the drawn pairs (what the contributions add up to).
    gap: float
    features: tuple[str, ...]
    contribution: FloatArray
    lower: FloatArray
    upper: FloatArray
    method: str
    pairs: int
    seed: int
    confidence: float
    #: |sum(contribution) - gap|: zero up to rounding, by construction.
    efficiency_error: float

    def table(self) -> pd.DataFrame:
        """One row per feature, largest share of the gap first."""
        frame = pd.DataFrame(
            {
                "feature": self.features,
                "contribution": self.contribution,
                "lower": self.lower,
                "upper": self.upper,
            }
        )
        order = np.argsort(-np.abs(self.contribution), kind="stable")
        return frame.iloc[order].reset_index(drop=True)


def _decisions(decide: Decide, frame: pd.DataFrame) -> FloatArray:
    out = np.asarray(decide(frame), dtype=float).ravel()
    if out.shape[0] != len(frame):
        raise ExplainInputError(
            f"the decision function returned {out.shape[0]} values for {len(frame)} rows"
        )
    if not np.isin(out, (0.0, 1.0)).all():
        raise ExplainInputError(
            "the decision function must return 0/1 decisions; threshold a score first "
            "(e.g. lambda X: model.predict_proba(X)[:, 1] >= 0.5)"
        )
    return out


def _hybrid(b_rows: pd.DataFrame, a_rows: pd.DataFrame, swap: Sequence[str]) -> pd.DataFrame:
    hybrid = b_rows.copy()
    for column in swap:
        hybrid[column] = a_rows[column].to_numpy()
    return hybrid


def _coalition_weights(d: int) -> dict[int, float]:
    """Shapley weight of a coalition of size s that a player joins: s!(d-s-1)!/d!."""
    return {s: math.factorial(s) * math.factorial(d - s - 1) / math.factorial(d) for s in range(d)}


def _exact(values: Callable[[Sequence[str]], FloatArray], features: Sequence[str]) -> FloatArray:
    """Per-pair Shapley values by enumerating every coalition (2**d value calls)."""
    d = len(features)
    weight = _coalition_weights(d)
    cache: dict[frozenset[str], FloatArray] = {}

    def v(coalition: frozenset[str]) -> FloatArray:
        if coalition not in cache:
            cache[coalition] = values(sorted(coalition))
        return cache[coalition]

    phi: list[FloatArray] = []
    for j, feature in enumerate(features):
        others = [f for k, f in enumerate(features) if k != j]
        total: FloatArray | None = None
        for size in range(d):
            for coalition in combinations(others, size):
                s = frozenset(coalition)
                term = weight[size] * (v(s | {feature}) - v(s))
                total = term if total is None else total + term
        assert total is not None
        phi.append(total)
    return np.stack(phi, axis=1)


def _permutations(
    values: Callable[[Sequence[str]], FloatArray],
    features: Sequence[str],
    permutations: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Per-pair Shapley values estimated from antithetic permutations (each permutation
    and its reverse), the sum over features still exact for every permutation."""
    d = len(features)
    total: FloatArray | None = None
    count = 0
    for _ in range(max(1, permutations // 2)):
        order = list(rng.permutation(d))
        for sequence in (order, order[::-1]):
            before = values([])
            phi = [np.zeros_like(before) for _ in range(d)]
            joined: list[str] = []
            for j in sequence:
                joined.append(features[j])
                after = values(joined)
                phi[j] = after - before
                before = after
            stacked = np.stack(phi, axis=1)
            total = stacked if total is None else total + stacked
            count += 1
    assert total is not None
    return total / count


def attribute_rate_gap(
    decide: Decide,
    data: pd.DataFrame,
    groups: Sequence[Any] | pd.Series,
    a: Any,
    b: Any,
    *,
    features: Sequence[str] | None = None,
    condition: Sequence[bool] | pd.Series | None = None,
    pairs: int = 2000,
    permutations: int = 64,
    n_boot: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    max_evaluations: int = 20_000_000,
) -> RateGapAttribution:
    """Split the gap in decision rate between groups ``a`` and ``b`` over ``features``.

    ``decide`` maps a frame of the model's features to 0/1 decisions (threshold a score
    first). ``groups`` gives each row's group; ``condition`` restricts both groups first
    (label == 0 for FPR, label == 1 for TPR). The contributions add up to ``gap`` exactly;
    ``lower``/``upper`` are percentile bootstrap bounds over the drawn pairs.
    """
    columns = list(features) if features is not None else list(data.columns)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ExplainInputError(f"features not in the data: {', '.join(missing)}")
    if not columns:
        raise ExplainInputError("give at least one feature to attribute the gap to")
    group = pd.Series(np.asarray(groups, dtype=object), index=data.index)
    if len(group) != len(data):
        raise ExplainInputError(f"{len(group)} group labels for {len(data)} rows")
    keep = pd.Series(True, index=data.index)
    if condition is not None:
        keep = pd.Series(np.asarray(condition, dtype=bool), index=data.index)
    rows_a = data.loc[keep & (group == a), columns]
    rows_b = data.loc[keep & (group == b), columns]
    for name, rows in ((a, rows_a), (b, rows_b)):
        if rows.empty:
            raise ExplainInputError(f"group {name!r} has no rows (after the condition)")
    if pairs < 10 or n_boot < 0 or not 0 < confidence < 1:
        raise ExplainInputError("pairs must be at least 10, n_boot >= 0, 0 < confidence < 1")
    d = len(columns)
    exact = d <= EXACT_FEATURES
    calls = 2**d if exact else max(1, permutations // 2) * 2 * (d + 1)
    if calls * pairs > max_evaluations:
        raise BudgetExceededError(
            f"the rate-gap attribution needs {calls * pairs:,} model evaluations "
            f"({d} features, {pairs} pairs), over the budget of {max_evaluations:,}; "
            "lower pairs or permutations, or give fewer features"
        )
    rng = np.random.default_rng(seed)
    a_draw = rows_a.iloc[rng.integers(0, len(rows_a), pairs)].reset_index(drop=True)
    b_draw = rows_b.iloc[rng.integers(0, len(rows_b), pairs)].reset_index(drop=True)
    base = _decisions(decide, b_draw)

    def values(swap: Sequence[str]) -> FloatArray:
        return _decisions(decide, _hybrid(b_draw, a_draw, swap)) - base

    if exact:
        per_pair = _exact(values, columns)
        method = f"exact Shapley over {d} features ({2**d} coalitions)"
    else:
        per_pair = _permutations(values, columns, permutations, rng)
        method = f"Shapley estimated from {max(1, permutations // 2) * 2} antithetic permutations"
    contribution = per_pair.mean(axis=0)
    rate_a = float(_decisions(decide, a_draw).mean())
    rate_b = float(base.mean())
    gap = rate_a - rate_b
    lower, upper = _bootstrap(per_pair, n_boot, confidence, rng)
    return RateGapAttribution(
        a=a,
        b=b,
        rate_a=rate_a,
        rate_b=rate_b,
        gap=gap,
        features=tuple(columns),
        contribution=contribution,
        lower=lower,
        upper=upper,
        method=method,
        pairs=pairs,
        seed=seed,
        confidence=confidence,
        efficiency_error=float(abs(contribution.sum() - gap)),
    )


def _bootstrap(
    per_pair: FloatArray, n_boot: int, confidence: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    d = per_pair.shape[1]
    if n_boot == 0:
        return np.full(d, np.nan), np.full(d, np.nan)
    n = per_pair.shape[0]
    means = np.empty((n_boot, d))
    for k in range(n_boot):
        means[k] = per_pair[rng.integers(0, n, n)].mean(axis=0)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail], axis=0)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)
