"""The launch gate: a policy against the evidence of one system version, as a pure function.

One function serves the CLI, CI, reviews and the web app, so they can never disagree
about whether a system may ship. It reads no clock and no database: the caller passes
``now`` and the evidence, which makes every past evaluation reproducible from its inputs.

Outcomes: ``fail`` when any check breaks; else ``insufficient`` when something is missing,
stale or undetermined (absence of proof is never a pass); else ``pass``. A check can also
be ``waived``: a failing rule under a signed, unexpired waiver, or a rule that matched
nothing and whose policy says so may be waived (``if_missing: pass`` with its written
justification). A waived check does not block the gate, and it is never reported as a
pass: the table, JSON and JUnit outputs list it as waived, with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from ombud.governance.policy import EvidenceRequirement, PolicyPack, PolicyRule, Requirements
from ombud.records import Verdict

__all__ = [
    "CheckResult",
    "EvidenceFacts",
    "GateOutcome",
    "GateResult",
    "SystemFacts",
    "evaluate_gate",
]


class GateOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INSUFFICIENT = "insufficient"


WAIVED = "waived"  # a check outcome only: see the module docstring


@dataclass(frozen=True)
class SystemFacts:
    system_id: str
    version_label: str
    tier: int | None
    domain: str = ""
    eu_category: str | None = None
    kind: str = ""  # decision_model, llm_application, ... (SystemKind)
    #: (obligation id, ISO date it applies from or None) of the latest classification.
    obligations: tuple[tuple[str, str | None], ...] = ()
    #: Lifecycle status (``deployed``...): overlays may add duties of a system in use.
    status: str = ""

    def obligations_on(self, day: date) -> tuple[str, ...]:
        """Obligation ids that apply on ``day``: an upcoming duty does not gate yet."""
        return tuple(
            oid for oid, start in self.obligations if start is None or start <= day.isoformat()
        )


@dataclass(frozen=True)
class EvidenceFacts:
    id: int
    kind: str
    created_at: datetime
    expires_at: datetime | None = None
    metrics: Mapping[str, float | None] = field(default_factory=dict)
    verdicts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    id: str
    category: str  # classification | evidence | document | rule
    outcome: str  # pass | fail | insufficient | waived
    message: str
    evidence_ids: tuple[int, ...] = ()
    remedy: str = ""
    cites: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "outcome": self.outcome,
            "message": self.message,
            "evidence_ids": list(self.evidence_ids),
            "remedy": self.remedy,
            "cites": list(self.cites),
        }


@dataclass(frozen=True)
class GateResult:
    outcome: GateOutcome
    system_id: str
    version_label: str
    tier: int | None
    policy_name: str
    policy_version: str
    policy_sha256: str
    evaluated_at: datetime
    checks: tuple[CheckResult, ...]
    requirements: Requirements | None

    @property
    def to_pass(self) -> list[str]:
        """What to do, check by check, to turn this result into a pass."""
        return [c.remedy for c in self.checks if c.outcome in ("fail", "insufficient")]

    @property
    def waived(self) -> list[str]:
        """Checks that did not pass but do not block: waived by a signer or by the policy."""
        return [c.id for c in self.checks if c.outcome == WAIVED]

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "system_id": self.system_id,
            "version": self.version_label,
            "tier": self.tier,
            "policy": {
                "name": self.policy_name,
                "version": self.policy_version,
                "sha256": self.policy_sha256,
            },
            "evaluated_at": self.evaluated_at.isoformat(),
            "checks": [c.to_dict() for c in self.checks],
            "to_pass": self.to_pass,
            "waived": self.waived,
            "requirements": self.requirements.to_dict() if self.requirements else None,
        }


def _is_fresh(item: EvidenceFacts, max_age_days: int | None, now: datetime) -> bool:
    if item.expires_at is not None and item.expires_at <= now:
        return False
    return max_age_days is None or item.created_at >= now - timedelta(days=max_age_days)


def _newest_first(items: Iterable[EvidenceFacts]) -> list[EvidenceFacts]:
    return sorted(items, key=lambda e: (e.created_at, e.id), reverse=True)


def _presence_check(
    req: EvidenceRequirement,
    category: str,
    facts: SystemFacts,
    evidence: Sequence[EvidenceFacts],
    now: datetime,
) -> CheckResult:
    of_kind = _newest_first(e for e in evidence if e.kind in req.kinds)
    fresh = [e for e in of_kind if _is_fresh(e, req.max_age_days, now)]
    age = f"at most {req.max_age_days} days old" if req.max_age_days else "unexpired"
    if fresh:
        newest = f"newest #{fresh[0].id}" + (f" ({fresh[0].kind})" if req.accepts else "")
        return CheckResult(
            f"{category}:{req.kind}",
            category,
            "pass",
            f"{req.label()}: {len(fresh)} fresh record(s), {newest}",
            tuple(e.id for e in fresh),
            cites=req.cites,
        )
    stale = f" ({len(of_kind)} stale record(s) ignored)" if of_kind else ""
    how = "ombud evidence attach" if category == "document" else "the engine that produces it"
    return CheckResult(
        f"{category}:{req.kind}",
        category,
        "insufficient",
        f"{req.label()}: no {age} record for version {facts.version_label}{stale}",
        tuple(e.id for e in of_kind),
        f"record {req.label()} ({age}) for {facts.system_id}@{facts.version_label} with {how}",
        req.cites,
    )


def _usable(
    evidence: Sequence[EvidenceFacts], requirements: Requirements, now: datetime
) -> list[EvidenceFacts]:
    """Evidence rules may read: unexpired, and within the max age its kind is held to."""
    ages = {
        kind: r.max_age_days
        for r in (*requirements.evidence, *requirements.documents)
        for kind in reversed(r.kinds)  # a kind required in its own right sets its own age
    }
    return _newest_first(e for e in evidence if _is_fresh(e, ages.get(e.kind), now))


def _rule_check(rule: PolicyRule, usable: Sequence[EvidenceFacts]) -> CheckResult:
    """Each matching name is read from the newest usable evidence carrying it.

    A rule that matches nothing is never a pass: it is ``insufficient`` (nothing was
    measured), or ``waived`` when the policy says so (``if_missing: pass``), with the
    policy's justification in the message. Before either, a rule with an ``otherwise``
    reads the same duty from the other kind of evidence, and says so in its message.
    """
    first = _measure(rule, usable)
    if first.evidence_ids or rule.otherwise is None:
        return first
    second = _measure(rule.otherwise, usable)
    if not second.evidence_ids:
        return first
    via = f"read from {rule.otherwise.evidence_kind} (no {rule.evidence_kind} measured it)"
    return replace(
        second,
        message=f"{second.message}; {via}",
        cites=second.cites or rule.cites,
    )


def _measure(rule: PolicyRule, usable: Sequence[EvidenceFacts]) -> CheckResult:
    values: dict[str, tuple[Any, int]] = {}
    searched = 0
    for item in usable:
        if rule.evidence_kind and item.kind != rule.evidence_kind:
            continue
        searched += 1
        source = item.metrics if rule.subject == "metric" else item.verdicts
        for name, value in source.items():
            if rule.matches(name) and name not in values:
                values[name] = (value, item.id)
    ids = tuple(sorted({i for _, i in values.values()}))

    def check(outcome: str, message: str, remedy: str = "") -> CheckResult:
        return CheckResult(f"rule:{rule.id}", "rule", outcome, message, ids, remedy, rule.cites)

    remedy = rule.remedy or f"make {rule.condition_text()} hold, or get a signed waiver"
    if not values:
        kind = f"{rule.evidence_kind} " if rule.evidence_kind else ""
        nothing = (
            f"{rule.subject} {rule.pattern} matched nothing in {searched} fresh {kind}record(s)"
            if searched
            else f"no fresh {kind}evidence carries {rule.subject} {rule.pattern}"
        )
        if rule.if_missing == "pass":
            return check(WAIVED, f"{nothing}; waived by the policy: {rule.justification}")
        return check("insufficient", nothing, f"record evidence that measures {rule.pattern}")
    broken, undetermined = [], []
    for name, (value, _) in sorted(values.items()):
        if rule.subject == "metric":
            if value is None:
                undetermined.append(f"{name} is undefined")
            elif not rule.holds_for(float(value)):
                broken.append(f"{name} = {float(value):.4g}")
        elif value in rule.forbidden:
            broken.append(f"{name} is {value}")
        elif value == Verdict.INSUFFICIENT.value:
            undetermined.append(f"{name} is insufficient")
    if broken:
        message = f"{rule.condition_text()} broken: {'; '.join(broken)}"
        return check("fail", message, remedy)
    if undetermined:
        message = f"{rule.condition_text()} undetermined: {'; '.join(undetermined)}"
        return check("insufficient", message, "collect enough data: " + remedy)
    return check("pass", f"{rule.condition_text()} holds for {len(values)} value(s)")


def _apply_waiver(
    check: CheckResult, rule: PolicyRule, policy: PolicyPack, facts: SystemFacts, now: datetime
) -> CheckResult:
    if check.outcome in ("pass", WAIVED):
        return check
    waiver = policy.waiver_for(rule.id, facts.system_id)
    if waiver is None:
        return check
    if not waiver.active_on(now.date()):
        return CheckResult(
            check.id,
            check.category,
            check.outcome,
            f"{check.message} (waiver by {waiver.approved_by} expired {waiver.expires})",
            check.evidence_ids,
            check.remedy,
            check.cites,
        )
    return CheckResult(
        check.id,
        check.category,
        WAIVED,
        f"{check.message}; waived by {waiver.approved_by} until {waiver.expires}: {waiver.reason}",
        check.evidence_ids,
        "",
        check.cites,
    )


def evaluate_gate(
    policy: PolicyPack,
    facts: SystemFacts,
    evidence: Sequence[EvidenceFacts],
    now: datetime,
) -> GateResult:
    """Evaluate ``policy`` for one system version; ``evidence`` is that version's evidence."""
    if facts.tier is None:
        check = CheckResult(
            "classification",
            "classification",
            "insufficient",
            f"'{facts.system_id}' has no risk tier, so no policy section applies",
            remedy=f"classify it: `ombud classify {facts.system_id}`",
        )
        return _result(policy, facts, now, (check,), None)
    requirements = policy.requirements_for(
        facts.tier,
        facts.domain,
        facts.eu_category,
        facts.kind,
        facts.obligations_on(now.date()),
        facts.status,
    )
    checks = [_presence_check(r, "evidence", facts, evidence, now) for r in requirements.evidence]
    checks += [_presence_check(r, "document", facts, evidence, now) for r in requirements.documents]
    usable = _usable(evidence, requirements, now)
    checks += [
        _apply_waiver(_rule_check(rule, usable), rule, policy, facts, now)
        for rule in requirements.rules
    ]
    return _result(policy, facts, now, tuple(checks), requirements)


def _result(
    policy: PolicyPack,
    facts: SystemFacts,
    now: datetime,
    checks: tuple[CheckResult, ...],
    requirements: Requirements | None,
) -> GateResult:
    outcomes = {c.outcome for c in checks}
    if "fail" in outcomes:
        outcome = GateOutcome.FAIL
    elif "insufficient" in outcomes:
        outcome = GateOutcome.INSUFFICIENT
    else:
        outcome = GateOutcome.PASS
    return GateResult(
        outcome,
        facts.system_id,
        facts.version_label,
        facts.tier,
        policy.name,
        policy.version,
        policy.sha256,
        now,
        checks,
        requirements,
    )
