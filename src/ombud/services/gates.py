"""Running the launch gate for a system version, and keeping a record of every run.

The evaluation itself is the pure ``evaluate_gate`` of the governance layer; this use
case gathers its inputs (the policy in force, the system's latest classification, the
version's evidence), stores the full result with the policy's name, version and digest,
and writes the audit event in the same transaction. A past result can therefore be
explained later even after the policy file has changed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from ombud.governance import Action, InvalidInput, NotFoundError, Target, authorize
from ombud.governance.gate import EvidenceFacts, SystemFacts, evaluate_gate
from ombud.governance.policy import PolicyPack, load_default_policy, load_policy
from ombud.services import audit_log
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.gate_records import GateCheck, GateEvaluation, GatePolicy, UpcomingObligation
from ombud.store import Workspace
from ombud.store.models import AISystemRow, ClassificationRow, EvidenceRow, SystemVersionRow
from ombud.store.models_reviews import GateEvaluationRow

__all__ = [
    "WORKSPACE_POLICY_FILE",
    "GateCheck",
    "GateEvaluation",
    "GatePolicy",
    "UpcomingObligation",
    "check_gate",
    "find_version",
    "gate_inputs",
    "latest_evaluation",
    "latest_gate_evaluation",
    "latest_outcomes",
    "latest_runs",
    "list_gate_evaluations",
    "outcome_counts",
    "policy_in_force",
    "record_gate",
    "resolve_policy",
]

WORKSPACE_POLICY_FILE = "policy.yaml"


def policy_in_force(
    workspace: Workspace | None, policy_path: str | Path | None = None
) -> PolicyPack:
    """``policy_path`` if given, else ``<workspace>/policy.yaml`` if present, else the default.

    ``workspace`` may be None (``ombud policy show`` outside any workspace): the default.
    """
    if policy_path is not None:
        return load_policy(policy_path)
    if workspace is None:
        return load_default_policy()
    own = workspace.root / WORKSPACE_POLICY_FILE
    return load_policy(own) if own.is_file() else load_default_policy()


def resolve_policy(context: AppContext, policy_path: str | Path | None = None) -> PolicyPack:
    """``policy_in_force`` for the context's workspace."""
    return policy_in_force(context.workspace, policy_path)


def _system(session: Session, system_id: str) -> AISystemRow:
    row = session.get(AISystemRow, system_id)
    if row is None:
        raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
    return row


def find_version(session: Session, system_id: str, label: str | None) -> SystemVersionRow:
    """The named version, or the latest one when ``label`` is None."""
    query = select(SystemVersionRow).where(SystemVersionRow.system_id == system_id)
    if label is None:
        version = session.execute(
            query.order_by(SystemVersionRow.id.desc()).limit(1)
        ).scalar_one_or_none()
        if version is None:
            raise InvalidInput(
                f"'{system_id}' has no versions yet; add one with "
                f"`ombud system version add {system_id} LABEL`"
            )
        return version
    version = session.execute(query.where(SystemVersionRow.label == label)).scalar_one_or_none()
    if version is None:
        raise InvalidInput(
            f"'{system_id}' has no version '{label}'; see `ombud system show {system_id}`"
        )
    return version


