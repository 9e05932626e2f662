"""Fairness gaps per window and per rolling range, each group against the reference group.

A gap is a group's rate minus the reference group's rate (the reference group of each attribute
is the largest group of the reference frame, fixed in the spec), with Newcombe's hybrid score
interval. Selection-rate gaps need no labels; TPR/FPR gaps use the labelled rows. A window where
the reference group or the compared group has no rows gives NaN with a reason, never a number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ombud.monitor._performance import proportion_counts
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._window import Window, merge_windows
from ombud.stats.intervals import newcombe_difference_interval

GAP_COLUMNS = [
    "start",
    "attribute",
    "group",
    "reference",
    "metric",
    "gap",
    "lower",
    "upper",
    "successes",
    "trials",
    "ref_successes",
    "ref_trials",
    "note",
]


def gap_counts(
    window: Window, spec: MonitorSpec, metric: str, attribute: str
) -> tuple[pd.DataFrame, str]:
    """Per-group (successes, trials) beside the reference group's; a note when none apply."""
    ref = spec.reference_group(attribute)
    counts = proportion_counts(window, spec, metric, attribute)
    counts = counts[counts["trials"] > 0]
    if ref not in counts.index:
        return counts.iloc[0:0], f"reference group {ref!r} has no rows for {metric}"
    others = counts.drop(index=ref)
    if others.empty:
        return others, "only one group in this window"
    at = int(np.flatnonzero(counts.index == ref)[0])
    others = others.assign(
        ref_successes=float(counts["successes"].to_numpy()[at]),
        ref_trials=float(counts["trials"].to_numpy()[at]),
    )
    return others, ""


def fairness_gaps(
    window: Window,
    spec: MonitorSpec,
    *,
    metrics: Sequence[str] = ("selection_rate", "tpr", "fpr"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per (attribute, group, metric): gap to the reference group with its interval."""
    rows: list[dict[str, object]] = []
    for attribute in spec.sensitive:
        ref = spec.reference_group(attribute)
        for metric in metrics:
            counts, note = gap_counts(window, spec, metric, attribute)
            if counts.empty:
                rows.append(
                    {
                        "start": window.start,
                        "attribute": attribute,
                        "group": None,
                        "reference": ref,
                        "metric": metric,
                        "gap": np.nan,
                        "note": note,
                    }
                )
                continue
            x1, n1 = counts["successes"].to_numpy(float), counts["trials"].to_numpy(float)
            x2, n2 = counts["ref_successes"].to_numpy(float), counts["ref_trials"].to_numpy(float)
            lo, hi = newcombe_difference_interval(x1, n1, x2, n2, confidence=confidence)
            for i, group in enumerate(counts.index):
                rows.append(
                    {
                        "start": window.start,
                        "attribute": attribute,
                        "group": group,
                        "reference": ref,
                        "metric": metric,
                        "gap": x1[i] / n1[i] - x2[i] / n2[i],
                        "lower": float(lo[i]),
                        "upper": float(hi[i]),
                        "successes": x1[i],
                        "trials": n1[i],
                        "ref_successes": x2[i],
                        "ref_trials": n2[i],
                        "note": "",
                    }
                )
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def rolling_gaps(
    windows: Sequence[Window],
    spec: MonitorSpec,
    *,
    size: int = 7,
    metrics: Sequence[str] = ("selection_rate", "tpr", "fpr"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Gaps over each trailing range of ``size`` windows (merged, so counts add up).

    Overlapping ranges reuse rows, so their intervals are not independent across time: read
    them as a smoothed picture, and use ``gap_detector`` for a decision.
    """
    items = sorted(windows, key=lambda w: w.start)
    frames = []
    for end in range(len(items)):
        merged = merge_windows(items[max(0, end - size + 1) : end + 1])
        frame = fairness_gaps(merged, spec, metrics=metrics, confidence=confidence)
        frames.append(frame.assign(start=items[end].start))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=GAP_COLUMNS)
