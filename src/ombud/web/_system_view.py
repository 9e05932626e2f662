"""What the system page shows: the record, its classification, gate, evidence and trail.

Kept apart from the dashboard's view: this one follows one system in depth, including
which evidence covers each of its obligations (from the coverage service, which reuses
the gate's own rule outcomes).

The page tells one story. Its header states the decision (lifecycle status, tier, latest
gate outcome, latest review decision). A recorded gate run is a moment: when evidence of
its version was recorded after it, or a newer version was added, the run is marked stale
and those records are named. The coverage table is computed now, from the same evidence
snapshot as the gate outcome it states "if run now", and says so with its time; so the
two blocks never contradict each other without saying why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ombud.compliance.control_catalogs import FRAMEWORKS, CatalogError
from ombud.governance import Action, DomainError, InvalidInput, Target, permits
from ombud.governance.supplier import ATTACHABLE_KINDS
from ombud.services import evidence, findings, incidents, reviews, systems
from ombud.services.audit_log import iter_events
from ombud.services.context import Actor, AppContext
from ombud.services.coverage import system_coverage
from ombud.services.evidence import Evidence, EvidenceIndex
from ombud.services.gates import GateEvaluation
from ombud.web._evidence_view import evidence_card
from ombud.web._views import latest_gate

__all__ = [
    "EVIDENCE_CARDS",
    "FRAMEWORK_LABELS",
    "TRAIL_EVENTS",
    "coverage",
    "gate_staleness",
    "permissions",
    "system_page",
]

#: The newest records shown in full (charts, verdicts, every metric); older ones as a row
#: each, so a system with a hundred audits still renders in a few milliseconds.
EVIDENCE_CARDS = 20
#: The system's latest audit events on its page; `ombud audit-log` has them all.
TRAIL_EVENTS = 50

FRAMEWORK_LABELS = {
    "eu-ai-act": "EU AI Act",
    "nist-ai-rmf": "NIST AI RMF",
    "nist-ai-600-1": "NIST AI 600-1 (generative AI)",
    "iso-42001": "ISO/IEC 42001",
    "sector-rules": "Sector rules",
}


def coverage(context: AppContext, system_id: str, framework: str) -> dict[str, Any]:
    """Each applicable obligation or control of ``framework`` with the evidence that covers
    it, what is missing or stale, and the gate rules behind it, for the latest version.

    A system without a version has nothing to cover yet; that is said, not raised.
    """
    if framework not in FRAMEWORKS:
        raise InvalidInput(
            f"unknown framework '{framework}' in ?framework=; use one of {', '.join(FRAMEWORKS)}"
        )
    base: dict[str, Any] = {
        "framework": framework,
        "frameworks": [(f, FRAMEWORK_LABELS.get(f, f)) for f in FRAMEWORKS],
    }
    try:
        report = system_coverage(context, system_id, framework)
    except (DomainError, CatalogError) as exc:
        return {
            **base,
            "unavailable": str(exc),
            "rows": [],
            "counts": {},
            "percent": None,
            "version": None,
            "gate_now": None,
        }
    return {
        **base,
        "unavailable": "",
        "version": report.version,
        "rows": [control.to_dict() for control in report.controls],
        "counts": report.counts(),
        "percent": report.percent,
        "classified": bool(report.extra.get("classified")),
        "as_of": report.as_of.isoformat(),
        "gate_now": report.extra.get("gate_outcome"),
        "evidence_count": report.extra.get("evidence_count"),
    }


def permissions(actor: Actor | None, system_id: str, owner: str) -> dict[str, bool]:
    """What the page may offer ``actor``: the answer of the one authorization policy for
    this system (its owner counts), as the form routes will ask it."""
    if actor is None:
        return {"may_run_gate": False, "may_add_version": False, "may_record_evidence": False}
    target = Target.system(system_id, owner)
    return {
        "may_run_gate": permits(actor.username, actor.roles, Action.GATE_RUN, target),
        "may_add_version": permits(actor.username, actor.roles, Action.SYSTEM_VERSION_ADD, target),
        "may_record_evidence": permits(actor.username, actor.roles, Action.EVIDENCE_RECORD, target),
    }


def _moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def gate_staleness(
    gate: GateEvaluation | None,
    records: Sequence[Evidence | EvidenceIndex],
    versions: list[str],
) -> dict[str, Any]:
    """What happened since the recorded gate run: the evidence of its version recorded
    after it (oldest first) and the versions added after its version.

    ``records`` are the system's evidence (any order, each with ``id``, ``kind``,
    ``version`` and ``created_at``); ``versions`` its version labels, oldest first.
    """
    if gate is None:
        return {"stale": False, "newer_evidence": [], "newer_kinds": {}, "newer_versions": []}
    ran = _moment(gate.evaluated_at.isoformat())
    arrived = sorted(
        (r for r in records if r.version == gate.version and _moment(r.created_at) > ran),
        key=lambda r: r.id,
    )
    newer = [{"id": r.id, "kind": r.kind, "created_at": r.created_at} for r in arrived]
    later = versions[versions.index(gate.version) + 1 :] if gate.version in versions else []
    kinds: dict[str, list[int]] = {}
    for record in arrived:
        kinds.setdefault(record.kind, []).append(record.id)
    return {
        "stale": bool(newer),
        "newer_evidence": newer,
        "newer_kinds": kinds,
        "newer_versions": later,
    }


def _header(review_list: list[reviews.ListedReview]) -> dict[str, Any]:
    """The review half of the decision state (status, tier and gate come from the record
    and the gate run the page already has): the latest review, and the latest decision,
    which is an earlier review's while the latest is still open."""
    decided = [r for r in review_list if r.decision]
    return {
        "review": review_list[-1] if review_list else None,
        "decision": decided[-1] if decided else None,
    }