def gate_inputs(
    session: Session, system_id: str, version_label: str | None
) -> tuple[SystemFacts, list[EvidenceFacts], SystemVersionRow]:
    """What the gate needs: the system's facts and the evidence of one version."""
    system = _system(session, system_id)
    version = find_version(session, system_id, version_label)
    latest = session.execute(
        select(ClassificationRow)
        .where(ClassificationRow.system_id == system_id)
        .order_by(ClassificationRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    facts = SystemFacts(
        system_id=system_id,
        version_label=version.label,
        tier=latest.tier if latest else None,
        domain=system.domain,
        eu_category=latest.eu_category if latest else None,
        kind=system.kind,
        status=system.status,
        obligations=tuple(
            (o["id"], o.get("applies_from"))
            for o in (latest.result["obligations"] if latest else ())
        ),
    )
    rows = session.execute(
        select(EvidenceRow).where(EvidenceRow.version_id == version.id).order_by(EvidenceRow.id)
    ).scalars()
    evidence = [
        EvidenceFacts(
            id=row.id,
            kind=row.kind,
            created_at=row.created_at,
            expires_at=row.expires_at,
            metrics=row.metrics,
            verdicts=row.verdicts,
        )
        for row in rows
    ]
    return facts, evidence, version


def check_gate(
    context: AppContext,
    actor: Actor,
    system_id: str,
    version_label: str | None = None,
    policy_path: str | Path | None = None,
    *,
    now: datetime | None = None,
) -> GateEvaluation:
    """Evaluate the gate for a version (the latest if None), record it, return the result.

    It changes no system, but its recorded outcome is what the deploy guard reads, so it
    is a write: the system's owner, a reviewer, a rai_lead or an admin runs it (a CI robot
    user needs the reviewer role, or the owner role and to own the systems it gates).
    With ``checkpoint_after_gate`` set, the chain's head is signed and written outside the
    database right after the run commits (its settings are checked before the run).
    """
    policy = resolve_policy(context, policy_path)
    anchor = context.workspace.audit.checkpoint_after_gate
    if anchor:
        audit_log.check_checkpoint_settings(context)
    with context.write(actor) as tx:
        system = _system(tx.session, system_id)
        target = Target.system(system_id, system.owner)
        authorize(tx.actor.username, tx.actor.roles, Action.GATE_RUN, target)
        result = record_gate(tx, policy, system_id, version_label, now or datetime.now(UTC))
    if anchor:
        audit_log.take_checkpoint(context)
    return result


def record_gate(
    tx: Tx, policy: PolicyPack, system_id: str, version_label: str | None, now: datetime
) -> GateEvaluation:
    """Evaluate and record inside the caller's transaction (reviews reuse it)."""
    facts, evidence, version = gate_inputs(tx.session, system_id, version_label)
    result = evaluate_gate(policy, facts, evidence, now)
    day = now.date()
    in_force = facts.obligations_on(day)
    # The duties the gate counted, and those that do not apply yet (with the days left).
    schedule = {
        "obligations_in_force": list(in_force),
        "upcoming_obligations": [
            {"id": oid, "applies_from": start, "days_left": (date.fromisoformat(start) - day).days}
            for oid, start in facts.obligations
            if start is not None and oid not in in_force
        ],
    }
    row = GateEvaluationRow(
        system_id=system_id,
        version_id=version.id,
        policy_name=policy.name,
        policy_version=policy.version,
        policy_sha256=policy.sha256,
        outcome=result.outcome.value,
        result={**result.to_dict(), **schedule},
        evaluated_by=tx.actor.username,
        evaluated_at=now,
    )
    tx.session.add(row)
    tx.session.flush()
    evaluation = GateEvaluation.from_row(row)
    tx.record(
        "gate.evaluate",
        "gate_evaluation",
        f"{system_id}@{version.label}#{row.id}",
        before=None,
        after=evaluation.to_dict(),
        details={
            "outcome": result.outcome.value,
            "policy": f"{policy.name}@{policy.version}",
            "policy_sha256": policy.sha256,
            "blocking": list(evaluation.blocking),
        },
    )
    return evaluation


def latest_evaluation(
    session: Session, version_id: int, policy_sha256: str | None = None
) -> GateEvaluationRow | None:
    """The newest gate run of a version (under the policy ``policy_sha256`` if given)."""
    query = select(GateEvaluationRow).where(GateEvaluationRow.version_id == version_id)
    if policy_sha256 is not None:
        query = query.where(GateEvaluationRow.policy_sha256 == policy_sha256)
    row: GateEvaluationRow | None = session.execute(
        query.order_by(GateEvaluationRow.id.desc()).limit(1)
    ).scalar_one_or_none()
    return row


def list_gate_evaluations(
    context: AppContext, system_id: str, *, limit: int | None = None, offset: int = 0
) -> list[GateEvaluation]:
    """A system's gate runs, oldest first; ``limit``/``offset`` page through them."""
    with context.read() as session:
        _system(session, system_id)
        rows = session.execute(
            select(GateEvaluationRow)
            .where(GateEvaluationRow.system_id == system_id)
            .order_by(GateEvaluationRow.id)
            .limit(limit)
            .offset(offset)
        ).scalars()
        return [GateEvaluation.from_row(row) for row in rows]


def latest_gate_evaluation(context: AppContext, system_id: str) -> GateEvaluation | None:
    """The system's most recent gate run (any version), or None if it never ran."""
    with context.read() as session:
        _system(session, system_id)
        row = session.execute(
            select(GateEvaluationRow)
            .where(GateEvaluationRow.system_id == system_id)
            .order_by(GateEvaluationRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return GateEvaluation.from_row(row) if row is not None else None


def latest_runs() -> Subquery:
    """(system_id, id) of each system's most recent gate run: one aggregate, not a query
    per system. Runs are numbered in the order they were recorded, so the largest id is
    the latest, as in ``latest_gate_evaluation``."""
    return (
        select(GateEvaluationRow.system_id, func.max(GateEvaluationRow.id).label("id"))
        .group_by(GateEvaluationRow.system_id)
        .subquery("latest_gate_runs")
    )


def latest_outcomes(context: AppContext, system_ids: list[str] | None = None) -> dict[str, str]:
    """The latest gate outcome of each system that has run one (of ``system_ids`` if given)."""
    latest = latest_runs()
    query = select(GateEvaluationRow.system_id, GateEvaluationRow.outcome).join(
        latest, latest.c.id == GateEvaluationRow.id
    )
    if system_ids is not None:
        if not system_ids:
            return {}
        query = query.where(GateEvaluationRow.system_id.in_(system_ids))
    with context.read() as session:
        return dict(session.execute(query).all())


def outcome_counts(context: AppContext) -> dict[str, int]:
    """How many systems' latest gate run passed, failed, ...; ``not run`` for the rest."""
    latest = latest_runs()
    with context.read() as session:
        counts: dict[str, int] = dict(
            session.execute(
                select(GateEvaluationRow.outcome, func.count())
                .join(latest, latest.c.id == GateEvaluationRow.id)
                .group_by(GateEvaluationRow.outcome)
            ).all()
        )
        systems = session.execute(select(func.count()).select_from(AISystemRow)).scalar_one()
    not_run = systems - sum(counts.values())
    if not_run:
        counts["not run"] = not_run
    return counts
