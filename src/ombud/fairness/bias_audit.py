"""Decisions-only bias audits in the shape NYC Local Law 144 asks for.

Many hiring tools are audited from their decisions alone: who was advanced, or what score
each candidate received, with no ground truth of who would have done the job well. The
classifier audit (``audit``) needs a label and reports accuracy, error rates and
equalized odds; fed the decision as both label and prediction it "measures" a perfect
classifier, which is a false claim. This engine makes no claim about accuracy: it
reports, per category,

- the **selection rate** (share selected) when the tool gives a yes/no outcome, or the
  **scoring rate** (share scoring strictly above the median score of the full sample)
  when it gives a score;
- the **impact ratio**: that rate divided by the highest rate among the categories of
  the same axis (sex, race/ethnicity, and their intersection);
- how many individuals fall in an unknown category (excluded from the rates, counted);
- optionally, categories under a share of the data (at most 2 %) excluded from the
  impact ratios, with a written justification, yet still reported with their count and
  rate.

These follow the definitions of the DCWP rules on automated employment decision tools
(6 RCNY §§ 5-300, 5-301(b)–(d), 5-303) as read in second-hand summaries (see
docs/fairness.md, where this is marked unverified). The rules set no pass mark: this
engine records measurements, not verdicts; an internal threshold belongs in a policy.
Rates carry Wilson intervals so a reader can see how much a small category can say.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ombud.fairness._errors import AuditInputError, MissingColumnsError
from ombud.fairness._evidence import metric_segment
from ombud.records import ArtifactDraft, EvidenceDraft, EvidenceNames, InputRef
from ombud.stats.intervals import wilson_interval
from ombud.stats.metrics import min_over_max, ratio

__all__ = ["BIAS_AUDIT_NAMES", "BiasAuditResult", "CategoryRate", "bias_audit"]

ENGINE = "ombud.fairness.bias_audit"
ENGINE_VERSION = "1"
#: The most 6 RCNY § 5-301(d) lets an auditor leave out of the impact ratios.
MAX_EXCLUDE_SHARE = 0.02
DEFAULT_UNKNOWN = ("unknown", "not disclosed", "declined", "prefer not to say", "")
#: What a bias audit records, as templates a policy is checked against (kept beside
#: ``to_evidence``, which emits them; a contract test runs a real audit against it).
BIAS_AUDIT_NAMES = EvidenceNames(
    "bias_audit",
    (
        "bias_audit.applicants",
        "bias_audit.median_score",
        "bias_audit.{axis}.unknown_count",
        "bias_audit.{axis}.impact_ratio_min",
        "bias_audit.{axis}.{category}.applicants",
        "bias_audit.{axis}.{category}.rate",
        "bias_audit.{axis}.{category}.impact_ratio",
    ),
)
_COLUMNS = [
    "axis", "category", "applicants", "positives", "rate", "lower", "upper", "impact_ratio",
    "excluded",
]  # fmt: skip


@dataclass(frozen=True)
class CategoryRate:
    """One category of one axis: its count, rate (with interval) and impact ratio."""

    axis: str
    category: str
    applicants: int
    positives: int
    rate: float
    lower: float
    upper: float
    impact_ratio: float  # NaN when excluded from the ratios
    excluded: bool


@dataclass(frozen=True)
class BiasAuditResult:
    """Per-category rates and impact ratios of one decisions-only audit."""

    mode: str  # "selection" or "scoring"
    rows: tuple[CategoryRate, ...]
    applicants: int  # individuals assessed
    unknown: dict[str, int]  # per axis: individuals in an unknown category
    median_score: float | None
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def axes(self) -> list[str]:
        return list(dict.fromkeys(row.axis for row in self.rows))

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([row.__dict__ for row in self.rows], columns=_COLUMNS)

    def rates(self, name: str) -> list[CategoryRate]:
        return [row for row in self.rows if row.axis == name]

    def axis(self, name: str) -> pd.DataFrame:
        return pd.DataFrame([row.__dict__ for row in self.rates(name)], columns=_COLUMNS)

    def impact_ratio_min(self, name: str) -> float:
        ratios = [r.impact_ratio for r in self.rates(name) if not math.isnan(r.impact_ratio)]
        return min(ratios) if ratios else math.nan

    def summary_rows(self) -> list[dict[str, Any]]:
        """The published-summary rows: every category with its count, rate and ratio."""
        return [
            {
                "axis": row.axis,
                "category": row.category,
                "applicants": row.applicants,
                "rate": row.rate,
                "impact_ratio": None if math.isnan(row.impact_ratio) else row.impact_ratio,
                "excluded_from_ratios": row.excluded,
            }
            for row in self.rows
        ]

    def to_markdown(self, *, audit_date: str, data_source: str) -> str:
        """The summary an employer publishes (6 RCNY § 5-303), as Markdown."""
        word = "Selection" if self.mode == "selection" else "Scoring"
        lines = [
            "# Bias audit summary",
            "",
            f"- Date of the audit: {audit_date}",
            f"- Source and explanation of the data: {data_source}",
            f"- Individuals assessed: {self.applicants}",
        ]
        for axis, count in self.unknown.items():
            lines.append(f"- Individuals in an unknown {axis} category (not in the rates): {count}")
        if self.median_score is not None:
            lines.append(f"- Median score of the full sample: {self.median_score:g}")
        justification = self.parameters.get("exclusion_justification")
        if justification:
            lines.append(f"- Categories excluded from the impact ratios: {justification}")
        for axis in self.axes:
            header = f"| Category | Applicants | {word} rate | Impact ratio |"
            lines += ["", f"## {axis}", "", header, "| --- | ---: | ---: | ---: |"]
            for row in self.rates(axis):
                ratio = "excluded" if row.excluded else f"{row.impact_ratio:.3f}"
                lines.append(f"| {row.category} | {row.applicants} | {row.rate:.2%} | {ratio} |")
        return "\n".join(lines) + "\n"

    def to_evidence(
        self, inputs: Sequence[InputRef] = (), *, audit_date: str = "", data_source: str = ""
    ) -> EvidenceDraft:
        """The measurements (no verdicts: the rules set no pass mark) and, given the audit
        date and data source, the published summary as an artifact."""
        metrics: dict[str, float] = {"bias_audit.applicants": float(self.applicants)}
        labels: dict[str, str] = {}
        for axis, count in self.unknown.items():
            metrics[f"bias_audit.{metric_segment(axis)}.unknown_count"] = float(count)
        for row in self.rows:
            category = row.category.replace(" × ", "+")
            base = f"bias_audit.{metric_segment(row.axis)}.{metric_segment(category)}"
            labels[base.removeprefix("bias_audit.")] = row.category
            metrics[f"{base}.applicants"] = float(row.applicants)
            metrics[f"{base}.rate"] = row.rate
            if not math.isnan(row.impact_ratio):
                metrics[f"{base}.impact_ratio"] = row.impact_ratio
        for axis in self.axes:
            value = self.impact_ratio_min(axis)
            if not math.isnan(value):
                metrics[f"bias_audit.{metric_segment(axis)}.impact_ratio_min"] = value
        if self.median_score is not None:
            metrics["bias_audit.median_score"] = self.median_score
        worst = {
            axis: self.impact_ratio_min(str(axis)) for axis in dict.fromkeys(self.table["axis"])
        }
        summary = f"{self.mode} rates of {self.applicants} individuals; lowest impact ratio " + (
            ", ".join(f"{a} {v:.3f}" for a, v in worst.items() if not math.isnan(v)) or "n/a"
        )
        return EvidenceDraft(
            kind="bias_audit",
            summary=summary,
            engine=ENGINE,
            engine_version=ENGINE_VERSION,
            metrics=metrics,
            parameters={**self.parameters, "category_labels": labels},
            inputs=tuple(inputs),
            artifacts=(
                ArtifactDraft(
                    "bias-audit-summary.md",
                    "text/markdown",
                    self.to_markdown(audit_date=audit_date, data_source=data_source).encode(),
                ),
            )
            if audit_date and data_source
            else (),
        )


def _frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str | Path):
        path = Path(data)
        if not path.is_file():
            raise AuditInputError(f"{path}: no such file")
        try:
            if path.suffix.lower() == ".parquet":
                return pd.read_parquet(path)
            return pd.read_csv(path)
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise AuditInputError(f"{path}: cannot be read as a table ({exc})") from None
    raise AuditInputError("data must be a pandas DataFrame or a CSV/Parquet path")


def _positives(frame: pd.DataFrame, column: str, pos_label: Any) -> np.ndarray[Any, Any]:
    values = frame[column]
    if values.isna().any():
        raise AuditInputError(f"column '{column}' has {int(values.isna().sum())} missing values")
    if pos_label is not None:
        return np.asarray(values == pos_label)
    distinct = set(pd.unique(values))
    if distinct <= {0, 1} or distinct <= {True, False}:
        return np.asarray(values.astype(bool))
    shown = ", ".join(repr(v) for v in sorted(distinct, key=str)[:5])
    raise AuditInputError(
        f"column '{column}' is not 0/1 (values {shown}); name the value that means "
        "'selected' with --pos-label"
    )


def _categories(
    frame: pd.DataFrame, column: str, unknown: set[str]
) -> tuple[pd.Series, np.ndarray[Any, Any]]:
    """The category labels (as text) and a mask of the known ones."""
    labels = frame[column].astype("string").fillna("").str.strip()
    known = ~labels.str.lower().isin(unknown).to_numpy()
    return labels, known


def _axis_rows(
    axis: str,
    labels: pd.Series,
    hits: np.ndarray[Any, Any],
    known: np.ndarray[Any, Any],
    exclude_below: float,
    confidence: float,
) -> list[CategoryRate]:
    grouped = (
        pd.DataFrame({"category": labels[known].to_numpy(), "hit": hits[known]})
        .groupby("category", sort=True)["hit"]
        .agg(["size", "sum"])
    )
    total = float(grouped["size"].sum())
    applicants = grouped["size"].to_numpy(dtype=float)
    positives = grouped["sum"].to_numpy(dtype=float)
    rate = ratio(positives, applicants)  # a selection (or scoring) rate per category
    lower, upper = wilson_interval(positives, applicants, confidence=confidence)
    excluded = applicants / total < exclude_below
    kept = rate[~excluded]
    best = float(kept.max()) if len(kept) else math.nan
    rows = []
    for i, category in enumerate(grouped.index):
        # The impact ratio: this category's rate over the highest (NaN when that is 0).
        impact = math.nan if excluded[i] else float(min_over_max(rate[i], best))
        rows.append(
            CategoryRate(
                axis=axis,
                category=str(category),
                applicants=int(applicants[i]),
                positives=int(positives[i]),
                rate=float(rate[i]),
                lower=float(lower[i]),
                upper=float(upper[i]),
                impact_ratio=impact,
                excluded=bool(excluded[i]),
            )
        )
    return rows


def bias_audit(
    data: Any,
    *,
    selected: str | None = None,
    score: str | None = None,
    sex: str | None = None,
    race: str | None = None,
    pos_label: Any = None,
    unknown: Sequence[str] = DEFAULT_UNKNOWN,
    exclude_below: float = 0.0,
    exclusion_justification: str | None = None,
    confidence: float = 0.95,
) -> BiasAuditResult:
    """Selection or scoring rates and impact ratios per sex, race/ethnicity and both.

    Give ``selected`` (the tool's yes/no outcome; 0/1 or ``pos_label``) or ``score``
    (numeric), and at least one of ``sex`` and ``race``. Values in ``unknown`` (matched
    without case) and missing values form the unknown category: counted, not rated.
    ``exclude_below`` (at most 0.02) leaves categories under that share of the known
    rows out of the impact ratios and needs ``exclusion_justification``.
    """
    if (selected is None) == (score is None):
        raise AuditInputError("give exactly one of selected= (yes/no outcome) and score=")
    axes = {name: column for name, column in (("sex", sex), ("race_ethnicity", race)) if column}
    if not axes:
        raise AuditInputError("give at least one category column: sex= or race=")
    if not 0.0 <= exclude_below <= MAX_EXCLUDE_SHARE:
        raise AuditInputError(
            f"exclude_below must lie in [0, {MAX_EXCLUDE_SHARE}] (the rules allow leaving out "
            f"categories under 2% of the data); got {exclude_below}"
        )
    if exclude_below and not (exclusion_justification or "").strip():
        raise AuditInputError("excluding small categories needs a written justification")
    frame = _frame(data)
    wanted = [c for c in (selected, score, *axes.values()) if c]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise MissingColumnsError(
            f"no column {', '.join(repr(c) for c in missing)}; the data has "
            f"{', '.join(map(str, list(frame.columns)[:12]))}"
        )
    if len(frame) == 0:
        raise AuditInputError("the data has no rows")
    median: float | None = None
    if selected is not None:
        hits = _positives(frame, selected, pos_label)
        mode = "selection"
    else:
        assert score is not None
        values = pd.to_numeric(frame[score], errors="coerce")
        if values.isna().any():
            raise AuditInputError(
                f"column '{score}' has {int(values.isna().sum())} missing or non-numeric scores"
            )
        median = float(values.median())
        hits = (values > median).to_numpy()  # "above the median" is strict
        mode = "scoring"
    unknown_set = {u.strip().lower() for u in unknown}
    rows: list[CategoryRate] = []
    unknown_count: dict[str, int] = {}
    masks: dict[str, np.ndarray[Any, Any]] = {}
    labelled: dict[str, pd.Series] = {}
    for axis, column in axes.items():
        labels, known = _categories(frame, column, unknown_set)
        unknown_count[axis] = int((~known).sum())
        if not known.any():
            raise AuditInputError(f"every value of '{column}' is unknown; nothing to rate")
        masks[axis], labelled[axis] = known, labels
        rows += _axis_rows(axis, labels, hits, known, exclude_below, confidence)
    if len(axes) == 2:
        known = masks["sex"] & masks["race_ethnicity"]
        unknown_count["intersectional"] = int((~known).sum())
        labels = labelled["sex"] + " × " + labelled["race_ethnicity"]
        rows += _axis_rows("intersectional", labels, hits, known, exclude_below, confidence)
    parameters: dict[str, Any] = {
        "mode": mode,
        "selected": selected,
        "score": score,
        "sex": sex,
        "race": race,
        "pos_label": pos_label,
        "unknown": sorted(unknown_set),
        "exclude_below": exclude_below,
        "exclusion_justification": exclusion_justification,
        "confidence": confidence,
    }
    return BiasAuditResult(
        mode=mode,
        rows=tuple(rows),
        applicants=len(frame),
        unknown=unknown_count,
        median_score=median,
        parameters=parameters,
    )
