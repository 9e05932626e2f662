"""Confusion-matrix metrics per group, computed from a Tally's cell sums only.

This module sums cells into the four weighted confusion counts per group; the metrics of those
counts are defined once, in ``_formulas``, which the audit's bootstrap evaluator also calls. A
zero denominator gives NaN and a reason (never 0, which would read as a real rate, and never an
exception, which would stop an audit over one empty group).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ombud.stats._errors import TallyError
from ombud.stats._tally import LABEL, PREDICTION, ROW_COUNT, WEIGHT, Tally
from ombud.stats.metrics._cells import (
    cell_frame,
    finish_index,
    label_positive,
    predicted_positive,
    strata,
    sum_by,
)
from ombud.stats.metrics._disparity import GroupMetrics
from ombud.stats.metrics._formulas import (
    CLASSIFICATION_METRICS,
    CONFUSION,
    UNDEFINED,
    confusion_metrics,
)


def confusion_counts(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    control: Sequence[str] | str | None = None,
    threshold: float | None = None,
    weighted: bool = True,
    positive_class: object = None,
) -> pd.DataFrame:
    """TP, FP, FN, TN per group (weighted sums, or row counts with ``weighted=False``)."""
    by_t, ctl = strata(tally, by, control)
    frame = _with_confusion(tally, cell_frame(tally), threshold, positive_class, weighted)
    return sum_by(frame, [*ctl, *by_t], list(CONFUSION))


def group_counts(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    control: Sequence[str] | str | None = None,
) -> pd.DataFrame:
    """Rows, weight, and positive/negative labels (rows and weight) per group.

    The row counts are real rows even with sample weights, so a small-group flag is honest.
    """
    by_t, ctl = strata(tally, by, control)
    frame = cell_frame(tally)
    keys = [*ctl, *by_t]
    if tally.kind == "regression":
        return finish_index(sum_by(frame, keys, [ROW_COUNT, WEIGHT]), keys)
    pos = label_positive(frame) if not tally.multiclass else pd.Series(np.nan, frame.index)
    frame = frame.assign(
        positives=frame[ROW_COUNT] * pos,
        negatives=frame[ROW_COUNT] * (1 - pos),
        positive_weight=frame[WEIGHT] * pos,
        negative_weight=frame[WEIGHT] * (1 - pos),
    )
    cols = [ROW_COUNT, WEIGHT, "positives", "negatives", "positive_weight", "negative_weight"]
    out = sum_by(frame, keys, cols)
    for c in (ROW_COUNT, "positives", "negatives"):
        if not tally.multiclass:
            out[c] = out[c].astype("int64")
    return finish_index(out, keys)


def _with_confusion(
    tally: Tally,
    frame: pd.DataFrame,
    threshold: float | None,
    positive_class: object,
    weighted: bool,
) -> pd.DataFrame:
    if tally.kind != "classification":
        raise TallyError("confusion metrics need a classification Tally")
    if tally.multiclass:
        if positive_class is None:
            raise TallyError("multiclass Tally: pass positive_class= (one-vs-rest)")
        if not tally.has_prediction:
            raise TallyError("multiclass metrics need a prediction column")
        pos = (frame[LABEL] == positive_class).astype(float)
        pp = (frame[PREDICTION] == positive_class).astype(float)
    else:
        pos, pp = label_positive(frame), predicted_positive(tally, frame, threshold)
    w = frame[WEIGHT] if weighted else frame[ROW_COUNT].astype(float)
    return frame.assign(
        tp=w * pos * pp, fp=w * (1 - pos) * pp, fn=w * pos * (1 - pp), tn=w * (1 - pos) * (1 - pp)
    )


def rates_from_confusion(
    counts: pd.DataFrame, metrics: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metric values and NaN reasons from a TP/FP/FN/TN table (one row per group)."""
    values = confusion_metrics(counts[list(CONFUSION)].to_numpy(dtype=float), metrics)
    return with_reasons(values, counts.index)


def with_reasons(
    values: dict[str, np.ndarray], index: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metric columns, and beside each NaN the reason the metric is undefined there."""
    reasons = {m: np.where(np.isnan(v), UNDEFINED[m], "") for m, v in values.items()}
    return pd.DataFrame(values, index=index), pd.DataFrame(reasons, index=index)


def classification_metrics(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    metrics: Sequence[str] = CLASSIFICATION_METRICS,
    control: Sequence[str] | str | None = None,
    threshold: float | None = None,
    positive_class: object = None,
) -> GroupMetrics:
    """Confusion metrics per group (intersection of ``by``) and overall, within ``control``."""
    by_t, ctl = strata(tally, by, control)
    frame = _with_confusion(tally, cell_frame(tally), threshold, positive_class, True)
    per_group = sum_by(frame, [*ctl, *by_t], list(CONFUSION))
    overall = sum_by(frame, list(ctl), list(CONFUSION))
    values, reasons = rates_from_confusion(per_group, metrics)
    o_values, o_reasons = rates_from_confusion(overall, metrics)
    return GroupMetrics(
        by_group=values,
        overall=finish_index(o_values, ctl),
        reasons=reasons,
        overall_reasons=finish_index(o_reasons, ctl),
        by=by_t,
        control=ctl,
    )


def multiclass_metrics(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    metrics: Sequence[str] = ("tpr", "ppv", "f1", "fpr", "selection_rate"),
    control: Sequence[str] | str | None = None,
) -> tuple[dict[object, GroupMetrics], GroupMetrics]:
    """One-vs-rest metrics per class, and their macro average (mean over classes).

    The macro mean skips classes where the metric is undefined in a group (NaN), and is NaN
    only when it is undefined for every class.
    """
    if not tally.multiclass:
        raise TallyError("multiclass_metrics needs a Tally built with multiclass=True")
    frame = cell_frame(tally)
    classes = sorted(
        set(frame[LABEL].dropna()) | set(frame[PREDICTION].dropna()),
        key=lambda v: (str(type(v)), v),
    )
    per_class = {
        c: classification_metrics(tally, by, metrics=metrics, control=control, positive_class=c)
        for c in classes
    }
    if not per_class:
        raise TallyError("the Tally has no classes (no cells)")
    parts = list(per_class.values())
    by_group = _nanmean([p.by_group for p in parts])
    overall = _nanmean([p.overall for p in parts])
    why = "undefined for every class"
    macro = GroupMetrics(
        by_group=by_group,
        overall=overall,
        reasons=by_group.isna().replace({True: why, False: ""}),
        overall_reasons=overall.isna().replace({True: why, False: ""}),
        by=parts[0].by,
        control=parts[0].control,
    )
    return per_class, macro


def _nanmean(tables: list[pd.DataFrame]) -> pd.DataFrame:
    index = tables[0].index
    for t in tables[1:]:
        index = index.union(t.index)
    stacked = np.stack([t.reindex(index).to_numpy(dtype=float) for t in tables])
    with np.errstate(invalid="ignore"):
        counts = np.sum(~np.isnan(stacked), axis=0)
        sums = np.nansum(stacked, axis=0)
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return pd.DataFrame(mean, index=index, columns=tables[0].columns)
