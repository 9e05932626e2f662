"""The plain record a document is generated from.

The engine never opens a database: the service layer gathers what the workspace knows
about one system version into these frozen values, and every document is a pure function
of them. A notebook can build the same record by hand and get the same card.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EvidenceRecord",
    "FairnessAnalysis",
    "FindingRecord",
    "GateRecord",
    "GroupMetrics",
    "ReviewRecord",
    "SystemRecord",
]

Interval = tuple[float | None, float | None, float | None]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class EvidenceRecord:
    """One recorded piece of evidence, as the gate and the auditor see it."""

    id: int
    kind: str
    summary: str
    engine: str = ""
    engine_version: str = ""
    created_at: str = ""
    metrics: Mapping[str, float | None] = field(default_factory=dict)
    verdicts: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[Mapping[str, Any], ...] = ()
    artifacts: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class GroupMetrics:
    """One group's measured values, each as (estimate, lower, upper)."""

    attribute: str
    group: str
    n: int
    small: bool
    values: Mapping[str, Interval]


@dataclass(frozen=True)
class FairnessAnalysis:
    """The per-group tables of one fairness audit (its stored ``fairness-audit.json``)."""

    evidence_id: int
    sensitive: tuple[str, ...]
    metrics: tuple[str, ...]
    groups: tuple[GroupMetrics, ...]
    verdicts: tuple[Mapping[str, Any], ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_audit_json(cls, evidence_id: int, data: Mapping[str, Any]) -> FairnessAnalysis:
        """Read the JSON a fairness audit stores next to its Tally (``AuditResult.to_dict``)."""
        metrics = tuple(str(m) for m in data.get("metrics", ()))
        groups = []
        for row in data.get("by_group", ()):
            values = {
                m: (
                    _number(row.get(m)),
                    _number(row.get(f"{m}_lower")),
                    _number(row.get(f"{m}_upper")),
                )
                for m in metrics
            }
            groups.append(
                GroupMetrics(
                    attribute=str(row.get("attribute", "")),
                    group=str(row.get("group", "")),
                    n=int(row.get("n") or 0),
                    small=bool(row.get("small", False)),
                    values=values,
                )
            )
        return cls(
            evidence_id=evidence_id,
            sensitive=tuple(str(s) for s in data.get("sensitive", ())),
            metrics=metrics,
            groups=tuple(groups),
            verdicts=tuple(dict(v) for v in data.get("verdicts", ())),
            parameters=dict(data.get("parameters", {})),
            provenance=dict(data.get("provenance", {})),
        )


@dataclass(frozen=True)
class GateRecord:
    outcome: str
    policy: str
    evaluated_at: str = ""
    blocking: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewRecord:
    id: int
    status: str
    decision: str | None = None
    rationale: str = ""
    conditions: tuple[str, ...] = ()
    decided_by: str | None = None


@dataclass(frozen=True)
class FindingRecord:
    id: int
    title: str
    status: str
    severity: str


@dataclass(frozen=True)
class SystemRecord:
    """Everything the workspace knows about one version of one AI system.

    ``profile`` holds the inventory fields (name, purpose, owner, domain, kind, ...);
    ``classification`` the latest risk classification (tier, EU category, reasons,
    obligations) or None when the system is unclassified.
    """

    system_id: str
    version: str
    profile: Mapping[str, Any]
    status: str = ""
    version_notes: str = ""
    version_created_at: str = ""
    models: tuple[Mapping[str, str], ...] = ()
    training_data: tuple[Mapping[str, str], ...] = ()
    version_history: tuple[str, ...] = ()
    transitions: tuple[Mapping[str, Any], ...] = ()
    classification: Mapping[str, Any] | None = None
    evidence: tuple[EvidenceRecord, ...] = ()
    fairness: tuple[FairnessAnalysis, ...] = ()
    gate: GateRecord | None = None
    review: ReviewRecord | None = None
    findings: tuple[FindingRecord, ...] = ()

    @property
    def tier(self) -> int | None:
        tier = (self.classification or {}).get("tier")
        return int(tier) if tier is not None else None

    def text(self, name: str) -> str:
        value = self.profile.get(name)
        return str(value).strip() if value not in (None, "") else ""

    def items(self, name: str) -> list[str]:
        return [str(v) for v in self.profile.get(name) or ()]

    def latest(self, kind: str) -> EvidenceRecord | None:
        found = [e for e in self.evidence if e.kind == kind]
        return max(found, key=lambda e: e.id) if found else None
