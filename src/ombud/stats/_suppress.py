"""Small-cell suppression, so a Tally or a metric table can be shared outside the team.

A Tally holds no row, but a cell of 1 or 2 people in a rare intersectional group can still
single someone out ("the one person of group X who was denied"). Removing strata or cells below
a minimum row count before sharing is the usual statistical disclosure control; the row counts
used are real rows, not weight sums, so sample weights cannot hide a tiny group.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ombud.stats._errors import TallyError
from ombud.stats._tally import ROW_COUNT, Tally, sum_cells
from ombud.stats.metrics._classification import group_counts
from ombud.stats.metrics._disparity import GroupMetrics

DEFAULT_MIN_ROWS = 10


def suppress_small_cells(
    tally: Tally, k: int = DEFAULT_MIN_ROWS, *, level: Literal["stratum", "cell"] = "stratum"
) -> Tally:
    """Drop every stratum (group × window) with fewer than ``k`` rows, or every cell if
    ``level='cell'``. The number of strata/cells removed is added to ``suppressed_cells``."""
    if k < 1:
        raise TallyError(f"k must be at least 1, got {k}")
    cells = tally.cells
    if level == "cell":
        keep = pc.greater_equal(cells[ROW_COUNT], k)
        removed = cells.num_rows - int(pc.sum(keep).as_py() or 0)
    elif level == "stratum":
        keys = list(tally.strata_keys)
        frame = cells.select([*keys, ROW_COUNT]).to_pandas()
        if keys:
            grouped = frame.groupby(keys, dropna=False, sort=False)[ROW_COUNT]
            totals = grouped.transform("sum").to_numpy()
            removed = int((grouped.sum() < k).sum())
        else:
            totals = np.full(len(frame), frame[ROW_COUNT].sum())
            removed = int(len(frame) > 0 and totals[0] < k)
        keep = pa.array(totals >= k)
    else:
        raise TallyError(f"level must be 'stratum' or 'cell', got {level!r}")
    kept = sum_cells(cells.filter(keep), tally.key_columns, tally.value_columns)
    return replace(tally, cells=kept, suppressed_cells=tally.suppressed_cells + removed)


def suppress_metrics(
    metrics: GroupMetrics, tally: Tally, k: int = DEFAULT_MIN_ROWS
) -> GroupMetrics:
    """Blank (NaN, with a reason) every group row of a metric table that has fewer than k rows."""
    counts = group_counts(tally, metrics.by, control=metrics.control)[ROW_COUNT]
    small = counts.reindex(metrics.by_group.index).fillna(0) < k
    by_group = metrics.by_group.copy()
    reasons = metrics.reasons.copy()
    by_group.loc[small.to_numpy()] = np.nan
    reasons.loc[small.to_numpy()] = f"suppressed: fewer than {k} rows"
    return replace(metrics, by_group=by_group, reasons=reasons)
