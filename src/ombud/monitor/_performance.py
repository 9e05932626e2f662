"""Performance per window: measured from labels when they exist, estimated without them.

Measured metrics are proportions of a window's labelled Tally with Wilson intervals. The
label-free estimate follows the idea of CBPE (NannyML's confidence-based performance estimation):
if the model's scores are calibrated — P(label = 1 | score bin) is what it was on the reference,
which is the assumption of *no concept shift* — then each row's label is a Bernoulli draw with
a known probability, and the expected confusion matrix follows from the score histogram alone.
The calibration map is an isotonic fit of the reference's positive rate per score bin (fitted in
``fit_spec``). The interval covers the randomness of the window's labels given a correct map;
it does not cover an error of the map, and under concept shift the estimate is simply wrong
while looking confident (docs/monitoring.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ombud.monitor._errors import MonitorError
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._window import Window
from ombud.stats import Tally, confusion_counts
from ombud.stats._tally import PREDICTION, ROW_COUNT, SCORE_BIN
from ombud.stats.intervals import wilson_interval
from ombud.stats.metrics._cells import threshold_bin

# metric -> (numerator cells, denominator cells) of the confusion matrix
PROPORTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "selection_rate": (("tp", "fp"), ("tp", "fp", "fn", "tn")),
    "accuracy": (("tp", "tn"), ("tp", "fp", "fn", "tn")),
    "tpr": (("tp",), ("tp", "fn")),
    "fpr": (("fp",), ("fp", "tn")),
    "fnr": (("fn",), ("tp", "fn")),
    "ppv": (("tp",), ("tp", "fp")),
}
LABEL_FREE = ("selection_rate",)
ESTIMATED = ("accuracy", "tpr", "fpr")
ESTIMATE_KIND = "estimated (calibrated scores, assumes no concept shift)"
_COLUMNS = [
    "attribute",
    "group",
    "metric",
    "value",
    "lower",
    "upper",
    "successes",
    "trials",
    "kind",
]


def _threshold(spec: MonitorSpec) -> float | None:
    return None if spec.prediction else spec.threshold


def proportion_counts(
    window: Window, spec: MonitorSpec, metric: str, attribute: str | None
) -> pd.DataFrame:
    """Successes and trials of ``metric`` per group of ``attribute`` (one row if None).

    Label-free metrics read every row (``outputs``); the others read the labelled rows only.
    """
    if metric not in PROPORTIONS:
        raise MonitorError(f"unknown metric {metric!r}; choose from {sorted(PROPORTIONS)}")
    tally = window.outputs if metric in LABEL_FREE else window.labelled
    if tally is None:
        return pd.DataFrame({"successes": [], "trials": []}, dtype=float)
    by = () if attribute is None else attribute
    counts = confusion_counts(tally, by=by, threshold=_threshold(spec), weighted=False)
    num, den = PROPORTIONS[metric]
    return pd.DataFrame(
        {"successes": counts[list(num)].sum(axis=1), "trials": counts[list(den)].sum(axis=1)}
    )


def measured_performance(
    window: Window,
    spec: MonitorSpec,
    *,
    metrics: Sequence[str] = ("selection_rate", "accuracy", "tpr", "fpr", "ppv"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Metrics overall and per group of every sensitive attribute, with Wilson intervals."""
    rows: list[pd.DataFrame] = []
    for attribute in (None, *spec.sensitive):
        for metric in metrics:
            c = proportion_counts(window, spec, metric, attribute)
            if c.empty:
                continue
            x, n = c["successes"].to_numpy(float), c["trials"].to_numpy(float)
            lo, hi = wilson_interval(x, n, confidence=confidence)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(n > 0, x / n, np.nan)
            rows.append(
                pd.DataFrame(
                    {
                        "attribute": attribute or "",
                        "group": [None if attribute is None else g for g in c.index],
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
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=_COLUMNS)


def _expected_cells(window: Window, spec: MonitorSpec) -> tuple[Tally, pd.DataFrame]:
    if spec.calibration is None or spec.score_edges is None:
        raise MonitorError(
            "label-free estimates need a score column and labels in the reference "
            "(fit_spec(score=..., label=...)) to learn the calibration map"
        )
    if window.outputs is None:
        raise MonitorError(f"window {window.key} has no rows to estimate from")
    tally = window.outputs
    frame: pd.DataFrame = tally.cells.to_pandas()
    p = np.asarray(spec.calibration)[frame[SCORE_BIN].to_numpy(dtype=np.int64)]
    if tally.has_prediction:
        pred = (frame[PREDICTION] == 1).to_numpy(dtype=float)
    else:
        k = threshold_bin(tally, float(spec.threshold))  # type: ignore[arg-type]
        pred = (frame[SCORE_BIN] >= k).to_numpy(dtype=float)
    n = frame[ROW_COUNT].to_numpy(dtype=float)
    return tally, frame.assign(_n=n, _p=p, _pred=pred)


def estimated_performance(
    window: Window,
    spec: MonitorSpec,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Expected accuracy, TPR and FPR from calibrated scores, overall and per group.

    Variances (delta method, labels independent given scores): accuracy Σ n·p(1−p) / N²;
    TPR r = E[TP]/E[P] has Σ n·p(1−p)·(pred − r)² / E[P]², and FPR likewise with E[N].
    """
    _, frame = _expected_cells(window, spec)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rows: list[dict[str, object]] = []
    n, p, pred = frame["_n"], frame["_p"], frame["_pred"]
    frame = frame.assign(
        etp=n * pred * p,
        efn=n * (1 - pred) * p,
        efp=n * pred * (1 - p),
        etn=n * (1 - pred) * (1 - p),
        v=n * p * (1 - p),
    )
    for attribute in (None, *spec.sensitive):
        groups = [(None, frame)] if attribute is None else frame.groupby(attribute, dropna=False)
        for group, part in groups:
            total = float(part["_n"].sum())
            pos = float(part["etp"].sum() + part["efn"].sum())
            neg = float(part["efp"].sum() + part["etn"].sum())
            acc = (part["etp"].sum() + part["etn"].sum()) / total if total else np.nan
            estimates = {"accuracy": (acc, float(part["v"].sum()) / total**2 if total else np.nan)}
            for name, num, den in (("tpr", "etp", pos), ("fpr", "efp", neg)):
                r = float(part[num].sum()) / den if den > 0 else np.nan
                var = (
                    float((part["v"] * (part["_pred"] - r) ** 2).sum()) / den**2 if den else np.nan
                )
                estimates[name] = (r, var)
            for metric, (value, var) in estimates.items():
                half = z * float(np.sqrt(var))
                rows.append(
                    {
                        "attribute": attribute or "",
                        "group": group[0] if isinstance(group, tuple) else group,
                        "metric": metric,
                        "value": value,
                        "lower": max(value - half, 0.0),
                        "upper": min(value + half, 1.0),
                        "successes": np.nan,
                        "trials": total,
                        "kind": ESTIMATE_KIND,
                    }
                )
    return pd.DataFrame(rows, columns=_COLUMNS)
