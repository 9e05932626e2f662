"""Global importance per group, and a between-group gap in mean output split by feature.

For additive attributions (SHAP) every row satisfies ``output_i = base_i + sum_j phi_ij``,
so for two groups A and B

    mean_A(output) - mean_B(output)
        = sum_j [mean_A(phi_j) - mean_B(phi_j)] + [mean_A(base) - mean_B(base)],

exactly: the contributions ``c_j = mean_A(phi_j) - mean_B(phi_j)`` sum to the gap up to
the base-value term, which is zero when all rows share one background (SHAP) and what is
left over up to the additivity error otherwise. The same identity is what the test suite
checks against the measured gap.

Everything is computed from per-group sufficient statistics (count, sums and sums of
squares of each attribution and of the output, sums of |attribution|), which merge by
addition like a Tally: partitions or days can be attributed separately and combined
without re-reading rows. The intervals are CLT (Welch-type) intervals,
``c_j +/- z * sqrt(s2_A/n_A + s2_B/n_B)``: they cover the sampling variation of the rows
*given* the model and the background; they say nothing about another background.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from ombud.explain._errors import ExplainInputError
from ombud.explain._result import Explanation

__all__ = ["GapAttribution", "GroupMoments", "attribute_gap", "group_moments", "proxy_scores"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GroupMoments:
    """Sufficient statistics of attributions and outputs per group; ``merge`` adds them."""

    features: tuple[str, ...]
    groups: tuple[str, ...]
    n: FloatArray  # (groups,)
    attr_sum: FloatArray  # (groups, features)
    attr_sumsq: FloatArray
    abs_sum: FloatArray
    out_sum: FloatArray  # (groups,)
    out_sumsq: FloatArray
    base_sum: FloatArray

    def merge(self, other: GroupMoments) -> GroupMoments:
        """The moments of the union of both row sets (groups aligned by name)."""
        if other.features != self.features:
            raise ExplainInputError("cannot merge moments of different feature lists")
        groups = tuple(sorted(set(self.groups) | set(other.groups)))

        def spread(m: GroupMoments, name: str) -> FloatArray:
            values = np.asarray(getattr(m, name))
            full = np.zeros((len(groups), *values.shape[1:]))
            for i, g in enumerate(m.groups):
                full[groups.index(g)] = values[i]
            return full

        fields = ("n", "attr_sum", "attr_sumsq", "abs_sum", "out_sum", "out_sumsq", "base_sum")
        added = {f: spread(self, f) + spread(other, f) for f in fields}
        return GroupMoments(self.features, groups, **added)

    def importance(self) -> pd.DataFrame:
        """Mean |attribution| per feature: one column per group, plus ``overall``."""
        table = pd.DataFrame(
            (self.abs_sum / self.n[:, None]).T, index=list(self.features), columns=list(self.groups)
        )
        table["overall"] = self.abs_sum.sum(axis=0) / self.n.sum()
        return table.sort_values("overall", ascending=False, kind="stable")


def group_moments(explanation: Explanation, groups: Sequence[Any] | pd.Series) -> GroupMoments:
    """Per-group moments of an explanation's rows; ``groups`` gives each row's group."""
    labels = pd.Series(np.asarray(groups, dtype=object)).astype(str)
    if len(labels) != explanation.n_rows:
        raise ExplainInputError(
            f"groups has {len(labels)} values but the explanation has {explanation.n_rows} rows"
        )
    if pd.Series(np.asarray(groups, dtype=object)).isna().any():
        raise ExplainInputError("groups has missing values; fill or drop those rows first")
    names = tuple(sorted(labels.unique()))
    codes = labels.map({g: i for i, g in enumerate(names)}).to_numpy()
    phi, out, base = explanation.attributions, explanation.outputs, explanation.base_values

    def by_group(values: FloatArray) -> FloatArray:
        shape = (len(names), *values.shape[1:])
        total = np.zeros(shape)
        np.add.at(total, codes, values)
        return total

    return GroupMoments(
        features=explanation.feature_names,
        groups=names,
        n=np.bincount(codes, minlength=len(names)).astype(np.float64),
        attr_sum=by_group(phi),
        attr_sumsq=by_group(phi**2),
        abs_sum=by_group(np.abs(phi)),
        out_sum=by_group(out),
        out_sumsq=by_group(out**2),
        base_sum=by_group(base),
    )


def _mean_var(total: FloatArray, sumsq: FloatArray, n: float) -> tuple[FloatArray, FloatArray]:
    mean = total / n
    var = np.maximum(sumsq - n * mean**2, 0.0) / (n - 1)
    return mean, var


@dataclass(frozen=True)
class GapAttribution:
    """The gap ``mean_A(output) - mean_B(output)`` and each feature's share of it."""

    group_a: str
    group_b: str
    gap: float
    gap_interval: tuple[float, float]
    base_term: float
    table: pd.DataFrame  # per feature: contribution, se, lower, upper, share, proxy_score, flag
    confidence: float

    @property
    def residual(self) -> float:
        """``gap - sum(contributions) - base_term``: zero up to the additivity error."""
        return float(self.gap - self.table["contribution"].sum() - self.base_term)

    @property
    def likely_proxies(self) -> tuple[str, ...]:
        return tuple(self.table.index[self.table["likely_proxy"]])


