"""A policy pack as frozen data: what each risk tier must show before launch.

The pack is data, not code, so the Responsible AI Lead can change a threshold in a
reviewed pull request and the gate, the review board and CI all read the same rule.
Overlays add requirements for a domain or an EU AI Act category on top of a tier; they
only ever add (a union), so a domain overlay can never make a tier laxer by accident.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from ombud.governance.policy._monitoring import MonitoringPolicy

__all__ = [
    "CAPACITIES",
    "METRIC_OPERATORS",
    "Approvals",
    "EvidenceRequirement",
    "Overlay",
    "PolicyPack",
    "PolicyRule",
    "Requirements",
    "Waiver",
]

#: Capacities in which a reviewer sits on a review board.
CAPACITIES = ("board_member", "domain_expert", "community_representative")

Operator = Literal["<", "<=", ">", ">="]
METRIC_OPERATORS: dict[str, str] = {
    "<": "below",
    "<=": "at most",
    ">": "above",
    ">=": "at least",
}


@dataclass(frozen=True)
class EvidenceRequirement:
    """Evidence of ``kind`` no older than ``max_age_days`` must exist for the version.

    ``accepts`` names other kinds that stand in for it: the hiring overlay's four-fifths
    duty is about selection rates, which a decisions-only ``bias_audit`` measures as well
    as a classifier ``fairness_audit`` does (a résumé screen has no ground truth to audit).
    """

    kind: str
    max_age_days: int | None
    why: str = ""
    cites: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.kind, *self.accepts)

    def label(self) -> str:
        return " or ".join(self.kinds)


@dataclass(frozen=True)
class PolicyRule:
    """A rule over evidence metrics (``metric`` + ``op`` + ``value``) or verdicts.

    ``pattern`` is a glob over metric or verdict names (``fairness.*.fpr.ratio_min``).
    For verdict rules, ``forbidden`` lists verdicts that break the rule. ``if_missing``
    says what it means when no fresh evidence carries a matching name: ``insufficient``
    (the default: absence of proof is not proof) or ``pass`` (the rule only constrains
    what exists, e.g. "no verdict is insufficient"), which needs a written
    ``justification`` and shows in every gate result as a *waived* check, never a pass.
    """

    id: str
    description: str
    subject: Literal["metric", "verdict"]
    pattern: str
    op: Operator | None = None
    value: float | None = None
    forbidden: tuple[str, ...] = ()
    evidence_kind: str | None = None
    if_missing: Literal["insufficient", "pass"] = "insufficient"
    remedy: str = ""
    cites: tuple[str, ...] = ()
    justification: str = ""

    #: Read only when this rule matches nothing: the same duty measured by another kind of
    #: evidence (the four-fifths rule from a decisions-only bias audit's impact ratios). It
    #: has no id of its own; its outcome is this rule's.
    otherwise: PolicyRule | None = None

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.pattern)

    def holds_for(self, observed: float) -> bool:
        assert self.value is not None  # guaranteed by the parser for metric rules
        if self.op == "<":
            return observed < self.value
        if self.op == "<=":
            return observed <= self.value
        if self.op == ">":
            return observed > self.value
        return observed >= self.value

    def condition_text(self) -> str:
        if self.subject == "metric":
            return f"{self.pattern} {self.op} {self.value:g}"
        return f"{self.pattern} not in [{', '.join(self.forbidden)}]"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "description": self.description,
            self.subject: self.pattern,
            "if_missing": self.if_missing,
        }
        if self.subject == "metric":
            data["op"], data["value"] = self.op, self.value
        else:
            data["not_in"] = list(self.forbidden)
        if self.evidence_kind:
            data["evidence_kind"] = self.evidence_kind
        if self.justification:
            data["justification"] = self.justification
        if self.remedy:
            data["remedy"] = self.remedy
        if self.cites:
            data["cites"] = list(self.cites)
        if self.otherwise is not None:
            alt = self.otherwise.to_dict()
            data["otherwise"] = {
                k: v for k, v in alt.items() if k not in ("id", "description", "if_missing")
            }
        return data


@dataclass(frozen=True)
class Approvals:
    """How many board votes a decision needs, and which capacities must be among them."""

    quorum: int = 1
    capacities: tuple[str, ...] = ()

    def merged(self, other: Approvals) -> Approvals:
        caps = tuple(dict.fromkeys((*self.capacities, *other.capacities)))
        return Approvals(max(self.quorum, other.quorum), caps)


@dataclass(frozen=True)
class Requirements:
    """Everything one system must show: the tier's section plus the overlays that match."""

    evidence: tuple[EvidenceRequirement, ...] = ()
    documents: tuple[EvidenceRequirement, ...] = ()
    rules: tuple[PolicyRule, ...] = ()
    approvals: Approvals = field(default_factory=Approvals)
    sources: tuple[str, ...] = ()  # "tier 2", "overlay hiring", ... for explanations

    def plus(self, other: Requirements) -> Requirements:
        return Requirements(
            evidence=_union_by_kind(self.evidence, other.evidence),
            documents=_union_by_kind(self.documents, other.documents),
            rules=tuple({r.id: r for r in (*self.rules, *other.rules)}.values()),
            approvals=self.approvals.merged(other.approvals),
            sources=(*self.sources, *other.sources),
        )

    def to_dict(self) -> dict[str, Any]:
        def req(items: tuple[EvidenceRequirement, ...]) -> list[dict[str, Any]]:
            return [
                {
                    "kind": e.kind,
                    "max_age_days": e.max_age_days,
                    "why": e.why,
                    "cites": list(e.cites),
                    **({"accepts": list(e.accepts)} if e.accepts else {}),
                }
                for e in items
            ]

        return {
            "sources": list(self.sources),
            "evidence": req(self.evidence),
            "documents": req(self.documents),
            "rules": [r.to_dict() for r in self.rules],
            "approvals": {
                "quorum": self.approvals.quorum,
                "capacities": list(self.approvals.capacities),
            },
        }


