"""Compliance coverage of a system, and of the whole inventory, from the record.

Coverage reuses the gate's inputs (the policy in force, the latest classification, one
version's evidence) and the gate's rule outcomes, so the auditor's view and the launch
decision can never disagree about what the evidence says. Nothing is written: coverage
is recomputed on demand, and the OSCAL export is how an assessment is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ombud.compliance import obligation_schedule
from ombud.compliance.control_catalogs import (
    FRAMEWORKS,
    CoverageReport,
    EvidenceRecord,
    KindRequirement,
    RuleOutcome,
    SystemScope,
    UnknownFrameworkError,
    compute_coverage,
    load_control_catalog,
    load_crosswalks,
)
from ombud.governance.gate import evaluate_gate
from ombud.services.context import AppContext
from ombud.services.gates import gate_inputs, resolve_policy
from ombud.store.models import AISystemRow, ClassificationRow

__all__ = [
    "GENERATIVE_KINDS",
    "MATRIX_FRAMEWORKS",
    "CoverageMatrix",
    "MatrixCell",
    "MatrixRow",
    "coverage_matrix",
    "system_coverage",
]

#: System kinds to which the NIST AI 600-1 generative-AI profile applies.
GENERATIVE_KINDS = ("llm_application", "agent", "general_purpose_model")
#: Columns of the org-level matrix.
MATRIX_FRAMEWORKS = ("eu-ai-act", "nist-ai-rmf", "iso-42001", "sector-rules")


def _check_framework(framework: str) -> None:
    if framework not in FRAMEWORKS:
        raise UnknownFrameworkError(
            f"unknown framework '{framework}'; known: {', '.join(FRAMEWORKS)}"
        )


def system_coverage(
    context: AppContext,
    system_id: str,
    framework: str,
    *,
    version: str | None = None,
    policy_path: str | Path | None = None,
    now: datetime | None = None,
) -> CoverageReport:
    """Coverage of ``framework`` for one version of a system (the latest if None)."""
    return system_coverages(
        context, system_id, (framework,), version=version, policy_path=policy_path, now=now
    )[0]


def system_coverages(
    context: AppContext,
    system_id: str,
    frameworks: tuple[str, ...],
    *,
    version: str | None = None,
    policy_path: str | Path | None = None,
    now: datetime | None = None,
) -> list[CoverageReport]:
    for framework in frameworks:
        _check_framework(framework)
    as_of = now or datetime.now(UTC)
    policy = resolve_policy(context, policy_path)
    with context.read() as session:
        facts, evidence, version_row = gate_inputs(session, system_id, version)
        latest = session.execute(
            select(ClassificationRow)
            .where(ClassificationRow.system_id == system_id)
            .order_by(ClassificationRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        result = dict(latest.result) if latest else {}
    gate = evaluate_gate(policy, facts, evidence, as_of)
    requirements = gate.requirements
    kinds = [*requirements.evidence, *requirements.documents] if requirements is not None else []
    # Only duties that apply on the day count; the others are listed with the days left.
    schedule = obligation_schedule(result.get("obligations", ()), as_of.date())
    regimes = obligation_schedule(result.get("other_regimes", ()), as_of.date())
    scope = SystemScope(
        obligation_ids=tuple(o["id"] for o in schedule["in_force"]),
        regime_ids=tuple(r["id"] for r in regimes["in_force"]),
        generative=facts.kind in GENERATIVE_KINDS,
        requirements=tuple(KindRequirement(k.kind, k.max_age_days, k.cites) for k in kinds),
        rules=tuple(
            RuleOutcome(c.id, c.outcome, c.cites, c.message, c.evidence_ids)
            for c in gate.checks
            if c.category == "rule"
        ),
    )
    records = [EvidenceRecord(e.id, e.kind, e.created_at, e.expires_at) for e in evidence]
    catalogs = {name: load_control_catalog(name) for name in FRAMEWORKS}
    crosswalks = load_crosswalks()
    extra = {
        "classified": latest is not None,
        "eu_category": facts.eu_category,
        "tier": facts.tier,
        "policy": {"name": policy.name, "version": policy.version, "sha256": policy.sha256},
        "crosswalks_version": crosswalks.version,
        # What the gate would answer now on this very evidence: coverage and this outcome
        # come from one read, so a page showing both cannot show them disagreeing.
        "gate_outcome": gate.outcome.value,
        "evidence_count": len(evidence),
        "upcoming_obligations": [
            {"id": o["id"], "applies_from": o["applies_from"], "days_left": o["days_left"]}
            for o in schedule["upcoming"] + regimes["upcoming"]
        ],
    }
    reports = []
    for framework in frameworks:
        report = compute_coverage(
            framework,
            scope,
            records,
            catalogs,
            crosswalks,
            as_of=as_of,
            system_id=system_id,
            version=version_row.label,
        )
        reports.append(replace(report, extra=extra))
    return reports


@dataclass(frozen=True)
class MatrixCell:
    """One system under one framework: the share covered and the items by status."""

    percent: float | None  # None when nothing applies
    applicable: int
    counts: Mapping[str, int]  # status -> items, in the catalog's status order

    def to_dict(self) -> dict[str, Any]:
        return {"percent": self.percent, "applicable": self.applicable, **self.counts}


@dataclass(frozen=True, kw_only=True)
class MatrixRow:
    """One system of the matrix; ``error`` (and no cells) when its coverage could not be
    computed, e.g. a system with no version yet."""

    system_id: str
    version: str | None = None
    tier: int | None = None
    eu_category: str | None = None
    cells: Mapping[str, MatrixCell] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"system_id": self.system_id, "error": self.error, "cells": {}}
        return {
            "system_id": self.system_id,
            "version": self.version,
            "tier": self.tier,
            "eu_category": self.eu_category,
            "cells": {name: cell.to_dict() for name, cell in self.cells.items()},
        }


@dataclass(frozen=True)
class CoverageMatrix:
    """Systems x frameworks at one moment, systems by id."""

    as_of: datetime
    frameworks: tuple[str, ...]
    systems: tuple[MatrixRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "frameworks": list(self.frameworks),
            "systems": [row.to_dict() for row in self.systems],
        }


def coverage_matrix(
    context: AppContext,
    frameworks: tuple[str, ...] = MATRIX_FRAMEWORKS,
    *,
    policy_path: str | Path | None = None,
    now: datetime | None = None,
) -> CoverageMatrix:
    """Systems x frameworks: % of applicable items covered (None when nothing applies)."""
    as_of = now or datetime.now(UTC)
    with context.read() as session:
        system_ids = list(
            session.execute(select(AISystemRow.id).order_by(AISystemRow.id)).scalars()
        )
    rows: list[MatrixRow] = []
    for system_id in system_ids:
        try:
            reports = system_coverages(
                context, system_id, frameworks, policy_path=policy_path, now=as_of
            )
        except ValueError as error:  # domain and input errors; a bug should not hide here
            rows.append(MatrixRow(system_id=system_id, error=str(error)))
            continue
        rows.append(
            MatrixRow(
                system_id=system_id,
                version=reports[0].version,
                tier=reports[0].extra.get("tier"),
                eu_category=reports[0].extra.get("eu_category"),
                cells={
                    r.framework: MatrixCell(r.percent, len(r.controls), r.counts()) for r in reports
                },
            )
        )
    return CoverageMatrix(as_of, tuple(frameworks), tuple(rows))
