"""Object-level authorization through the services, on SQLite and PostgreSQL.

The attacker walk of issue #19: hana holds the ``owner`` role and owns her own systems;
omar owns a high-risk hiring system. Every write hana tries on omar's system must be
refused with a reason naming her, the action and the object, and must change nothing
(no row, no audit event); the same write on her own system goes through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ombud.governance import ConflictError, InvalidInput, PermissionDenied
from ombud.governance.review import Condition, Vote
from ombud.services import (
    auth,
    classification,
    evidence,
    findings,
    gates,
    incidents,
    reviews,
    supplier,
    systems,
    workspaces,
)
from ombud.services.audit_log import iter_events
from ombud.services.context import AppContext
from ombud.services.gates import gate_inputs

from ._systems import HIRING_ANSWERS, register_classified, screening_profile

TODAY = dt.datetime.now(dt.UTC).date()
NOW = dt.datetime.now(dt.UTC)

#: Answers that deny profiling and every Annex III use: the walk's downgrade.
DENIAL = {
    **{k: v for k, v in HIRING_ANSWERS.items() if not k.startswith("annex_iii_employment")},
    "significant_decisions": False,
    "annex_iii_area": ["none"],
    "profiles_natural_persons": False,
}


@pytest.fixture
def walk(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    for name, roles in [
        ("lena", ["rai_lead"]),
        ("omar", ["owner"]),
        ("hana", ["owner"]),
        ("rex", ["reviewer"]),
        ("audrey", ["auditor"]),
    ]:
        workspaces.add_user(context, admin, username=name, roles=roles)
    register_classified(context, "omar", "screening", screening_profile("omar"), HIRING_ANSWERS)
    register_classified(
        context, "hana", "hana-screening", screening_profile("hana"), HIRING_ANSWERS
    )
    return context


def _events(context: AppContext) -> list[str]:
    return [str(e.event_id) for e in iter_events(context)]


def _classification(context: AppContext, system_id: str) -> dict[str, Any]:
    found = systems.get_system(context, system_id).classification
    assert found is not None
    return {k: getattr(found, k) for k in ("eu_category", "tier", "created_by")}


def test_hana_cannot_reclassify_omars_system_and_nothing_changes(walk: AppContext) -> None:
    before, events = _classification(walk, "screening"), _events(walk)
    assert before["eu_category"] == "high_risk"
    with pytest.raises(
        PermissionDenied, match=r"user 'hana' \(roles: owner\) may not system\.classify system "
    ) as refused:
        classification.classify_system(walk, walk.actor("hana"), "screening", answers=DENIAL)
    assert "'screening'" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert _classification(walk, "screening") == before
    assert _events(walk) == events
    assert classification.list_classification_requests(walk) == []


def test_hana_cannot_attach_evidence_to_omars_system(walk: AppContext, tmp_path: Path) -> None:
    fria = tmp_path / "fria.md"
    fria.write_text("# Fundamental rights impact assessment\n", encoding="utf-8")
    events = _events(walk)
    with pytest.raises(PermissionDenied, match=r"'hana'.*evidence\.record system 'screening'"):
        supplier.attach_evidence(
            walk, walk.actor("hana"), "screening", "1.0", kind="fria", file=fria
        )
    assert evidence.list_evidence(walk, "screening") == []
    assert _events(walk) == events
    mine = supplier.attach_evidence(
        walk, walk.actor("hana"), "hana-screening", "1.0", kind="fria", file=fria
    )
    assert mine.created_by == "hana"


Write = Callable[[AppContext, str], object]


def _finding(context: AppContext, actor: str, system_id: str) -> object:
    return findings.open_finding(
        context,
        context.actor(actor),
        findings.FindingDraft(
            system_id=system_id,
            version_label="1.0",
            title="rates differ",
            severity="high",
            source_kind="manual",
            source_ref="t",
            owner="lena",
            due_date=TODAY + dt.timedelta(days=10),
        ),
    )


def _incident(context: AppContext, actor: str, system_id: str) -> object:
    return incidents.report_incident(
        context,
        context.actor(actor),
        title="scores shifted",
        description="",
        severity="high",
        system_ids=[system_id],
        detected_at=NOW - dt.timedelta(hours=2),
        aware_at=NOW - dt.timedelta(hours=1),
    )


#: Every write an owner may make on their own system, named by its rule.
WRITES: dict[str, Callable[[AppContext, str, str], object]] = {
    "system.update": lambda c, a, s: systems.update_system(
        c, c.actor(a), s, {"purpose": "changed"}
    ),
    "system.version.add": lambda c, a, s: systems.add_version(c, c.actor(a), s, "2.0"),
    "system.classify": lambda c, a, s: classification.classify_system(
        c, c.actor(a), s, answers=HIRING_ANSWERS
    ),
    "system.transition": lambda c, a, s: systems.transition_system(
        c, c.actor(a), s, "retired", "abandoned"
    ),
    "gate.run": lambda c, a, s: gates.check_gate(c, c.actor(a), s),
    "review.open": lambda c, a, s: reviews.open_review(c, c.actor(a), s),
    "finding.create": lambda c, a, s: _finding(c, a, s),
    "incident.report": lambda c, a, s: _incident(c, a, s),
}


@pytest.mark.parametrize("rule", list(WRITES))
def test_an_owner_writes_her_own_system_never_another(walk: AppContext, rule: str) -> None:
    events = _events(walk)
    with pytest.raises(PermissionDenied, match=r"^user 'hana' \(roles: owner\) may not ") as no:
        WRITES[rule](walk, "hana", "screening")
    assert f"({rule})" in str(no.value) or f" {rule} " in str(no.value)
    assert "'screening'" in str(no.value)
    assert _events(walk) == events, "a refused write must change nothing"
    WRITES[rule](walk, "hana", "hana-screening")  # her own: allowed
    assert len(_events(walk)) > len(events)


@pytest.mark.parametrize("rule", list(WRITES))
def test_an_auditor_never_writes_and_a_lead_writes_anywhere(walk: AppContext, rule: str) -> None:
    events = _events(walk)
    with pytest.raises(PermissionDenied, match="'audrey'"):
        WRITES[rule](walk, "audrey", "screening")
    assert _events(walk) == events
    WRITES[rule](walk, "lena", "screening")


def test_an_owner_registers_only_in_her_own_name(walk: AppContext) -> None:
    hana = walk.actor("hana")
    with pytest.raises(PermissionDenied, match=r"'hana'.*system\.register system 'planted'"):
        systems.register_system(walk, hana, "planted", screening_profile("omar"))
    systems.register_system(walk, hana, "hers", screening_profile("hana"))
    # and she may hand her system over, but then it is no longer hers to edit
    systems.update_system(walk, hana, "hers", {"owner": "omar"})
    with pytest.raises(PermissionDenied, match="'hana'"):
        systems.update_system(walk, hana, "hers", {"owner": "hana"})


def test_findings_and_incidents_on_another_owners_system(walk: AppContext) -> None:
    finding = findings.open_finding(
        walk,
        walk.actor("rex"),  # a reviewer raises findings on any system, as before
        findings.FindingDraft(
            system_id="screening",
            version_label="1.0",
            title="rates differ",
            severity="high",
            source_kind="review",
            source_ref="t",
            owner="omar",
            due_date=TODAY + dt.timedelta(days=10),
        ),
    )
    fid = finding.id
    with pytest.raises(PermissionDenied, match=r"'hana'.*finding '\d+'"):
        findings.update_finding(walk, walk.actor("hana"), fid, status="in_remediation")
    with pytest.raises(PermissionDenied, match="'hana'"):
        findings.update_finding(walk, walk.actor("hana"), fid, title="nothing to see")
    findings.update_finding(walk, walk.actor("omar"), fid, status="in_remediation")
    incident = _incident(walk, "omar", "screening")
    assert isinstance(incident, incidents.Incident)
    iid = incident.id
    with pytest.raises(PermissionDenied, match=rf"'hana'.*incident\.update incident '{iid}'"):
        incidents.add_note(walk, walk.actor("hana"), iid, "planted note")
    incidents.add_note(walk, walk.actor("rex"), iid, "a reviewer's note")
    # an incident naming her system AND omar's needs someone who may report on both
    with pytest.raises(PermissionDenied, match="'hana'"):
        incidents.report_incident(
            walk,
            walk.actor("hana"),
            title="x",
            description="",
            severity="low",
            system_ids=["hana-screening", "screening"],
            detected_at=NOW - dt.timedelta(hours=2),
            aware_at=NOW - dt.timedelta(hours=1),
        )


def test_reviewers_vote_only_where_seated(walk: AppContext) -> None:
    review = reviews.open_review(walk, walk.actor("omar"), "screening")
    rid = review.id
    workspaces.add_user(walk, walk.actor("ada"), username="rita", roles=["reviewer"])
    reviews.assign_reviewer(walk, walk.actor("lena"), rid, "rita", "board_member")
    with pytest.raises(PermissionDenied, match=r"'rex'.*review\.vote review '#\d+'"):
        reviews.cast_vote(walk, walk.actor("rex"), rid, Vote.APPROVE, "fine")
    with pytest.raises(PermissionDenied, match="'rex'"):
        reviews.declare_conflict(walk, walk.actor("rex"), rid, "not mine to declare")
    reviews.cast_vote(
        walk,
        walk.actor("rita"),
        rid,
        Vote.APPROVE_WITH_CONDITIONS,
        "ok",
        (Condition("monitor", "omar", TODAY + dt.timedelta(days=5)),),
    )


# --- a downgrade waits for a rai_lead ---------------------------------------------------


def test_an_owners_downgrade_is_pending_until_a_lead_confirms(walk: AppContext) -> None:
    omar, lena = walk.actor("omar"), walk.actor("lena")
    before = _classification(walk, "screening")
    with walk.read() as session:
        gate_before = gate_inputs(session, "screening", None)[0]
    outcome = classification.classify_system(walk, omar, "screening", answers=DENIAL)
    assert outcome.pending_request is not None
    assert outcome.to_dict()["effective"] is False
    assert outcome.classification.eu_category.value != "high_risk"
    # not effective: the record, the gate's facts and the list keep the current one
    assert _classification(walk, "screening") == before
    with walk.read() as session:
        assert gate_inputs(session, "screening", None)[0] == gate_before
    listed = {s.id: s for s in systems.list_systems(walk)}
    assert listed["screening"].eu_category == "high_risk"
    pending = classification.list_classification_requests(walk)
    assert [(p.id, p.system_id, p.requested_by) for p in pending] == [
        (outcome.pending_request, "screening", "omar")
    ]
    request = outcome.pending_request
    for refused in ("omar", "hana", "rex", "audrey"):
        with pytest.raises(PermissionDenied, match=rf"'{refused}'"):
            classification.confirm_classification(walk, walk.actor(refused), request)
    confirmed = classification.confirm_classification(walk, lena, request, "verified the use")
    assert confirmed.status == "confirmed"
    after = _classification(walk, "screening")
    assert after["eu_category"] == outcome.classification.eu_category.value
    assert after["created_by"] == "omar"
    event = list(iter_events(walk, action="classification.confirm"))[-1]
    assert event.actor == "lena"
    assert event.details["requested_by"] == "omar"
    assert event.details["confirmed_by"] == "lena"
    asked = list(iter_events(walk, action="classification.request"))[-1]
    assert asked.actor == "omar"
    assert classification.list_classification_requests(walk) == []
    with pytest.raises(ConflictError, match="confirmed, not pending"):
        classification.reject_classification(walk, lena, request, "too late")


def test_a_rejected_downgrade_leaves_the_classification(walk: AppContext) -> None:
    before = _classification(walk, "screening")
    outcome = classification.classify_system(walk, walk.actor("omar"), "screening", answers=DENIAL)
    assert outcome.pending_request is not None
    with pytest.raises(InvalidInput, match="--note"):
        classification.reject_classification(walk, walk.actor("lena"), outcome.pending_request, "")
    rejected = classification.reject_classification(
        walk, walk.actor("lena"), outcome.pending_request, "Annex III 4(a) applies"
    )
    assert rejected.status == "rejected"
    assert _classification(walk, "screening") == before
    event = list(iter_events(walk, action="classification.reject"))[-1]
    assert (event.actor, event.details["requested_by"]) == ("lena", "omar")


def test_a_lead_downgrades_directly_and_an_owner_upgrades_directly(walk: AppContext) -> None:
    lena_out = classification.classify_system(walk, walk.actor("lena"), "screening", answers=DENIAL)
    assert lena_out.pending_request is None
    assert _classification(walk, "screening")["eu_category"] != "high_risk"
    back_up = classification.classify_system(
        walk, walk.actor("omar"), "screening", answers=HIRING_ANSWERS
    )
    assert back_up.pending_request is None  # stricter: no approval needed
    assert _classification(walk, "screening")["eu_category"] == "high_risk"


def test_a_newer_request_supersedes_the_pending_one(walk: AppContext) -> None:
    omar = walk.actor("omar")
    first = classification.classify_system(walk, omar, "screening", answers=DENIAL)
    second = classification.classify_system(walk, omar, "screening", answers=DENIAL)
    assert [p.id for p in classification.list_classification_requests(walk)] == [
        second.pending_request
    ]
    assert first.pending_request is not None
    with pytest.raises(ConflictError, match="superseded"):
        classification.confirm_classification(walk, walk.actor("lena"), first.pending_request)


def test_an_auditor_gets_no_write_token(walk: AppContext) -> None:
    audrey = walk.actor("audrey")
    with pytest.raises(PermissionDenied, match=r"'audrey' \(roles: auditor\).*write-scope"):
        auth.issue_token(walk, audrey, "audrey", ["write"])
    with pytest.raises(PermissionDenied, match="write-scope"):
        auth.issue_token(walk, walk.actor("ada"), "audrey", ["read", "write"])
    _, info = auth.issue_token(walk, audrey, "audrey", ["read"])
    assert info.scopes == ("read",)
