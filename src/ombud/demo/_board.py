"""Demo step 3: gates, the review board, a launch with conditions, an incident.

The story, all through the same services as the CLI:
* every audited system is gated against the default policy pack;
* the recidivism score fails its gate on false-positive-rate parity and the board
  rejects it, with the reasons on record;
* the spam filter passes with a condition that becomes a finding, and is deployed;
* the benefit pre-screen is launched under a signed, expiring risk acceptance, then an
  incident suspends it with its EU AI Act Art. 73 reporting clock running.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ombud.demo._portfolio import VERSIONS, DemoReport
from ombud.governance.review import Condition, Decision, Vote
from ombud.services import gates, incidents, reviews, systems
from ombud.services.context import AppContext
from ombud.services.findings import list_findings
from ombud.services.supplier import attach_evidence

__all__ = ["run_board"]

MODEL_CARD = """\
# MailGuard spam filter 7.2: model card (vendor-supplied summary)

This short card was written for the Ombud demo from the vendor's answers; it is not a
real vendor document.

- Intended use: moving unsolicited bulk e-mail out of staff inboxes. Out of scope:
  filtering applicants' or customers' correspondence into automated rejection.
- Evaluation: vendor reports 0.3% false positives on business mail (English, German).
- Limitations: no evaluation on French or Dutch mail; users can release quarantined mail.
"""


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def run_board(context: AppContext, report: DemoReport, progress: Callable[[str], None]) -> None:
    lena = context.actor("lena")
    for system_id in (
        "recidivism-risk",
        "mortgage-underwriting",
        "resume-screening",
        "benefit-eligibility",
    ):
        progress(f"gating {system_id}")
        report.gates.append(gates.check_gate(context, lena, system_id))
    _reject_recidivism(context, report)
    _approve_spam_filter(context, report)
    _risk_accepted_launch_and_incident(context, report)
    report.findings = list_findings(context)


def _seat_board(context: AppContext, review_id: int, seats: tuple[tuple[str, str], ...]) -> None:
    lena = context.actor("lena")
    for reviewer, capacity in seats:
        reviews.assign_reviewer(context, lena, review_id, reviewer, capacity)


def _reject_recidivism(context: AppContext, report: DemoReport) -> None:
    review = reviews.open_review(context, context.actor("omar"), "recidivism-risk")
    review_id = review.id
    _seat_board(
        context,
        review_id,
        (("rex", "board_member"), ("dana", "domain_expert"), ("cora", "community_representative")),
    )
    why = {
        "rex": "The gate fails on false-positive-rate parity; wrongful high-risk labels fall "
        "mainly on Black defendants.",
        "dana": "The FPR ratio's whole confidence interval lies below 0.8: this is not noise.",
        "cora": "People held in pretrial detention on a wrongful label bear the harm; the "
        "affected community was not consulted.",
    }
    for reviewer, rationale in why.items():
        reviews.cast_vote(context, context.actor(reviewer), review_id, Vote.REJECT, rationale)
    reviews.decide_review(
        context,
        context.actor("lena"),
        review_id,
        Decision.REJECT,
        "Rejected: fails the tier-1 fairness gate (fairness-fpr-parity, "
        "fairness-no-failed-verdict); rework the model and its thresholds, then resubmit.",
    )
    report.reviews.append(reviews.get_review(context, review_id))


def _approve_spam_filter(context: AppContext, report: DemoReport) -> None:
    hana = context.actor("hana")
    card = context.workspace.root / "vendor-docs" / "mailguard-model-card.md"
    card.parent.mkdir(exist_ok=True)
    card.write_text(MODEL_CARD, encoding="utf-8")
    attach_evidence(
        context,
        hana,
        "spam-filter",
        VERSIONS["spam-filter"][0],
        kind="model_card",
        file=Path(card),
        summary="Vendor-supplied model card, MailGuard 7.2",
    )
    review = reviews.open_review(context, hana, "spam-filter")
    review_id = review.id
    _seat_board(context, review_id, (("rex", "board_member"),))
    condition = Condition(
        text="Measure the false-positive rate on French mail before the rollout to FR offices",
        owner="hana",
        due=_today() + dt.timedelta(days=60),
        severity="low",
    )
    reviews.cast_vote(
        context,
        context.actor("rex"),
        review_id,
        Vote.APPROVE_WITH_CONDITIONS,
        "Minimal risk; the vendor's evaluation skipped French mail.",
        (condition,),
    )
    reviews.decide_review(
        context,
        context.actor("lena"),
        review_id,
        Decision.APPROVE_WITH_CONDITIONS,
        "Approved for DE; the French-mail check is a tracked condition.",
    )
    gates.check_gate(context, hana, "spam-filter")
    systems.transition_system(
        context, hana, "spam-filter", "deployed", "rolled out to all DE mailboxes"
    )
    report.reviews.append(reviews.get_review(context, review_id))


def _risk_accepted_launch_and_incident(context: AppContext, report: DemoReport) -> None:
    lena, omar = context.actor("lena"), context.actor("omar")
    reviews.accept_risk(
        context,
        lena,
        "benefit-eligibility",
        None,
        "Six-week pilot in one district: every flag is reviewed by a caseworker before any "
        "decision, and the sex disparity is under investigation (finding to follow).",
        _today() + dt.timedelta(days=42),
    )
    systems.transition_system(
        context, omar, "benefit-eligibility", "in_review", "pilot under a signed risk acceptance"
    )
    systems.transition_system(
        context, lena, "benefit-eligibility", "approved", "pilot approved under risk acceptance"
    )
    systems.transition_system(
        context, omar, "benefit-eligibility", "deployed", "pilot started in district 4"
    )
    now = dt.datetime.now(dt.UTC)
    incident = incidents.report_incident(
        context,
        omar,
        title="Eligible households flagged as over the income limit",
        description=(
            "After an upstream change reported income in cents instead of euros, the "
            "pre-screen flagged 1,240 eligible households as over the limit; benefit "
            "payments were delayed for up to three weeks."
        ),
        severity="high",
        system_ids=["benefit-eligibility"],
        detected_at=now - dt.timedelta(days=4, hours=3),
        aware_at=now - dt.timedelta(days=4),
        affected_people="households applying for income support in district 4",
        people_affected_count=1240,
        serious=True,
    )
    incident_id = incident.id
    incidents.suspend_affected_systems(
        context, lena, incident_id, "stop flagging until the unit fix is verified"
    )
    report.incidents.append(incidents.get_incident(context, incident_id))