def _cards(detailed: list[Evidence]) -> list[dict[str, Any]]:
    """Evidence cards, newest first; the newest of each kind with a rule that does not
    pass (the one a gate reads) or with explanation charts opens by itself, the others
    stay one click away."""
    cards, seen = [], set()
    for record in detailed:
        card = evidence_card(record)
        # The newest explanation opens too: its charts are what a reader comes for.
        shown = bool(card["attention"]) or bool(card["explain_charts"])
        card["open"] = shown and record.kind not in seen
        seen.add(record.kind)
        cards.append(card)
    return cards


def system_page(
    context: AppContext,
    system_id: str,
    framework: str = "eu-ai-act",
    actor: Actor | None = None,
) -> dict[str, Any]:
    with context.shared_read():  # one transaction for the dozen reads below
        page = _system_page(context, system_id, framework)
    return {**page, **permissions(actor, system_id, page["system"].owner)}


def _system_page(context: AppContext, system_id: str, framework: str) -> dict[str, Any]:
    system = systems.get_system(context, system_id)  # NotFoundError -> 404 page
    # Newest first: what the gate reads now is what people look for.
    detailed, older = evidence.evidence_overview(context, system_id, full=EVIDENCE_CARDS)
    gate = latest_gate(context, system_id)
    review_list = reviews.list_reviews(context, system_id=system_id)
    versions = system.version_labels
    return {
        "system": system,
        "header": _header(review_list),
        "evidence": _cards(detailed),
        "older_evidence": older,
        "gate": gate,
        "staleness": gate_staleness(gate, [*detailed, *older], versions),
        "coverage": coverage(context, system_id, framework),
        "reviews": review_list,
        "findings": findings.list_findings(context, system_id=system_id),
        "incidents": incidents.list_incidents(context, system_id=system_id),
        "trail": list(iter_events(context, entity_id=system_id, limit=TRAIL_EVENTS)),
        "attachable_kinds": ATTACHABLE_KINDS,
        "errors": {},
        "values": {},
        "form": "",
    }
