"""The one result every explainer returns, with its quality check always attached.

An attribution is only as good as the check that comes with it: SHAP values that do not
add up to the model's output, or a LIME explanation that changes with the random seed,
must never be shown as fact. So :class:`Explanation` cannot be built without a quality
check, and its summary puts the check next to the numbers.

Arrays inside the frozen dataclass are made read-only, so a result handed around a
notebook cannot be edited in place after its check was computed (settings and versions
are plain copies, so the result pickles for a worker process).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["AdditivityCheck", "CompletenessCheck", "Explanation", "StabilityCheck"]

FloatArray = NDArray[np.float64]


def _frozen(values: Any, ndim: int) -> FloatArray:
    array = np.array(values, dtype=np.float64, copy=True)
    if array.ndim != ndim:
        raise ValueError(f"expected a {ndim}-dimensional array, got shape {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class AdditivityCheck:
    """SHAP's local accuracy: ``sum(attributions) + base value = model output`` per row.

    ``max_abs_error`` is ``max |sum_j phi_j + base - output|`` over the rows, where the
    output is recomputed from the model itself (not taken from the explainer), so the
    check catches an explainer that explains a different output than the one reported.
    """

    max_abs_error: float
    tolerance: float

    name = "shap_additivity"

    @property
    def passed(self) -> bool:
        return bool(self.max_abs_error <= self.tolerance)

    @property
    def value(self) -> float:
        return self.max_abs_error

    def describe(self) -> str:
        verdict = "holds" if self.passed else "FAILS"
        return (
            f"SHAP additivity {verdict}: max |sum(attr) + base - output| = "
            f"{self.max_abs_error:.3g} (tolerance {self.tolerance:g})"
        )


@dataclass(frozen=True)
class StabilityCheck:
    """Agreement of LIME's top-k features across random seeds.

    For each row, the top-k feature sets (by |weight|) of every pair of seeds are
    compared with the Jaccard index ``|A & B| / |A | B|``; a row's score is the mean over
    all pairs, and ``score`` the mean over rows. A row scoring below ``threshold`` is
    labelled unstable: its explanation depends on the seed and must not be read as fact.
    """

    k: int
    seeds: tuple[int, ...]
    row_scores: FloatArray
    threshold: float

    name = "lime_stability"
    measure = "mean pairwise Jaccard index of the top-k feature sets across seeds"

    def __post_init__(self) -> None:
        object.__setattr__(self, "row_scores", _frozen(self.row_scores, 1))

    @property
    def score(self) -> float:
        return float(self.row_scores.mean()) if len(self.row_scores) else float("nan")

    @property
    def value(self) -> float:
        return self.score

    @property
    def unstable_rows(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.row_scores < self.threshold))

    @property
    def passed(self) -> bool:
        return not self.unstable_rows

    def describe(self) -> str:
        label = "stable" if self.passed else f"UNSTABLE on {len(self.unstable_rows)} row(s)"
        return (
            f"LIME {label}: top-{self.k} Jaccard agreement over {len(self.seeds)} seeds "
            f"= {self.score:.3f} (threshold {self.threshold:g})"
        )


@dataclass(frozen=True)
class CompletenessCheck:
    """Integrated gradients' completeness: ``sum(attributions) = f(x) - f(baseline)`` per row.

    IG is an integral approximated with ``n_steps`` points; Captum's convergence delta is the
    approximation's error, ``sum(attr) - (f(x) - f(baseline))``. A row converged when
    ``|delta| <= tolerance x max(|f(x) - f(baseline)|, floor)``; the explainer raises
    ``n_steps`` until every row does or the cap is reached, and reports the rows that did not
    (never silently, Captum issues #1334 and #1413). ``steps`` is the n_steps each row ended at.
    """

    deltas: FloatArray
    differences: FloatArray
    steps: tuple[int, ...]
    tolerance: float
    floor: float = 1e-6

    name = "ig_completeness"

    def __post_init__(self) -> None:
        object.__setattr__(self, "deltas", _frozen(self.deltas, 1))
        object.__setattr__(self, "differences", _frozen(self.differences, 1))
        object.__setattr__(self, "steps", tuple(int(s) for s in self.steps))

    @property
    def relative_deltas(self) -> FloatArray:
        scale = np.maximum(np.abs(self.differences), self.floor)
        out: FloatArray = np.abs(self.deltas) / scale
        return out

    @property
    def max_relative_delta(self) -> float:
        return float(self.relative_deltas.max()) if len(self.deltas) else 0.0

    @property
    def value(self) -> float:
        return self.max_relative_delta

    @property
    def not_converged(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.relative_deltas > self.tolerance))

    @property
    def passed(self) -> bool:
        return not self.not_converged

    def describe(self) -> str:
        worst = f"max |delta| / |f(x) - f(baseline)| = {self.max_relative_delta:.3g}"
        steps = f"n_steps {min(self.steps, default=0)}-{max(self.steps, default=0)}"
        if self.passed:
            return f"IG completeness holds: {worst} (tolerance {self.tolerance:g}; {steps})"
        return (
            f"IG NOT CONVERGED on {len(self.not_converged)} row(s): {worst} "
            f"(tolerance {self.tolerance:g}; {steps})"
        )


QualityCheck = AdditivityCheck | StabilityCheck | CompletenessCheck


@dataclass(frozen=True)
class Explanation:
    """Per-row feature attributions of one model output, with how they were made.

    ``attributions[i, j]`` is feature ``j``'s share of row ``i``'s ``outputs[i]`` relative
    to ``base_values[i]`` (for SHAP, the expected output over the background). ``output``
    names the model output explained (``decision_function``, ``predict_proba[:, 1]``,
    ``predict``); its scale (log-odds, probability, target units) is the attributions'.
    """

    method: str
    feature_names: tuple[str, ...]
    attributions: FloatArray
    base_values: FloatArray
    outputs: FloatArray
    output: str
    quality: QualityCheck
    seed: int | None
    settings: Mapping[str, Any] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    #: Text models: each row's tokens; ``attributions[i, t]`` is token ``t``'s share (the
    #: columns are token positions, zero past a row's last token).
    tokens: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        attributions = _frozen(self.attributions, 2)
        base = _frozen(self.base_values, 1)
        outputs = _frozen(self.outputs, 1)
        n, m = attributions.shape
        if m != len(self.feature_names) or len(base) != n or len(outputs) != n:
            raise ValueError(
                f"Explanation: shapes disagree (attributions {attributions.shape}, "
                f"{len(self.feature_names)} names, {len(base)} base values, {len(outputs)} outputs)"
            )
        object.__setattr__(self, "feature_names", tuple(self.feature_names))
        object.__setattr__(self, "attributions", attributions)
        object.__setattr__(self, "base_values", base)
        object.__setattr__(self, "outputs", outputs)
        object.__setattr__(self, "settings", dict(self.settings))
        object.__setattr__(self, "versions", dict(self.versions))
        object.__setattr__(self, "tokens", tuple(tuple(str(t) for t in r) for r in self.tokens))
        if self.tokens and (len(self.tokens) != n or max(map(len, self.tokens)) > m):
            raise ValueError("Explanation: one token list per row, none longer than the columns")

    @property
    def n_rows(self) -> int:
        return int(self.attributions.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """Attributions as a DataFrame, one column per feature."""
        return pd.DataFrame(self.attributions, columns=list(self.feature_names))

    def mean_abs(self) -> pd.Series:
        """Global importance: mean |attribution| per feature, largest first.

        For a text model (``tokens`` set) the features are the token strings: the mean
        |attribution| over every occurrence of a token in the explained rows (a position
        means nothing across texts of different lengths).
        """
        if self.tokens:
            pairs = [
                (token, abs(float(self.attributions[i, t])))
                for i, row in enumerate(self.tokens)
                for t, token in enumerate(row)
            ]
            frame = pd.DataFrame(pairs, columns=["token", "value"])
            values = frame.groupby("token", sort=True)["value"].mean()
            return values.sort_values(ascending=False, kind="stable")
        values = pd.Series(np.abs(self.attributions).mean(axis=0), index=self.feature_names)
        return values.sort_values(ascending=False, kind="stable")

    def token_attributions(self, row: int) -> list[tuple[str, float]]:
        """A text row's (token, attribution) pairs in reading order."""
        return [(t, float(self.attributions[row, j])) for j, t in enumerate(self.tokens[row])]

    def top_features(self, row: int, k: int = 4) -> tuple[str, ...]:
        """The ``k`` features with the largest |attribution| in ``row`` (ties: column order)."""
        order = np.argsort(-np.abs(self.attributions[row]), kind="stable")[:k]
        return tuple(self.feature_names[j] for j in order)

    def summary(self) -> dict[str, Any]:
        """JSON-ready description: method, settings, versions, quality, global importance
        (for text, the 50 tokens of largest mean |attribution|, and each row's tokens)."""
        importance = self.mean_abs().head(50) if self.tokens else self.mean_abs()
        return {
            "method": self.method,
            "output": self.output,
            "rows": self.n_rows,
            "features": list(self.feature_names),
            "seed": self.seed,
            "settings": dict(self.settings),
            "versions": dict(self.versions),
            "quality": {
                "check": self.quality.name,
                "value": self.quality.value,
                "passed": self.quality.passed,
                "text": self.quality.describe(),
            },
            "mean_abs_attribution": {k: float(v) for k, v in importance.items()},
            **({"tokens": [list(r) for r in self.tokens]} if self.tokens else {}),
        }
