"""Counterfactual flip test: would the model decide differently if only the group changed?

Group rates (selection rate, error rates) show *that* outcomes differ; they cannot show
whether the model itself reacts to the protected attribute. Asking the fitted model the
same question twice, once with each person's own group and once with another, isolates
that reaction. Removing the attribute from the inputs is not enough when other columns
encode it, so the test can also move declared proxy columns along with the attribute.

How proxies move (the documented choice):

* ``proxies=["zip", "income"]``: a categorical, boolean or text proxy is set to its most
  common value in the counterfactual group (ties: the first in sort order); a numeric
  proxy is moved by quantile mapping, so a person at the p-th within-group percentile
  takes the value at the p-th percentile of the counterfactual group (the monotone
  transport map in one dimension; always a value observed in that group).
* ``proxies={"zip": {"A": "10001", "B": "60601"}}``: the caller says which value each
  proxy takes for each counterfactual group.

Group statistics are computed on ``X`` itself, so pass a representative sample.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as scipy_stats

from ombud.stats.intervals import wilson_interval

__all__ = [
    "CounterfactualError",
    "FlipPair",
    "FlipTestResult",
    "counterfactual_flip_test",
]

ProxySpec = Sequence[str] | Mapping[str, Mapping[Hashable, object]]


class CounterfactualError(ValueError):
    """The model, data or options given to the flip test cannot be used as they are."""


class _Predictor(Protocol):
    def predict(self, X: Any) -> Any: ...


@dataclass(frozen=True)
class FlipPair:
    """Decisions for people of group ``original`` when their attribute is set to ``counterfactual``.

    ``to_favourable`` counts people who gain the favourable decision in the counterfactual,
    ``to_unfavourable`` those who lose it; ``share`` = flipped / n with a Wilson interval.
    """

    original: object
    counterfactual: object
    n: int
    flipped: int
    to_favourable: int
    to_unfavourable: int
    share: float
    lower: float
    upper: float

    @property
    def direction(self) -> str:
        """Net effect on the people moved: ``favourable`` if more gain than lose,
        ``unfavourable`` if fewer, else ``mixed`` (as many gain as lose) or ``none``."""
        if self.to_favourable > self.to_unfavourable:
            return "favourable"
        if self.to_favourable < self.to_unfavourable:
            return "unfavourable"
        return "mixed" if self.flipped else "none"


@dataclass(frozen=True)
class FlipTestResult:
    """All (original group → counterfactual value) pairs of one flip test."""

    sensitive: str
    pairs: tuple[FlipPair, ...]
    threshold: float
    confidence: float
    decision_source: str
    proxy_policy: str

    @property
    def max_share(self) -> float:
        """The largest flip share over all pairs (0 when no decision changed)."""
        return max((pair.share for pair in self.pairs), default=0.0)

    def to_frame(self) -> pd.DataFrame:
        """One row per pair, tidy: attribute, groups, counts, share, interval, direction."""
        rows = [
            {
                "sensitive": self.sensitive,
                "original": pair.original,
                "counterfactual": pair.counterfactual,
                "n": pair.n,
                "flipped": pair.flipped,
                "share": pair.share,
                "lower": pair.lower,
                "upper": pair.upper,
                "to_favourable": pair.to_favourable,
                "to_unfavourable": pair.to_unfavourable,
                "direction": pair.direction,
                "confidence": self.confidence,
            }
            for pair in self.pairs
        ]
        return pd.DataFrame(rows)


def _decisions(
    model: _Predictor, X: pd.DataFrame, threshold: float
) -> tuple[NDArray[np.bool_], str]:
    """Boolean decisions, True = the model's positive class (scikit-learn ``classes_[1]``)."""
    predict_proba = getattr(model, "predict_proba", None)
    if callable(predict_proba):
        proba = np.asarray(predict_proba(X), dtype=np.float64)
        if proba.ndim != 2 or proba.shape[1] != 2:
            raise CounterfactualError(
                f"flip test: predict_proba returned shape {proba.shape}; only binary "
                "classifiers are supported (wrap a multi-class model as one-vs-rest)"
            )
        return proba[:, 1] >= threshold, "predict_proba"
    output = np.asarray(model.predict(X))
    if output.dtype == np.bool_:
        return output, "predict"
    if not np.issubdtype(output.dtype, np.number):
        raise CounterfactualError(
            f"flip test: predict returned {output.dtype} labels; return 0/1, booleans or "
            "scores (compared with threshold), or provide predict_proba"
        )
    return output.astype(np.float64) >= threshold, "predict"


def _constant_like(column: pd.Series, value: object) -> pd.Series:
    """A column of ``value`` with the dtype (and categories) of ``column``."""
    filled = np.empty(len(column), dtype=object)
    filled[:] = [value] * len(column)
    return pd.Series(filled, index=column.index).astype(column.dtype)


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _quantile_map(source: pd.Series, target: pd.Series) -> pd.Series:
    """Give each source value the target value at the same within-group percentile."""
    result = source.copy()
    present = source.notna()
    target_values = target.dropna().to_numpy(dtype=np.float64)
    if not present.any() or len(target_values) == 0:
        return result
    ranks = scipy_stats.rankdata(source[present].to_numpy(dtype=np.float64))
    levels = (ranks - 0.5) / len(ranks)
    # inverted_cdf returns observed target values, so integer columns stay integers.
    mapped = np.quantile(target_values, levels, method="inverted_cdf")
    result[present] = pd.Series(mapped, index=source.index[present]).astype(source.dtype)
    return result