def attribute_gap(
    moments: GroupMoments,
    group_a: str,
    group_b: str,
    *,
    confidence: float = 0.95,
    proxy_scores: Mapping[str, float] | None = None,
    proxy_threshold: float = 0.7,
    min_share: float = 0.1,
) -> GapAttribution:
    """Split the gap in mean output between ``group_a`` and ``group_b`` by feature.

    ``proxy_scores`` maps a feature to how well it predicts the sensitive attribute (for
    example the cross-validated AUC from ``ombud.fairness.detect_proxies``, passed in by
    the caller: engines do not import each other). A feature is a *likely proxy* when its
    score reaches ``proxy_threshold`` and it carries the gap: its contribution has the
    gap's sign, is at least ``min_share`` of the gap, and its interval excludes zero.
    """
    for g in (group_a, group_b):
        if g not in moments.groups:
            raise ExplainInputError(f"group {g!r} is not among {list(moments.groups)}")
    if not 0 < confidence < 1:
        raise ExplainInputError("confidence must lie strictly between 0 and 1")
    ia, ib = moments.groups.index(group_a), moments.groups.index(group_b)
    na, nb = float(moments.n[ia]), float(moments.n[ib])
    if min(na, nb) < 2:
        raise ExplainInputError("each group needs at least 2 rows for an interval")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    ma, va = _mean_var(moments.attr_sum[ia], moments.attr_sumsq[ia], na)
    mb, vb = _mean_var(moments.attr_sum[ib], moments.attr_sumsq[ib], nb)
    contribution = ma - mb
    se = np.sqrt(va / na + vb / nb)
    oa, ova = _mean_var(moments.out_sum[ia], moments.out_sumsq[ia], na)
    ob, ovb = _mean_var(moments.out_sum[ib], moments.out_sumsq[ib], nb)
    gap = float(oa - ob)
    gap_se = float(np.sqrt(ova / na + ovb / nb))
    base_term = float(moments.base_sum[ia] / na - moments.base_sum[ib] / nb)
    table = pd.DataFrame(
        {
            "contribution": contribution,
            "se": se,
            "lower": contribution - z * se,
            "upper": contribution + z * se,
            "share": contribution / gap if gap != 0 else np.nan,
        },
        index=list(moments.features),
    )
    scores = proxy_scores or {}
    table["proxy_score"] = [float(scores.get(f, np.nan)) for f in moments.features]
    carries = (
        (np.sign(contribution) == np.sign(gap))
        & (np.abs(contribution) >= min_share * abs(gap))
        & ((table["lower"] > 0) | (table["upper"] < 0))
    )
    table["likely_proxy"] = carries & (table["proxy_score"] >= proxy_threshold)
    table = table.reindex(table["contribution"].abs().sort_values(ascending=False).index)
    return GapAttribution(
        group_a=group_a,
        group_b=group_b,
        gap=gap,
        gap_interval=(gap - z * gap_se, gap + z * gap_se),
        base_term=base_term,
        table=table,
        confidence=confidence,
    )


def proxy_scores(findings: Iterable[Any], attribute: str, measure: str = "auc") -> dict[str, float]:
    """Feature -> ``measure`` for ``attribute``, read from proxy findings by attribute name.

    Takes any objects with ``feature``, ``attribute`` and the measure, such as the
    ``findings`` of ``ombud.fairness.detect_proxies`` (read by name: engines do not import
    each other), ready for ``attribute_gap(..., proxy_scores=...)``.
    """
    scores = {
        str(f.feature): float(getattr(f, measure))
        for f in findings
        if str(f.attribute) == attribute
    }
    if not scores:
        raise ExplainInputError(f"no proxy findings for attribute {attribute!r}")
    return scores
