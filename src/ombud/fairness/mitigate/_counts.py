"""Per-group score histograms by label: everything a threshold trade-off needs from a Tally.

A Tally built with ``score=`` holds, per (group, label, score bin), the row count and the
weight sum. Predicting positive at threshold ``edges[k]`` selects bins ``k..``, so the
confusion matrix of every group at every bin-edge threshold is a reverse cumulative sum
of these histograms: no row is read again. The candidate thresholds are therefore the
Tally's bin edges; build the Tally with as many bins as thresholds you want to try
(``score_bins=1000`` gives 1,001 candidates, the last one selecting nobody).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ombud.fairness.mitigate._errors import MitigationInputError
from ombud.stats import Tally
from ombud.stats._tally import LABEL, ROW_COUNT, SCORE_BIN, WEIGHT

__all__ = ["ScoreHistograms", "group_codes", "histograms"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ScoreHistograms:
    """Weighted and raw counts per (group, label, bin); label 0 is negative, 1 positive.

    ``weight[g, y, b]`` is the weight sum and ``rows[g, y, b]`` the row count of group ``g``,
    label ``y``, score bin ``b``; ``edges`` are the Tally's bin edges.
    """

    groups: tuple[str, ...]
    attributes: tuple[str, ...]
    edges: tuple[float, ...]
    weight: FloatArray
    rows: FloatArray

    @property
    def n_bins(self) -> int:
        return len(self.edges) - 1

    @functools.cached_property
    def thresholds(self) -> FloatArray:
        """Candidate thresholds: every bin's lower edge, then +inf (nobody selected)."""
        return np.append(np.asarray(self.edges[:-1], dtype=np.float64), np.inf)


def _label(values: tuple[object, ...]) -> str:
    return " × ".join("(missing)" if pd.isna(v) else str(v) for v in values)  # type: ignore[call-overload]


def group_codes(
    tally: Tally, by: Sequence[str] | str | None
) -> tuple[tuple[str, ...], NDArray[np.intp], tuple[str, ...]]:
    """The group columns, each cell's group index, and the group labels (sorted by value)."""
    attrs = tally.group_columns if by is None else ((by,) if isinstance(by, str) else tuple(by))
    unknown = [a for a in attrs if a not in tally.group_columns]
    if unknown or not attrs:
        raise MitigationInputError(
            f"sensitive column(s) {unknown or '(none)'} are not group columns of the Tally "
            f"{list(tally.group_columns)}; name at least one of them"
        )
    # Each column factorised on its own (sorted), then the code tuples numbered: the same
    # order as sorting the value tuples, without building a MultiIndex of every cell.
    per_column = [
        pd.factorize(tally.cells[a].to_pandas(), sort=True, use_na_sentinel=False) for a in attrs
    ]
    key = np.zeros(tally.cells.num_rows, dtype=np.int64)
    for codes_j, uniques_j in per_column:  # mixed radix: lexicographic in the codes
        key = key * len(uniques_j) + np.asarray(codes_j, dtype=np.int64)
    combos, inverse = np.unique(key, return_inverse=True)
    codes = inverse.reshape(-1)
    values = []
    for combo in combos.tolist():
        digits = []
        for _, uniques_j in reversed(per_column):
            combo, digit = divmod(combo, len(uniques_j))
            digits.append(uniques_j[digit])
        values.append(tuple(reversed(digits)))
    groups = tuple(_label(v) for v in values)
    if len(groups) < 2:
        raise MitigationInputError(
            f"column(s) {list(attrs)} hold {len(groups)} group(s); trade-offs between groups "
            "need at least two"
        )
    return attrs, np.asarray(codes, dtype=np.intp), groups


def histograms(tally: Tally, by: Sequence[str] | str | None = None) -> ScoreHistograms:
    """The histograms of ``tally`` per group of the columns ``by`` (default: all of them)."""
    if tally.kind != "classification" or tally.multiclass or tally.score_edges is None:
        raise MitigationInputError(
            "threshold trade-offs need a binary classifier's scores; give a score column "
            "(--score) in [0, 1]"
        )
    attrs, codes, groups = group_codes(tally, by)
    frame = tally.cells.select([LABEL, SCORE_BIN, ROW_COUNT, WEIGHT]).to_pandas()
    frame[LABEL] = (frame[LABEL] == 1).astype(np.int64)
    n_bins = len(tally.score_edges) - 1
    weight = np.zeros((len(groups), 2, n_bins))
    rows = np.zeros((len(groups), 2, n_bins))
    gi = codes
    yi = frame[LABEL].to_numpy(dtype=np.intp)
    bi = frame[SCORE_BIN].to_numpy(dtype=np.intp)
    np.add.at(weight, (gi, yi, bi), frame[WEIGHT].to_numpy(dtype=np.float64))
    np.add.at(rows, (gi, yi, bi), frame[ROW_COUNT].to_numpy(dtype=np.float64))
    for g, name in enumerate(groups):
        for y, what in ((1, "positive"), (0, "negative")):
            if not weight[g, y].sum() > 0:
                raise MitigationInputError(
                    f"group {name!r} has no {what} labels, so its TPR/FPR are undefined; "
                    "merge it with another group or drop it before the trade-off"
                )
    return ScoreHistograms(groups, attrs, tuple(tally.score_edges), weight, rows)