def _apply_proxies(
    X: pd.DataFrame,
    rows: pd.DataFrame,
    sensitive: str,
    target: object,
    proxies: ProxySpec | None,
) -> pd.DataFrame:
    if proxies is None:
        return rows
    if isinstance(proxies, Mapping):
        for column, by_value in proxies.items():
            if target not in by_value:
                raise CounterfactualError(
                    f"flip test: proxies[{column!r}] has no value for group {target!r}; "
                    "give one for every compared group"
                )
            rows[column] = _constant_like(rows[column], by_value[target])
        return rows
    in_target = X[sensitive] == target
    for column in proxies:
        if _is_numeric(X[column]):
            mapped = rows[column].copy()
            for _, members in rows.groupby(X.loc[rows.index, sensitive], observed=True):
                mapped.loc[members.index] = _quantile_map(members[column], X.loc[in_target, column])
            rows[column] = mapped
        else:
            modes = X.loc[in_target, column].mode(dropna=True)
            if len(modes):
                rows[column] = _constant_like(rows[column], modes.iloc[0])
    return rows


def _check_inputs(
    X: pd.DataFrame, sensitive: str, values: Sequence[Hashable] | None, proxies: ProxySpec | None
) -> list[Hashable]:
    if not isinstance(X, pd.DataFrame):
        raise CounterfactualError("flip test: X must be a pandas DataFrame with named columns")
    if sensitive not in X.columns:
        raise CounterfactualError(f"flip test: X has no column {sensitive!r} (sensitive=)")
    if X[sensitive].isna().any():
        raise CounterfactualError(
            f"flip test: column {sensitive!r} has missing values; drop or label them first"
        )
    observed = list(pd.unique(X[sensitive]))
    chosen = sorted(observed, key=str) if values is None else list(values)
    unseen = [v for v in chosen if v not in observed]
    if unseen:
        raise CounterfactualError(
            f"flip test: values {unseen} do not occur in column {sensitive!r}; "
            "pass values that appear in X"
        )
    if len(set(chosen)) < 2:
        raise CounterfactualError(f"flip test: need at least two values of {sensitive!r}")
    for column in proxies or ():
        if column not in X.columns or column == sensitive:
            raise CounterfactualError(
                f"flip test: proxy {column!r} must be a column of X other than {sensitive!r}"
            )
    return chosen


def counterfactual_flip_test(
    model: _Predictor,
    X: pd.DataFrame,
    *,
    sensitive: str,
    values: Sequence[Hashable] | None = None,
    proxies: ProxySpec | None = None,
    threshold: float = 0.5,
    confidence: float = 0.95,
    positive_is_favourable: bool = True,
) -> FlipTestResult:
    """Share of decisions that change when ``sensitive`` is set to each other value.

    ``model`` is fitted, with ``predict_proba`` (binary; positive class probability
    compared with ``threshold``) or ``predict`` (booleans, 0/1 or scores compared with
    ``threshold``). ``values`` restricts the compared groups (default: all values in
    ``X``; rows of other groups are ignored). ``proxies`` moves proxy columns along with
    the attribute, as described in the module docstring. ``positive_is_favourable`` says
    whether the positive decision is the one a person wants (False for "deny").
    """
    chosen = _check_inputs(X, sensitive, values, proxies)
    if not 0.0 < confidence < 1.0:
        raise CounterfactualError(f"flip test: confidence must be in (0, 1), got {confidence}")
    compared = X.loc[X[sensitive].isin(chosen)]
    factual, source = _decisions(model, compared, threshold)
    factual_by_row = pd.Series(factual, index=compared.index)
    counts: list[tuple[object, object, int, int, int]] = []
    for target in chosen:
        others = compared.loc[compared[sensitive] != target].copy()
        others[sensitive] = _constant_like(others[sensitive], target)
        others = _apply_proxies(X, others, sensitive, target, proxies)
        flipped_to, _ = _decisions(model, others, threshold)
        before = factual_by_row.loc[others.index].to_numpy()
        groups = compared.loc[others.index, sensitive].to_numpy()
        for original in chosen:
            if original == target:
                continue
            mine = groups == original
            gained = int(np.sum(mine & flipped_to & ~before))
            lost = int(np.sum(mine & ~flipped_to & before))
            counts.append((original, target, int(mine.sum()), gained, lost))
    rank = {value: i for i, value in enumerate(chosen)}
    counts.sort(key=lambda row: (rank[row[0]], rank[row[1]]))
    flipped = np.array([gained + lost for _, _, _, gained, lost in counts], dtype=np.float64)
    trials = np.array([n for _, _, n, _, _ in counts], dtype=np.float64)
    lower, upper = wilson_interval(flipped, trials, confidence=confidence)
    pairs = []
    for i, (original, target, n, gained, lost) in enumerate(counts):
        favourable, unfavourable = (gained, lost) if positive_is_favourable else (lost, gained)
        pairs.append(
            FlipPair(
                original=original,
                counterfactual=target,
                n=n,
                flipped=gained + lost,
                to_favourable=favourable,
                to_unfavourable=unfavourable,
                share=(gained + lost) / n if n else float("nan"),
                lower=float(lower[i]),
                upper=float(upper[i]),
            )
        )
    return FlipTestResult(
        sensitive=sensitive,
        pairs=tuple(pairs),
        threshold=threshold,
        confidence=confidence,
        decision_source=source,
        proxy_policy=_describe_proxies(proxies),
    )


def _describe_proxies(proxies: ProxySpec | None) -> str:
    if proxies is None:
        return "none: only the sensitive attribute changes"
    if isinstance(proxies, Mapping):
        return f"caller mapping for {sorted(proxies)}"
    return f"group mode (categorical) / quantile mapping (numeric) for {list(proxies)}"
