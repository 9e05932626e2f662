"""Performance and fairness gaps for many windows at once, from one stacked Tally.

The Tallies of all windows are stacked into one Tally whose window column is the window's
position, so each metric is one group-by over (window, group) cells instead of one call per
window. The per-window functions (``measured_performance``, ``fairness_gaps``) define the
numbers; the tests check these tables equal to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray
from scipy import stats

from ombud.monitor._bias import GAP_COLUMNS
from ombud.monitor._errors import MonitorError
from ombud.monitor._performance import (
    _COLUMNS,
    ESTIMATE_KIND,
    LABEL_FREE,
    PROPORTIONS,
    _threshold,
)
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._window import Window
from ombud.stats import Tally, confusion_counts
from ombud.stats._tally import PREDICTION, ROW_COUNT, SCORE_BIN, sum_cells
from ombud.stats.intervals import newcombe_difference_interval, wilson_interval
from ombud.stats.metrics._cells import threshold_bin

WINDOW = "__ombud_window_index__"
_CELLS = ("tp", "fp", "fn", "tn")


def stack(windows: Sequence[Window], *, labelled: bool) -> Tally | None:
    """One Tally with a window column (the window's position in ``windows``)."""
    parts, first = [], None
    for i, w in enumerate(windows):
        tally = w.labelled if labelled else w.outputs
        if tally is None:
            continue
        first = first or tally
        cells = tally.cells
        parts.append(cells.append_column(WINDOW, pa.array(np.full(cells.num_rows, i, np.int64))))
    if first is None:
        return None
    if WINDOW in first.group_columns:
        raise MonitorError(f"a sensitive attribute may not be named {WINDOW!r}")
    cells = pa.concat_tables(parts, promote_options="permissive")
    if first.has_prediction and first.has_score:
        # Confusion counts read the prediction column: summing the score bins away first leaves
        # a Tally with n_bins times fewer cells and the same counts.
        shape = replace(first, window_column=WINDOW, score_edges=None)
        cells = sum_cells(cells, shape.key_columns, shape.value_columns)
    else:
        shape = replace(first, window_column=WINDOW)
    return replace(shape, cells=cells.select([*shape.key_columns, *shape.value_columns]))


class Stacked:
    """The windows' Tallies stacked once, with their confusion counts per (window, groups).

    Every table of a report is a marginal of one intersectional confusion table per Tally
    (all rows, labelled rows), so a year report groups the cells twice, not once per metric.
    Pass one ``Stacked`` to several report functions to share that work.
    """

    def __init__(self, windows: Sequence[Window], spec: MonitorSpec) -> None:
        self.windows = tuple(windows)
        self.spec = spec
        self._confusion: dict[bool, pd.DataFrame | None] = {}
        self._sums: dict[
            tuple[bool, str | None], tuple[NDArray[np.int64], NDArray[Any] | None, NDArray[Any]]
        ] = {}

    def confusion(self, labelled: bool) -> pd.DataFrame | None:
        if labelled not in self._confusion:
            tally = stack(self.windows, labelled=labelled)
            self._confusion[labelled] = (
                None
                if tally is None
                else confusion_counts(
                    tally,
                    by=self.spec.sensitive,
                    control=WINDOW,
                    threshold=_threshold(self.spec),
                    weighted=False,
                ).reset_index()
            )
        return self._confusion[labelled]

    def counts(self, metric: str, attribute: str | None) -> pd.DataFrame:
        """successes/trials per (window index, group); columns ``window``, ``group``."""
        if metric not in PROPORTIONS:
            raise MonitorError(f"unknown metric {metric!r}; choose from {sorted(PROPORTIONS)}")
        table = self.confusion(metric not in LABEL_FREE)
        if table is None:
            return pd.DataFrame({"window": [], "group": [], "successes": [], "trials": []})
        labelled = metric not in LABEL_FREE
        if (labelled, attribute) not in self._sums:
            keys = [WINDOW] if attribute is None else [WINDOW, attribute]
            grouped = table.groupby(keys, dropna=False, sort=True)
            sums = grouped[list(_CELLS)].sum().reset_index()
            self._sums[(labelled, attribute)] = (
                sums[WINDOW].to_numpy(dtype=np.int64),
                None if attribute is None else sums[attribute].to_numpy(dtype=object),
                sums[list(_CELLS)].to_numpy(dtype=float),
            )
        window, group, cells = self._sums[(labelled, attribute)]
        num, den = PROPORTIONS[metric]
        return pd.DataFrame(
            {
                "window": window,
                "group": np.full(len(window), None, dtype=object) if group is None else group,
                "successes": cells[:, [_CELLS.index(c) for c in num]].sum(axis=1),
                "trials": cells[:, [_CELLS.index(c) for c in den]].sum(axis=1),
            }
        )


def performance_report(
    spec: MonitorSpec,
    windows: Sequence[Window],
    *,
    metrics: Sequence[str] = ("selection_rate", "accuracy", "tpr", "fpr", "ppv"),
    confidence: float = 0.95,
    stacked: Stacked | None = None,
) -> pd.DataFrame:
    """``measured_performance`` for every window, as one table with a ``start`` column."""
    stacked = stacked or Stacked(windows, spec)
    starts = np.asarray([w.start for w in stacked.windows], dtype=object)
    frames = []
    for attribute in (None, *spec.sensitive):
        for metric in metrics:
            c = stacked.counts(metric, attribute)
            if c.empty:
                continue
            x, n = c["successes"].to_numpy(float), c["trials"].to_numpy(float)
            lo, hi = wilson_interval(x, n, confidence=confidence)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(n > 0, x / n, np.nan)
            frames.append(
                pd.DataFrame(
                    {
                        "start": starts[c["window"].to_numpy(int)],
                        "attribute": attribute or "",
                        "group": c["group"],
                        "metric": metric,
                        "value": value,
                        "lower": lo,
                        "upper": hi,
                        "successes": x,
                        "trials": n,
                        "kind": "measured",
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=["start", *_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def gap_table(stacked: Stacked, metric: str, attribute: str) -> pd.DataFrame:
    """Per (window, group ≠ reference): counts beside the reference group's counts."""
    ref = stacked.spec.reference_group(attribute)
    c = stacked.counts(metric, attribute)
    window = c["window"].to_numpy(dtype=np.int64)
    x, n = c["successes"].to_numpy(dtype=float), c["trials"].to_numpy(dtype=float)
    is_ref = (c["group"] == ref).to_numpy() & (n > 0)
    ref_x = np.full(len(stacked.windows), np.nan)
    ref_n = np.full(len(stacked.windows), np.nan)
    ref_x[window[is_ref]], ref_n[window[is_ref]] = x[is_ref], n[is_ref]
    keep = ~is_ref & (n > 0) & ~np.isnan(ref_n[window])
    return pd.DataFrame(
        {
            "window": window[keep],
            "group": c["group"].to_numpy(dtype=object)[keep],
            "successes": x[keep],
            "trials": n[keep],
            "ref_successes": ref_x[window[keep]],
            "ref_trials": ref_n[window[keep]],
        }
    )


def gap_report(
    spec: MonitorSpec,
    windows: Sequence[Window],
    *,
    metrics: Sequence[str] = ("selection_rate", "tpr", "fpr"),
    confidence: float = 0.95,
    stacked: Stacked | None = None,
) -> pd.DataFrame:
    """``fairness_gaps`` for every window (rows only where both groups have data)."""
    stacked = stacked or Stacked(windows, spec)
    starts = np.asarray([w.start for w in stacked.windows], dtype=object)
    frames = []
    for attribute in spec.sensitive:
        for metric in metrics:
            t = gap_table(stacked, metric, attribute)
            if t.empty:
                continue
            x1, n1 = t["successes"].to_numpy(float), t["trials"].to_numpy(float)
            x2, n2 = t["ref_successes"].to_numpy(float), t["ref_trials"].to_numpy(float)
            lo, hi = newcombe_difference_interval(x1, n1, x2, n2, confidence=confidence)
            frames.append(
                pd.DataFrame(
                    {
                        "start": starts[t["window"].to_numpy(int)],
                        "attribute": attribute,
                        "group": t["group"].to_numpy(),
                        "reference": spec.reference_group(attribute),
                        "metric": metric,
                        "gap": x1 / n1 - x2 / n2,
                        "lower": lo,
                        "upper": hi,
                        "successes": x1,
                        "trials": n1,
                        "ref_successes": x2,
                        "ref_trials": n2,
                        "note": "",
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=GAP_COLUMNS)


def estimate_report(
    spec: MonitorSpec, windows: Sequence[Window], *, confidence: float = 0.95
) -> pd.DataFrame:
    """``estimated_performance`` for every window with rows, from one stack of score cells.

    Per (window, group) it needs only six sums: the expected TP, FN, FP, TN, Σ n·p(1−p) and
    Σ n·p(1−p)·pred; the delta-method variance Σ v·(pred − r)² expands to
    Σ v·pred·(1 − 2r) + r²·Σ v because pred is 0 or 1.
    """
    if spec.calibration is None or spec.score_edges is None:
        raise MonitorError(
            "label-free estimates need a score column and labels in the reference "
            "(fit_spec(score=..., label=...)) to learn the calibration map"
        )
    parts, first = [], None
    for i, w in enumerate(windows):
        if w.outputs is None:
            continue
        first = first or w.outputs
        cells = w.outputs.cells
        parts.append(cells.append_column(WINDOW, pa.array(np.full(cells.num_rows, i, np.int64))))
    if first is None:
        return pd.DataFrame(columns=["start", *_COLUMNS])
    frame: pd.DataFrame = pa.concat_tables(parts, promote_options="permissive").to_pandas()
    p = np.asarray(spec.calibration)[frame[SCORE_BIN].to_numpy(dtype=np.int64)]
    if first.has_prediction:
        pred = (frame[PREDICTION] == 1).to_numpy(dtype=float)
    else:
        pred = (frame[SCORE_BIN] >= threshold_bin(first, float(spec.threshold or 0))).to_numpy(
            dtype=float
        )
    n = frame[ROW_COUNT].to_numpy(dtype=float)
    v = n * p * (1 - p)
    frame = frame.assign(
        _n=n,
        etp=n * pred * p,
        efn=n * (1 - pred) * p,
        efp=n * pred * (1 - p),
        etn=n * (1 - pred) * (1 - p),
        v=v,
        vp=v * pred,
    )
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    starts = np.asarray([w.start for w in windows], dtype=object)
    sums_cols = ["_n", "etp", "efn", "efp", "etn", "v", "vp"]
    frames = []
    for attribute in (None, *spec.sensitive):
        keys = [WINDOW] if attribute is None else [WINDOW, attribute]
        s = frame.groupby(keys, dropna=False, sort=True)[sums_cols].sum().reset_index()
        total, pos, neg = s["_n"], s["etp"] + s["efn"], s["efp"] + s["etn"]
        with np.errstate(divide="ignore", invalid="ignore"):
            tpr, fpr = s["etp"] / pos, s["efp"] / neg
            estimates = {
                "accuracy": ((s["etp"] + s["etn"]) / total, s["v"] / total**2),
                "tpr": (tpr, (s["vp"] * (1 - 2 * tpr) + tpr**2 * s["v"]) / pos**2),
                "fpr": (fpr, (s["vp"] * (1 - 2 * fpr) + fpr**2 * s["v"]) / neg**2),
            }
        for metric, (value, var) in estimates.items():
            val = value.to_numpy(dtype=float)
            half = z * np.sqrt(np.maximum(var.to_numpy(dtype=float), 0.0))
            frames.append(
                pd.DataFrame(
                    {
                        "start": starts[s[WINDOW].to_numpy(dtype=np.int64)],
                        "attribute": attribute or "",
                        "group": None if attribute is None else s[attribute].to_numpy(),
                        "metric": metric,
                        "value": val,
                        "lower": np.maximum(val - half, 0.0),
                        "upper": np.minimum(val + half, 1.0),
                        "successes": np.nan,
                        "trials": total.to_numpy(dtype=float),
                        "kind": ESTIMATE_KIND,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)
