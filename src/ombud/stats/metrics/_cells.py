"""Shared plumbing for metrics: which strata to group by, and sums of cells per stratum.

Metrics never see rows, only these per-stratum sums; marginalizing to fewer sensitive columns
is just grouping by fewer keys, so intersectional and single-attribute results come from the
same Tally.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ombud.stats._errors import TallyError
from ombud.stats._tally import LABEL, PREDICTION, SCORE_BIN, Tally

_ALL = "__all__"


def strata(
    tally: Tally, by: Sequence[str] | str | None, control: Sequence[str] | str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Resolve ``by`` (default: every group column) and ``control`` against the Tally."""
    by_t = tally.group_columns if by is None else ((by,) if isinstance(by, str) else tuple(by))
    ctl = () if control is None else ((control,) if isinstance(control, str) else tuple(control))
    allowed = tally.strata_keys
    unknown = [c for c in (*by_t, *ctl) if c not in allowed]
    if unknown:
        raise TallyError(f"{unknown} are not group/window columns of this Tally: {list(allowed)}")
    if set(by_t) & set(ctl):
        raise TallyError(f"columns {sorted(set(by_t) & set(ctl))} cannot be both by and control")
    return by_t, ctl


def cell_frame(tally: Tally) -> pd.DataFrame:
    frame: pd.DataFrame = tally.cells.to_pandas()
    return frame


def sum_by(frame: pd.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """Sum ``columns`` per stratum; with no keys, one row labelled ``__all__``."""
    if not keys:
        sums = frame[list(columns)].sum().to_frame().T
        sums.index = pd.Index([_ALL])
        return sums.astype(float)
    return frame.groupby(list(keys), dropna=False, sort=True)[list(columns)].sum().astype(float)


def predicted_positive(tally: Tally, frame: pd.DataFrame, threshold: float | None) -> pd.Series:
    """1 where the cell is predicted positive: the prediction column, or score >= threshold."""
    if threshold is None:
        if not tally.has_prediction:
            raise TallyError("this Tally has scores only; pass threshold= (a score bin edge)")
        return (frame[PREDICTION] == 1).astype(float)
    k = threshold_bin(tally, threshold)
    return (frame[SCORE_BIN] >= k).astype(float)


def threshold_bin(tally: Tally, threshold: float) -> int:
    """The bin index k with edges[k] == threshold (scores >= threshold are bins >= k)."""
    edges = tally.score_edges
    if edges is None:
        raise TallyError("threshold= needs a Tally built with score=")
    if threshold > 1.0:
        return len(edges) - 1
    matches = np.flatnonzero(np.isclose(np.asarray(edges[:-1]), threshold, rtol=0, atol=1e-12))
    if matches.size == 0:
        near = sorted(edges[:-1], key=lambda e: abs(e - threshold))[:3]
        raise TallyError(
            f"threshold {threshold} is not a score bin edge of this Tally; nearest edges: {near}"
        )
    return int(matches[0])


def label_positive(frame: pd.DataFrame) -> pd.Series:
    return (frame[LABEL] == 1).astype(float)


def finish_index(table: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Drop the ``__all__`` row label when there were no keys."""
    if not keys:
        return table.reset_index(drop=True)
    return table
