"""What an audit found, in fairlearn's vocabulary, with intervals, tests and verdicts.

The result keeps every group's metric per bootstrap replicate, so any summary a reviewer asks
for later (a difference to overall, a ratio to another reference group) gets an honest interval
without recomputing anything from rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ombud.fairness._errors import AuditInputError
from ombud.fairness._evidence import evidence_draft
from ombud.fairness._layout import View, group_label
from ombud.fairness._policy import FairnessPolicy
from ombud.fairness._report import render_report
from ombud.fairness._summaries import percentile_interval, summarize
from ombud.records import EvidenceDraft
from ombud.stats import Tally

__all__ = ["AuditResult", "ViewData"]

Method = Literal["between_groups", "to_reference", "to_overall"]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ViewData:
    """One view's groups, point estimates (groups × metrics) and bootstrap replicates."""

    view: View
    point: FloatArray
    replicates: FloatArray | None
    reference: NDArray[np.intp]  # position of each group's reference group
    labels: list[str]
    rows: NDArray[np.int64]
    confusion: FloatArray  # weighted TP, FP, FN, TN per group
    confusion_rows: FloatArray  # the same in real rows


@dataclass(frozen=True, eq=False)
class AuditResult:
    """The outcome of :func:`ombud.fairness.audit`.

    ``by_group``: one row per group of every view (the intersection of all sensitive columns,
    then each column alone), with rows, metrics and interval bounds; ``overall``: the same on
    everyone (per control stratum); ``comparisons``: each group against its reference group
    per rate (Newcombe and Katz intervals, z or Fisher tests, Holm and BH adjusted p-values,
    minimum detectable difference and power); ``omnibus``: chi-square across all groups;
    ``verdicts``: one row per rule and attribute (and control stratum).
    """

    by_group: pd.DataFrame
    overall: pd.DataFrame
    comparisons: pd.DataFrame
    omnibus: pd.DataFrame
    verdicts: pd.DataFrame
    tally: Tally
    metrics: tuple[str, ...]
    sensitive: tuple[str, ...]
    control: tuple[str, ...]
    policy: FairnessPolicy
    parameters: Mapping[str, Any]
    provenance: Mapping[str, Any]
    views: tuple[ViewData, ...] = field(repr=False)
    overall_view: ViewData = field(repr=False)
    strata: pd.DataFrame = field(repr=False)

    # ----- fairlearn-style summaries ------------------------------------------------------
    def difference(
        self, method: Method = "between_groups", reference: Hashable | None = None
    ) -> pd.DataFrame:
        """Largest gap per attribute and metric: max − min between groups, or the largest
        |group − reference| / |group − overall|; with bootstrap interval bounds."""
        how = "difference" if method == "between_groups" else "difference_to"
        return self._summary(how, method, reference)

    def ratio(
        self, method: Method = "between_groups", reference: Hashable | None = None
    ) -> pd.DataFrame:
        """Smallest ratio per attribute and metric: min / max between groups, or the smallest
        of group/base and base/group to the reference or overall; with bootstrap bounds."""
        how = "ratio" if method == "between_groups" else "ratio_to"
        return self._summary(how, method, reference)

    def group_min(self) -> pd.DataFrame:
        return self._summary("group_min", "between_groups", None)

    def group_max(self) -> pd.DataFrame:
        return self._summary("group_max", "between_groups", None)

    def _summary(self, how: str, method: Method, reference: Hashable | None) -> pd.DataFrame:
        if method not in ("between_groups", "to_reference", "to_overall"):
            raise AuditInputError(
                f"unknown method {method!r}; use between_groups, to_reference or to_overall"
            )
        frames = []
        n_strata = len(self.strata)
        confidence = float(self.parameters["confidence"])
        for data in self.views:
            strata = data.view.stratum
            base_point = base_reps = None
            if method == "to_overall":
                base_point = self.overall_view.point[strata]
                if self.overall_view.replicates is not None:
                    base_reps = self.overall_view.replicates[:, strata]
            elif method == "to_reference":
                ref = data.reference if reference is None else _reference_rows(data, reference)
                base_point = data.point[ref]
                base_reps = None if data.replicates is None else data.replicates[:, ref]
            value = summarize(data.point, strata, n_strata, how, base_point)
            reps = None
            if data.replicates is not None:
                reps = summarize(data.replicates, strata, n_strata, how, base_reps)
            lower, upper = percentile_interval(reps, confidence)
            for s in range(n_strata):
                head = {"attribute": data.view.key, **self._stratum(s)}
                for m, metric in enumerate(self.metrics):
                    frames.append(
                        {
                            **head,
                            "metric": metric,
                            "value": value[s, m],
                            "lower": _at(lower, s, m),
                            "upper": _at(upper, s, m),
                        }
                    )
        return pd.DataFrame(frames)

    def _stratum(self, s: int) -> dict[str, Any]:
        return {c: self.strata.iloc[s][c] for c in self.control}

    # ----- export ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (NaN as None) for JSON: every table, parameters and provenance."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {str(k): _plain(v) for k, v in row.items()}
                for row in frame.to_dict(orient="records")
            ]

        return {
            "kind": "fairness_audit",
            "sensitive": list(self.sensitive),
            "control": list(self.control),
            "metrics": list(self.metrics),
            "parameters": {k: _plain(v) for k, v in self.parameters.items()},
            "provenance": {k: _plain(v) for k, v in self.provenance.items()},
            "policy": _policy_dict(self.policy),
            "overall": records(self.overall),
            "by_group": records(self.by_group),
            "ratio": records(self.ratio()),
            "difference": records(self.difference()),
            "comparisons": records(self.comparisons),
            "omnibus": records(self.omnibus),
            "verdicts": records(self.verdicts),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_evidence(self, *, report: bool = True) -> EvidenceDraft:
        """An :class:`ombud.records.EvidenceDraft` of kind ``fairness_audit`` (with the HTML
        report as an artifact unless ``report=False``)."""
        return evidence_draft(self, report=report)

    def to_html(self) -> str:
        """The self-contained HTML report (inline CSS and SVG, small cells suppressed)."""
        return render_report(self)

    def _repr_html_(self) -> str:
        return render_report(self, fragment=True)


def _at(array: FloatArray, s: int, m: int) -> float:
    return float(array[s, m]) if np.ndim(array) == 2 else float("nan")


def _reference_rows(data: ViewData, reference: Hashable) -> NDArray[np.intp]:
    """Reference positions when the caller names a group (label or tuple of values)."""
    wanted = reference if isinstance(reference, tuple) else (reference,)
    label = group_label(wanted)
    hits = [i for i, lab in enumerate(data.labels) if lab == label]
    if not hits:
        raise AuditInputError(
            f"reference group {reference!r} not in {data.view.key}; groups: {data.labels[:10]}"
        )
    by_stratum = {int(data.view.stratum[h]): h for h in hits}
    out = np.array([by_stratum.get(int(s), -1) for s in data.view.stratum], dtype=np.intp)
    if (out < 0).any():
        raise AuditInputError(f"reference group {reference!r} is missing from some control strata")
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _policy_dict(policy: FairnessPolicy) -> dict[str, Any]:
    return {
        "rules": [
            {"name": r.name, "metrics": list(r.metrics), "statistic": r.statistic, "bound": r.bound}
            for r in policy.rules
        ],
        "min_group_size": policy.min_group_size,
        "suppress_below": policy.suppress_below,
        "tested_metrics": list(policy.tested_metrics),
        "power_ratio": policy.power_ratio,
        "alpha": policy.alpha,
    }
