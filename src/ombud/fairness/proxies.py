"""Proxy detection: which features carry the protected attribute even when it is dropped.

Leaving race or sex out of a model does not keep it out: a ZIP code, a first name or a
"relationship: Husband" can carry it back in. Before trusting "the model does not use
the attribute", list the features that predict it. Two complementary measures per
(feature, attribute):

* mutual information (nats) and its share of the attribute's entropy,
  ``MI / H(attribute)`` (0 = no information, 1 = the feature determines the attribute;
  Theil's uncertainty coefficient), on a discretized feature: numerics with more than
  ``bins`` distinct values are cut at within-sample quantiles, missing is its own level,
  and levels with fewer than ``min_level_count`` rows are pooled so row identifiers do not
  look like perfect proxies;
* the cross-validated ROC AUC of a one-feature model (the attribute's frequencies per
  level, which is what a one-hot logistic regression on that feature converges to)
  predicting the attribute; one-vs-rest macro average for more than two values.
  Cross-validation keeps a many-level feature from scoring well by memorising rows.

A feature is flagged when either measure reaches its threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as scipy_stats
from sklearn.metrics import mutual_info_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

__all__ = ["ProxyDetectionError", "ProxyFinding", "ProxyReport", "detect_proxies"]

IntArray = NDArray[np.int64]


class ProxyDetectionError(ValueError):
    """The data or options given to proxy detection cannot be used as they are."""


@dataclass(frozen=True)
class ProxyFinding:
    """How strongly one feature predicts one protected attribute."""

    feature: str
    attribute: str
    n: int
    levels: int
    mutual_information: float
    normalized_mutual_information: float
    auc: float
    flagged: bool


@dataclass(frozen=True)
class ProxyReport:
    """Findings ranked by AUC (then normalized MI), strongest proxy first."""

    findings: tuple[ProxyFinding, ...]
    flag_auc: float
    flag_nmi: float

    @property
    def flagged(self) -> tuple[ProxyFinding, ...]:
        return tuple(f for f in self.findings if f.flagged)

    def for_attribute(self, attribute: str) -> tuple[ProxyFinding, ...]:
        return tuple(f for f in self.findings if f.attribute == attribute)

    def to_frame(self) -> pd.DataFrame:
        columns = [
            "attribute",
            "feature",
            "n",
            "levels",
            "mutual_information",
            "normalized_mutual_information",
            "auc",
            "flagged",
        ]
        rows = [{c: getattr(f, c) for c in columns} for f in self.findings]
        return pd.DataFrame(rows, columns=columns)


def discretize(column: pd.Series, *, bins: int, min_level_count: int) -> IntArray:
    """Integer level codes of a feature, as described in the module docstring."""
    is_numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if is_numeric and column.nunique(dropna=True) > bins:
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        present = ~np.isnan(values)
        # Inner quantile edges, deduplicated; bins are (edge[i-1], edge[i]]. Unlike
        # pd.qcut with dropped duplicates, a heaped value (capital gain 0 for 90% of
        # rows) keeps its own bin instead of swallowing the rest of the range.
        edges = np.unique(np.quantile(values[present], np.arange(1, bins) / bins))
        codes = np.full(len(values), -1, dtype=np.int64)
        codes[present] = np.searchsorted(edges, values[present], side="left")
    else:
        codes = pd.factorize(column, use_na_sentinel=True)[0].astype(np.int64)
    levels, counts = np.unique(codes, return_counts=True)
    rare = levels[counts < min_level_count]
    if len(rare):
        codes = np.where(np.isin(codes, rare), -2, codes)
    # Renumber 0..k-1 so every level is a plain category for the encoder.
    return np.unique(codes, return_inverse=True)[1].astype(np.int64)


def _level_frequencies(
    train_codes: IntArray, train_target: IntArray, levels: int, classes: int
) -> NDArray[np.float64]:
    """P(attribute value | level) on training rows, shrunk towards the overall frequencies.

    This is the one-feature model: for a single categorical input, a one-hot logistic
    regression converges to exactly these per-level frequencies, so they are computed
    directly (thousands of times faster than fitting; a pseudo-count of one row pulls
    small levels, and levels absent from the training fold, towards the prior).
    """
    joint = np.zeros((levels, classes))
    np.add.at(joint, (train_codes, train_target), 1.0)
    prior = np.bincount(train_target, minlength=classes) / len(train_target)
    shrunk: NDArray[np.float64] = (joint + prior) / (joint.sum(axis=1, keepdims=True) + 1.0)
    return shrunk


def _cross_validated_auc(codes: IntArray, target: IntArray, folds: int, seed: int) -> float:
    levels = int(codes.max()) + 1
    if levels < 2:
        return 0.5  # a constant feature carries no information
    classes = int(target.max()) + 1
    proba = np.empty((len(target), classes))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(codes, target):
        table = _level_frequencies(codes[train], target[train], levels, classes)
        proba[test] = table[codes[test]]
    if classes == 2:
        return float(roc_auc_score(target, proba[:, 1]))
    return float(roc_auc_score(target, proba, multi_class="ovr", average="macro"))


def _attribute_codes(X: pd.DataFrame, attribute: str) -> tuple[pd.Series, IntArray, int]:
    present = X[attribute].notna()
    codes, uniques = pd.factorize(X.loc[present, attribute])
    if len(uniques) < 2:
        raise ProxyDetectionError(
            f"detect_proxies: attribute {attribute!r} has fewer than two values; nothing to predict"
        )
    smallest = int(np.bincount(codes).min())
    if smallest < 2:
        raise ProxyDetectionError(
            f"detect_proxies: a value of {attribute!r} occurs only once; merge rare values "
            "or drop those rows"
        )
    return present, codes.astype(np.int64), smallest


def detect_proxies(
    X: pd.DataFrame,
    sensitive: str | Sequence[str],
    *,
    features: Sequence[str] | None = None,
    flag_auc: float = 0.7,
    flag_nmi: float = 0.1,
    bins: int = 10,
    min_level_count: int = 20,
    folds: int = 5,
    random_state: int = 0,
) -> ProxyReport:
    """Rank every feature of ``X`` by how well it predicts each protected attribute.

    ``features`` defaults to every column that is not a protected attribute. Rows with a
    missing attribute are left out of that attribute's measures. See the module docstring
    for the measures, discretization and flagging rule.
    """
    attributes = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    if not isinstance(X, pd.DataFrame):
        raise ProxyDetectionError("detect_proxies: X must be a pandas DataFrame")
    chosen = [c for c in X.columns if c not in attributes] if features is None else list(features)
    unknown = [c for c in [*attributes, *chosen] if c not in X.columns]
    if unknown:
        raise ProxyDetectionError(f"detect_proxies: X has no columns {unknown}")
    if not chosen:
        raise ProxyDetectionError("detect_proxies: no features to test; pass features=")
    if bins < 2 or folds < 2 or min_level_count < 1:
        raise ProxyDetectionError(
            "detect_proxies: need bins >= 2, folds >= 2, min_level_count >= 1"
        )
    findings = []
    for attribute in attributes:
        present, target, smallest = _attribute_codes(X, attribute)
        entropy = float(scipy_stats.entropy(np.bincount(target)))
        for feature in chosen:
            if feature == attribute:
                continue
            codes = discretize(X.loc[present, feature], bins=bins, min_level_count=min_level_count)
            mi = float(mutual_info_score(target, codes))
            nmi = mi / entropy
            auc = _cross_validated_auc(codes, target, min(folds, smallest), random_state)
            findings.append(
                ProxyFinding(
                    feature=feature,
                    attribute=attribute,
                    n=len(target),
                    levels=int(codes.max()) + 1,
                    mutual_information=mi,
                    normalized_mutual_information=nmi,
                    auc=auc,
                    flagged=auc >= flag_auc or nmi >= flag_nmi,
                )
            )
    findings.sort(key=lambda f: (-f.auc, -f.normalized_mutual_information, f.feature))
    return ProxyReport(findings=tuple(findings), flag_auc=flag_auc, flag_nmi=flag_nmi)
