"""Which evidence covers which obligation or control of one system, as a pure function.

The gate answers "may this version ship under our policy?"; coverage answers the
auditor's question "for each duty that applies, show me the evidence". Both read the
same evidence, so coverage takes plain facts (evidence records, the policy's required
kinds and its rule outcomes) from the caller and reads no clock and no database: a past
assessment is reproducible from its inputs.

What applies: EU AI Act obligations are the classification's; sector rules follow the
regimes the classification triggered; NIST AI RMF, ISO/IEC 42001 and NIST AI 600-1
items apply when the policy cites them or a crosswalk links them (at most two hops,
never back into a law) to a duty that applies. A link is relevance, not equivalence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ombud.compliance.control_catalogs._load import EU_AI_ACT
from ombud.compliance.control_catalogs._model import CatalogItem, ControlCatalog, Crosswalks
from ombud.compliance.control_catalogs.citations import resolve_citation

__all__ = [
    "STATUSES",
    "ApplicableItem",
    "ControlCoverage",
    "CoverageReport",
    "EvidenceRecord",
    "EvidenceUse",
    "KindRequirement",
    "RuleOutcome",
    "SystemScope",
    "applicable_items",
    "compute_coverage",
]

Status = Literal["covered", "partial", "stale", "missing", "failing"]
#: Worst first: how a control stands.
STATUSES: tuple[Status, ...] = ("failing", "missing", "stale", "partial", "covered")
_DECIDED_BY_CLASSIFICATION = (EU_AI_ACT, "sector-rules")
_LEAF_KINDS = ("obligation", "subcategory", "control", "risk", "rule", "guidance")
GENERATIVE = "nist-ai-600-1"


@dataclass(frozen=True)
class EvidenceRecord:
    id: int
    kind: str
    created_at: datetime
    expires_at: datetime | None = None
    summary: str = ""


@dataclass(frozen=True)
class KindRequirement:
    """The policy requires evidence of ``kind`` no older than ``max_age_days``."""

    kind: str
    max_age_days: int | None
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleOutcome:
    """A policy rule's outcome for this version (from the gate), with what it cites."""

    id: str
    outcome: str  # pass | fail | insufficient | waived
    cites: tuple[str, ...] = ()
    message: str = ""
    evidence_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SystemScope:
    """What decides applicability: the classification and the policy requirements."""

    obligation_ids: tuple[str, ...]
    regime_ids: tuple[str, ...]
    generative: bool = False
    requirements: tuple[KindRequirement, ...] = ()
    rules: tuple[RuleOutcome, ...] = ()


@dataclass(frozen=True)
class ApplicableItem:
    item: CatalogItem
    why: str


@dataclass(frozen=True)
class EvidenceUse:
    evidence_id: int
    kind: str
    fresh: bool
    created_at: datetime
    expires_at: datetime | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "evidence_id": self.evidence_id,
            "kind": self.kind,
            "fresh": self.fresh,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "note": self.note,
        }


@dataclass(frozen=True)
class ControlCoverage:
    item: CatalogItem
    why: str
    status: Status
    kinds: tuple[str, ...]
    required_kinds: tuple[str, ...]
    evidence: tuple[EvidenceUse, ...]
    missing_kinds: tuple[str, ...]
    rules: tuple[RuleOutcome, ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.item.ref,
            "id": self.item.id,
            "title": self.item.title,
            "citation": self.item.citation,
            "why": self.why,
            "status": self.status,
            "kinds": list(self.kinds),
            "required_kinds": list(self.required_kinds),
            "evidence": [use.to_dict() for use in self.evidence],
            "stale_evidence": [use.evidence_id for use in self.evidence if not use.fresh],
            "missing_kinds": list(self.missing_kinds),
            "rules": [{"id": r.id, "outcome": r.outcome, "message": r.message} for r in self.rules],
            "note": self.note,
        }


@dataclass(frozen=True)
class CoverageReport:
    system_id: str
    version: str
    framework: str
    catalog_version: str
    as_of: datetime
    controls: tuple[ControlCoverage, ...]
    unresolved_cites: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.controls) for s in STATUSES}

    @property
    def percent(self) -> float | None:
        """Share of applicable items that are covered, in %; None when nothing applies."""
        if not self.controls:
            return None
        return 100.0 * self.counts()["covered"] / len(self.controls)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id,
            "version": self.version,
            "framework": self.framework,
            "catalog_version": self.catalog_version,
            "as_of": self.as_of.isoformat(),
            "percent_covered": self.percent,
            "counts": self.counts(),
            "controls": [c.to_dict() for c in self.controls],
            "unresolved_cites": list(self.unresolved_cites),
            **dict(self.extra),
        }


def _cited_refs(
    scope: SystemScope, catalogs: Sequence[ControlCatalog]
) -> tuple[dict[str, list[str]], list[str]]:
    """Ref -> requirement kinds citing it, and cites that name nothing we know."""
    cited: dict[str, list[str]] = {}
    unresolved: list[str] = []
    texts = [(r.kind, c) for r in scope.requirements for c in r.cites]
    texts += [("", c) for r in scope.rules for c in r.cites]
    for kind, text in texts:
        refs = resolve_citation(text, catalogs)
        if not refs:
            unresolved.append(text)
        for found in refs:
            cited.setdefault(found, [])
            if kind:
                cited[found].append(kind)
    return cited, list(dict.fromkeys(unresolved))