def _union_by_kind(
    first: tuple[EvidenceRequirement, ...], second: tuple[EvidenceRequirement, ...]
) -> tuple[EvidenceRequirement, ...]:
    """Same kind twice keeps the stricter (shorter) maximum age, and only the stand-in kinds
    both accept: a section that accepts no substitute is not loosened by one that does."""
    merged: dict[str, EvidenceRequirement] = {}
    for item in (*first, *second):
        held = merged.get(item.kind)
        if held is None:
            merged[item.kind] = item
            continue
        keep = item if _stricter(item.max_age_days, held.max_age_days) else held
        both = tuple(k for k in held.accepts if k in item.accepts)
        merged[item.kind] = replace(keep, accepts=both)
    return tuple(merged.values())


def _stricter(candidate: int | None, held: int | None) -> bool:
    return candidate is not None and (held is None or candidate < held)


@dataclass(frozen=True)
class Overlay:
    """Extra requirements for systems in some domains and/or EU AI Act categories."""

    id: str
    domains: tuple[str, ...]
    eu_categories: tuple[str, ...]
    tiers: tuple[int, ...]
    system_kinds: tuple[str, ...]
    requirements: Requirements
    #: Classifier obligation ids (e.g. ``art_27``): the overlay applies when any of them is
    #: among the system's obligations in force on the day of evaluation.
    obligations: tuple[str, ...] = ()
    #: Lifecycle statuses (e.g. ``deployed``): duties of a system in use, not of a launch.
    statuses: tuple[str, ...] = ()

    def applies(
        self,
        tier: int,
        domain: str,
        eu_category: str | None,
        kind: str,
        obligations: tuple[str, ...] = (),
        status: str = "",
    ) -> bool:
        """Every listed condition must hold; an unlisted one matches any system."""
        return (
            (not self.domains or domain in self.domains)
            and (not self.eu_categories or (eu_category or "") in self.eu_categories)
            and (not self.tiers or tier in self.tiers)
            and (not self.system_kinds or kind in self.system_kinds)
            and (not self.obligations or any(o in obligations for o in self.obligations))
            and (not self.statuses or status in self.statuses)
        )


@dataclass(frozen=True)
class Waiver:
    """A signed exception: rule ``rule_id`` does not block ``system_id`` until ``expires``."""

    rule_id: str
    system_id: str
    reason: str
    approved_by: str
    expires: date

    def active_on(self, day: date) -> bool:
        return day <= self.expires


@dataclass(frozen=True)
class PolicyPack:
    name: str
    version: str
    description: str
    tiers: Mapping[int, Requirements]
    overlays: tuple[Overlay, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    source: str = "<policy>"
    sha256: str = ""
    custom_names: tuple[str, ...] = ()  # names of attached evidence that rules may read
    #: Thresholds of the monitoring check (the optional ``monitoring:`` section).
    monitoring: MonitoringPolicy | None = None

    def requirements_for(
        self,
        tier: int,
        domain: str = "",
        eu_category: str | None = None,
        kind: str = "",
        obligations: tuple[str, ...] = (),
        status: str = "",
    ) -> Requirements:
        """The tier's section plus every overlay that matches the system."""
        base = self.tiers[tier]
        result = Requirements(
            base.evidence, base.documents, base.rules, base.approvals, (f"tier {tier}",)
        )
        for overlay in self.overlays:
            if overlay.applies(tier, domain, eu_category, kind, obligations, status):
                extra = overlay.requirements
                result = result.plus(
                    Requirements(
                        extra.evidence,
                        extra.documents,
                        extra.rules,
                        extra.approvals,
                        (f"overlay {overlay.id}",),
                    )
                )
        return result

    def waiver_for(self, rule_id: str, system_id: str) -> Waiver | None:
        """The waiver with the latest expiry for this rule and system (expired ones too)."""
        found = [w for w in self.waivers if w.rule_id == rule_id and w.system_id == system_id]
        return max(found, key=lambda w: w.expires) if found else None
