"""A model's thresholded decisions as the game of ``attribute_rate_gap``.

``attribute_rate_gap`` takes any 0/1 decision function; this is the one a fitted model and
a cutoff define, settled the way every other explainer settles its inputs (the model's
features in the model's order, numeric, no missing values; the output named). The cutoff
defaults to where the model's own labels change: 0 on a margin (log-odds), 0.5 on a
probability; a regressor's prediction has no natural cutoff, so one must be given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ombud.explain._boosters import adapt
from ombud.explain._errors import ExplainInputError
from ombud.explain._inputs import OutputKind, model_output, numeric_frame
from ombud.explain._rate_gap import RateGapAttribution, attribute_rate_gap

__all__ = ["ModelRateGap", "model_rate_gap"]


@dataclass(frozen=True)
class ModelRateGap:
    """The attribution, and how a decision was made from the model's output."""

    result: RateGapAttribution
    output: str
    threshold: float

    def decision(self) -> str:
        return f"{self.output} >= {self.threshold:g} counts as selected"


def model_rate_gap(
    model: Any,
    data: pd.DataFrame,
    groups: Sequence[Any] | pd.Series,
    a: Any,
    b: Any,
    *,
    output: OutputKind = "auto",
    threshold: float | None = None,
    condition: Sequence[bool] | pd.Series | None = None,
    pairs: int = 2000,
    permutations: int = 64,
    n_boot: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> ModelRateGap:
    """Attribute the gap in the rate of ``output >= threshold`` between ``a`` and ``b``.

    ``data`` holds the model's features (each is a player of the game); ``condition``
    restricts both groups first (label 0 for the false positive rate, 1 for the true).
    """
    model = adapt(model)
    frame = numeric_frame(data, model, "data")
    out = model_output(model, tuple(frame.columns), output)
    if threshold is None:
        if out.kind == "prediction":
            raise ExplainInputError(
                f"model {type(model).__name__} is a regressor: give the threshold its "
                "prediction is cut at (threshold=)"
            )
        threshold = 0.0 if out.kind == "margin" else 0.5
    if not np.isfinite(threshold):
        raise ExplainInputError(f"threshold={threshold}: give a finite number")
    cut = float(threshold)

    def decide(rows: pd.DataFrame) -> Any:
        return (out(rows[list(frame.columns)].to_numpy()) >= cut).astype(float)

    group = pd.Series(np.asarray(groups, dtype=object))
    keep = None if condition is None else pd.Series(np.asarray(condition, dtype=bool))
    result = attribute_rate_gap(
        decide,
        frame,
        group,
        a,
        b,
        condition=keep,
        pairs=pairs,
        permutations=permutations,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
    )
    return ModelRateGap(result, out.label, cut)
