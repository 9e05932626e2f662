"""Reweighing (Kamiran and Calders, 2012) from the Tally's cells.

A training set in which group and label are dependent teaches a model that dependence.
Reweighing gives every (group, label) cell the weight that would make them independent:
``w(g, y) = P(g) P(y) / P(g, y)``, the count expected under independence over the count
observed. Only the four (or 2 × groups) cell totals are needed, and the Tally holds them,
so the weights come without reading a row; applying them to the training rows is one
lookup per row. What changes is the training data's weighting, not any decision rule:
the model must be retrained with the weights and audited again. With sample weights in
the Tally, the counts are weight sums, as AIF360 does with instance weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ombud.fairness.mitigate._counts import group_codes
from ombud.fairness.mitigate._errors import MitigationInputError
from ombud.stats import Tally
from ombud.stats._tally import LABEL, ROW_COUNT, WEIGHT

__all__ = ["Reweighing", "reweighing"]


@dataclass(frozen=True)
class Reweighing:
    """The weight of each (group, label) cell; ``table`` has one row per cell with
    ``rows``, ``weight`` (observed weight sum), ``expected`` (under independence) and
    ``factor`` (expected / observed: multiply each row's weight by it)."""

    attributes: tuple[str, ...]
    table: pd.DataFrame

    def factor(self, group: str, label: int) -> float:
        hit = self.table[(self.table["group"] == group) & (self.table["label"] == label)]
        if hit.empty:
            raise KeyError(f"no cell ({group!r}, {label}); groups: {self.groups}")
        return float(hit["factor"].iloc[0])

    @property
    def groups(self) -> list[str]:
        return sorted(set(self.table["group"]))

    def weights(self, groups: ArrayLike, labels: ArrayLike) -> NDArray[np.float64]:
        """Each row's factor, from its group label and its 0/1 label."""
        g = np.asarray(groups, dtype=object).astype(str)
        y = np.asarray(labels).astype(np.int64)
        keys = pd.MultiIndex.from_arrays([g, y])
        lookup = self.table.set_index(["group", "label"])["factor"]
        out = lookup.reindex(keys).to_numpy(dtype=np.float64)
        if np.isnan(out).any():
            bad = sorted({(a, int(b)) for a, b, v in zip(g, y, out, strict=True) if np.isnan(v)})
            raise MitigationInputError(
                f"rows in cells with no weight {bad[:3]}: their group or label did not occur "
                "in the Tally the weights were computed from"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "attributes": list(self.attributes),
            "cells": [
                {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
                for r in self.table.to_dict(orient="records")
            ],
        }


def reweighing(tally: Tally, by: Sequence[str] | str | None = None) -> Reweighing:
    """Kamiran–Calders weights per (group of ``by``, label) from a binary Tally."""
    if tally.kind != "classification" or tally.multiclass:
        raise MitigationInputError("reweighing needs a binary classification Tally (a label)")
    attrs, codes, groups = group_codes(tally, by)
    frame = tally.cells.select([LABEL, ROW_COUNT, WEIGHT]).to_pandas()
    label = (frame[LABEL] == 1).to_numpy(dtype=np.intp)
    rows = np.zeros((len(groups), 2))
    weight = np.zeros((len(groups), 2))
    np.add.at(rows, (codes, label), frame[ROW_COUNT].to_numpy(dtype=np.float64))
    np.add.at(weight, (codes, label), frame[WEIGHT].to_numpy(dtype=np.float64))
    total = weight.sum()
    if not total > 0:
        raise MitigationInputError("the Tally holds no weight; nothing to reweigh")
    expected = np.outer(weight.sum(axis=1), weight.sum(axis=0)) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(weight > 0, expected / np.where(weight > 0, weight, 1.0), np.nan)
    table = pd.DataFrame(
        {
            "group": np.repeat(np.asarray(groups, dtype=object), 2),
            "label": np.tile([0, 1], len(groups)),
            "rows": rows.ravel().astype(np.int64),
            "weight": weight.ravel(),
            "expected": expected.ravel(),
            "factor": factor.ravel(),
        }
    )
    return Reweighing(attrs, table)
