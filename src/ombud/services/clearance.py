"""What lets a version deploy: the deploy guard, and a rai_lead's signed risk acceptance.

Split from ``reviews``: the guard is read by every move to ``deployed`` (through
``systems.transition_system``), and it weighs a review decision, the gate run under the
policy in force and an unexpired acceptance. ``reviews`` re-exports both functions.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ombud.governance import NotFoundError
from ombud.governance.review import (
    Decision,
    ReviewStatus,
    check_deploy_clearance,
    check_risk_acceptance,
)
from ombud.services.context import Actor, AppContext
from ombud.services.gates import find_version, latest_evaluation
from ombud.services.review_records import Clearance, RiskAcceptance
from ombud.store.models import AISystemRow
from ombud.store.models_reviews import ReviewRow, RiskAcceptanceRow

__all__ = ["accept_risk", "deploy_clearance", "system_row"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def system_row(session: Session, system_id: str) -> AISystemRow:
    """The system's row, or NotFoundError naming the command that lists systems."""
    row = session.get(AISystemRow, system_id)
    if row is None:
        raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
    return row


def accept_risk(
    context: AppContext,
    actor: Actor,
    system_id: str,
    version_label: str | None,
    justification: str,
    expires: dt.date,
) -> RiskAcceptance:
    """A rai_lead signs that a version may deploy without a passing gate or approval,
    until ``expires``."""
    now = _now()
    with context.write(actor) as tx:
        system = system_row(tx.session, system_id)
        version = find_version(tx.session, system_id, version_label)
        check_risk_acceptance(
            system_id=system_id,
            signer=tx.actor.username,
            signer_roles=[r.value for r in tx.actor.roles],
            owner=system.owner,
            justification=justification,
            expires=expires,
            today=now.date(),
        )
        row = RiskAcceptanceRow(
            system_id=system_id,
            version_id=version.id,
            justification=justification.strip(),
            signed_by=actor.username,
            signed_at=now,
            expires_at=dt.datetime.combine(expires, dt.time.max, tzinfo=dt.UTC),
        )
        tx.session.add(row)
        tx.session.flush()
        accepted = RiskAcceptance(
            id=row.id,
            system_id=system_id,
            version=version.label,
            justification=row.justification,
            signed_by=actor.username,
            expires=expires,
        )
        tx.record(
            "risk.accept", "risk_acceptance", str(row.id), before=None, after=accepted.to_dict()
        )
        return accepted


def deploy_clearance(
    session: Session, system: AISystemRow, now: dt.datetime, policy_sha256: str | None = None
) -> Clearance:
    """Why the system's latest version may deploy, or raise naming the rule.

    ``policy_sha256``: the policy in force. Only a gate run under it counts: anyone who
    may run a gate may run one under a laxer pack (``--policy``) to see what it says,
    and that run must not open the deployment.
    """
    version = find_version(session, system.id, None)
    review = session.execute(
        select(ReviewRow)
        .where(
            ReviewRow.version_id == version.id,
            ReviewRow.status == ReviewStatus.DECIDED.value,
            ReviewRow.decision != Decision.DEFER.value,
        )
        .order_by(ReviewRow.decided_at.desc(), ReviewRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    gate = latest_evaluation(session, version.id, policy_sha256)
    acceptance = session.execute(
        select(RiskAcceptanceRow)
        .where(RiskAcceptanceRow.version_id == version.id)
        .order_by(RiskAcceptanceRow.expires_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    basis = check_deploy_clearance(
        system_id=system.id,
        version_label=version.label,
        review_decision=review.decision if review else None,
        review_id=review.id if review else None,
        gate_outcome=gate.outcome if gate else None,
        acceptance_expires=acceptance.expires_at if acceptance else None,
        now=now,
    )
    return Clearance(
        version=version.label,
        basis=basis,
        review=review.id if review else None,
        gate_evaluation=gate.id if gate else None,
        risk_acceptance=acceptance.id if acceptance else None,
    )
