"""The cells of an audit's Tally laid out as arrays, and the group views over them.

An audit reports every intersectional group and every single attribute, with intervals from a
bootstrap of cell counts. Both needs meet here: the finest groups (control strata × all
sensitive columns) are the bootstrap's strata, and every coarser view (one attribute, or
overall) is a 0/1 matrix summing fine groups, so one resampled table yields every view's
metrics with a few matrix products and never a second pass over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from ombud.stats import Tally
from ombud.stats.metrics import squared_error
from ombud.stats.metrics._cells import threshold_bin

__all__ = ["CellLayout", "View", "view_key"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
MISSING_GROUP = "(missing)"


def view_key(attrs: tuple[str, ...]) -> str:
    """Name of a view: one attribute, ``a+b`` for an intersection, ``overall`` for none."""
    return "+".join(attrs) if attrs else "overall"


def group_label(values: tuple[object, ...]) -> str:
    return " × ".join(MISSING_GROUP if _is_missing(v) else str(v) for v in values) or "all"


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class View:
    """Groups of one view, each a sum of fine groups, within control strata."""

    attrs: tuple[str, ...]
    keys: pd.DataFrame  # one row per view group: control columns, then attrs
    members: sparse.csr_matrix  # (fine groups, view groups) 0/1
    stratum: IntArray  # stratum index of each view group

    @property
    def key(self) -> str:
        return view_key(self.attrs)

    @property
    def size(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class CellLayout:
    """Arrays over the Tally's cells, in the Tally's row order."""

    rows: FloatArray  # real row count per cell
    weight: FloatArray  # weight sum per cell
    fine: IntArray  # fine group index of each cell
    confusion: IntArray  # 0 tp, 1 fp, 2 fn, 3 tn
    label: FloatArray  # 1.0 positive label, 0.0 negative
    score_bin: IntArray | None  # Tally score bin
    calibration_bin: IntArray | None  # coarser bin used for calibration error
    n_calibration_bins: int
    brier_per_weight: FloatArray | None  # Σw(s−y)² / Σw per cell
    score_per_weight: FloatArray | None  # mean score per cell
    fine_keys: pd.DataFrame  # control + sensitive columns per fine group
    control: tuple[str, ...]
    sensitive: tuple[str, ...]
    n_bins: int
    strata_keys: pd.DataFrame  # control columns per stratum (one empty row if no control)

    @property
    def n_fine(self) -> int:
        return len(self.fine_keys)

    @property
    def has_score(self) -> bool:
        return self.score_bin is not None

    def view(self, attrs: tuple[str, ...]) -> View:
        cols = [*self.control, *attrs]
        if cols:
            codes = self.fine_keys.groupby(cols, dropna=False, sort=True).ngroup().to_numpy()
            keys = self.fine_keys[cols].drop_duplicates().sort_values(cols, na_position="last")
            keys = keys.reset_index(drop=True)
        else:
            codes = np.zeros(self.n_fine, dtype=np.intp)
            keys = pd.DataFrame(index=pd.RangeIndex(1))
        members = sparse.csr_matrix(
            (np.ones(self.n_fine), (np.arange(self.n_fine), codes)),
            shape=(self.n_fine, len(keys)),
        )
        stratum = _stratum_index(keys, self.control, self.strata_keys)
        return View(attrs=attrs, keys=keys, members=members, stratum=stratum)


def _stratum_index(keys: pd.DataFrame, control: tuple[str, ...], strata: pd.DataFrame) -> IntArray:
    if not control:
        return np.zeros(len(keys), dtype=np.intp)
    lookup = strata.reset_index(drop=True).reset_index().rename(columns={"index": "_s"})
    merged = keys[list(control)].merge(lookup, on=list(control), how="left", sort=False)
    return merged["_s"].to_numpy(dtype=np.intp)


def build_layout(
    tally: Tally,
    sensitive: tuple[str, ...],
    control: tuple[str, ...],
    threshold: float | None,
    calibration_edges: tuple[float, ...] | None,
) -> CellLayout:
    """Arrays of one Tally whose group columns are exactly ``control + sensitive``."""
    frame = tally.cells.to_pandas()
    group_cols = [*control, *sensitive]
    fine_codes = frame.groupby(group_cols, dropna=False, sort=True).ngroup().to_numpy()
    fine_keys = (
        frame[group_cols].drop_duplicates().sort_values(group_cols, na_position="last")
    ).reset_index(drop=True)
    label = (frame["label"] == 1).to_numpy(dtype=float)
    if threshold is None:
        predicted = (frame["prediction"] == 1).to_numpy(dtype=float)
    else:
        predicted = (frame["score_bin"] >= threshold_bin(tally, threshold)).to_numpy(dtype=float)
    confusion = np.where(
        label == 1, np.where(predicted == 1, 0, 2), np.where(predicted == 1, 1, 3)
    ).astype(np.intp)
    weight = frame["weight"].to_numpy(dtype=float)
    score_bin = calibration_bin = brier = mean_score = None
    n_cal = 0
    if tally.score_edges is not None:
        score_bin = frame["score_bin"].to_numpy(dtype=np.intp)
        edges = np.asarray(tally.score_edges)
        coarse = np.asarray(calibration_edges if calibration_edges else tally.score_edges)
        positions = np.searchsorted(edges, coarse - 1e-12)  # coarse edges are tally edges
        calibration_bin = (np.searchsorted(positions, score_bin, side="right") - 1).astype(np.intp)
        n_cal = len(coarse) - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            s1 = frame["sum_score"].to_numpy(dtype=float)
            s2 = frame["sum_score_sq"].to_numpy(dtype=float)
            brier = np.where(weight > 0, squared_error(s2, s1, weight, label) / weight, 0.0)
            mean_score = np.where(weight > 0, s1 / weight, 0.0)
    strata = (
        fine_keys[list(control)].drop_duplicates().sort_values(list(control), na_position="last")
        if control
        else pd.DataFrame(index=pd.RangeIndex(1))
    ).reset_index(drop=True)
    return CellLayout(
        rows=frame["n"].to_numpy(dtype=float),
        weight=weight,
        fine=fine_codes.astype(np.intp),
        confusion=confusion,
        label=label,
        score_bin=score_bin,
        calibration_bin=calibration_bin,
        n_calibration_bins=n_cal,
        brier_per_weight=brier,
        score_per_weight=mean_score,
        fine_keys=fine_keys,
        control=control,
        sensitive=sensitive,
        n_bins=tally.n_bins,
        strata_keys=strata,
    )