def applicable_items(
    framework: str,
    scope: SystemScope,
    catalogs: Mapping[str, ControlCatalog],
    crosswalks: Crosswalks,
) -> tuple[ApplicableItem, ...]:
    """Items of ``framework`` that apply to the system, each with why, in catalog order."""
    why: dict[str, str] = {}
    for item in catalogs[EU_AI_ACT]:
        if item.id in scope.obligation_ids:
            why[item.ref] = f"classification names {item.citation}"
    for item in catalogs["sector-rules"]:
        hit = [r for r in item.regimes if r in scope.regime_ids]
        if hit:
            why[item.ref] = f"classification triggers regime {hit[0]}"
    if scope.generative:
        for item in catalogs[GENERATIVE]:
            why[item.ref] = "generative AI system (NIST AI 600-1 profile)"
    cited, _ = _cited_refs(scope, list(catalogs.values()))
    for found in cited:
        if found.split(":", 1)[0] not in _DECIDED_BY_CLASSIFICATION:
            why.setdefault(found, "cited by the policy in force")
    frontier = list(why)
    for _hop in range(2):
        reached: list[str] = []
        for start in frontier:
            for other in crosswalks.neighbours(start):
                if other.split(":", 1)[0] in _DECIDED_BY_CLASSIFICATION or other in why:
                    continue
                why[other] = f"crosswalk from {start}"
                reached.append(other)
        frontier = reached
    catalog = catalogs[framework]
    return tuple(
        ApplicableItem(item, why[item.ref])
        for item in catalog
        if item.ref in why and item.kind in _LEAF_KINDS
    )


def _use(record: EvidenceRecord, max_age: int | None, as_of: datetime) -> EvidenceUse:
    if record.expires_at is not None and record.expires_at <= as_of:
        return EvidenceUse(
            record.id, record.kind, False, record.created_at, record.expires_at, "expired"
        )
    if max_age is not None and record.created_at < as_of - timedelta(days=max_age):
        note = f"older than the policy's {max_age} days"
        return EvidenceUse(
            record.id, record.kind, False, record.created_at, record.expires_at, note
        )
    return EvidenceUse(record.id, record.kind, True, record.created_at, record.expires_at)


def _status(
    uses: Sequence[EvidenceUse], required: Iterable[str], rules: Sequence[RuleOutcome]
) -> Status:
    if any(rule.outcome == "fail" for rule in rules):
        return "failing"
    fresh_kinds = {use.kind for use in uses if use.fresh}
    if not uses:
        return "missing"
    if not fresh_kinds:
        return "stale"
    if any(kind not in fresh_kinds for kind in required):
        return "partial"
    return "covered"


def _missing(
    uses: Sequence[EvidenceUse], kinds: Sequence[str], required: Sequence[str]
) -> tuple[str, ...]:
    """The kinds with no record at all whose absence keeps the item from being covered.

    The policy's required kinds are each needed; when the policy requires none, any one
    linked kind would do, so they are all listed only while nothing is recorded. A kind
    linked by a crosswalk alone is relevance, not a requirement: its absence beside a
    covering record is not "missing" (a covered item never lists any).
    """
    have = {use.kind for use in uses}
    if required:
        return tuple(k for k in required if k not in have)
    return tuple(kinds) if not have else ()


def compute_coverage(
    framework: str,
    scope: SystemScope,
    evidence: Sequence[EvidenceRecord],
    catalogs: Mapping[str, ControlCatalog],
    crosswalks: Crosswalks,
    *,
    as_of: datetime,
    system_id: str = "",
    version: str = "",
) -> CoverageReport:
    """Coverage of every applicable item of ``framework`` by ``evidence`` at ``as_of``."""
    cited, unresolved = _cited_refs(scope, list(catalogs.values()))
    max_age = {r.kind: r.max_age_days for r in scope.requirements}
    rules_by_ref: dict[str, list[RuleOutcome]] = {}
    for rule in scope.rules:
        for text in rule.cites:
            for found in resolve_citation(text, catalogs.values()):
                rules_by_ref.setdefault(found, []).append(rule)
    controls = []
    for applicable in applicable_items(framework, scope, catalogs, crosswalks):
        item = applicable.item
        required = tuple(dict.fromkeys(cited.get(item.ref, ())))
        kinds = tuple(dict.fromkeys((*crosswalks.kinds_for(item.ref), *required)))
        uses = [
            _use(record, max_age.get(record.kind), as_of)
            for record in sorted(evidence, key=lambda r: (r.created_at, r.id), reverse=True)
            if record.kind in kinds
        ]
        rules = tuple(dict.fromkeys(rules_by_ref.get(item.ref, ())))
        note = (
            ""
            if kinds
            else "no evidence kind is linked to this item; attach evidence or extend the crosswalk"
        )
        controls.append(
            ControlCoverage(
                item=item,
                why=applicable.why,
                status=_status(uses, required, rules),
                kinds=kinds,
                required_kinds=required,
                evidence=tuple(uses),
                missing_kinds=_missing(uses, kinds, required),
                rules=rules,
                note=note,
            )
        )
    return CoverageReport(
        system_id=system_id,
        version=version,
        framework=framework,
        catalog_version=catalogs[framework].version,
        as_of=as_of,
        controls=tuple(controls),
        unresolved_cites=tuple(unresolved),
    )
