"""Pages and forms over TestClient: what people read, and the everyday writes."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ombud.services import evidence, findings, reviews, systems
from ombud.services.context import AppContext

from ._seed import Seeded

Login = Callable[[str], tuple[TestClient, str]]


def test_dashboard_shows_the_portfolio_at_a_glance(as_user: Login, seeded: Seeded) -> None:
    client, _ = as_user("lena")
    page = client.get("/").text
    assert "Pretrial recidivism risk score" in page
    assert "Systems by risk tier" in page
    assert "<svg" in page
    assert "Scores shifted after a data refresh" in page  # the open incident
    assert "Art. 73" in page  # its reporting clock, with the citation as a tooltip
    assert "deadline" in page
    assert f'href="/reviews/{seeded.review_id}"' in page  # a review waiting


def test_system_page_explains_the_block_rule_by_rule(as_user: Login, seeded: Seeded) -> None:
    client, _ = as_user("audrey")
    page = client.get(f"/systems/{seeded.blocked_system}").text
    assert "Annex III point 6(d)" in page  # classification reason with its citation
    rows = re.findall(r'<tr class="rule rule-(\w+)" id="rule-([^"]+)">', page)
    assert rows, "the gate's rules are listed"
    assert any(outcome in ("fail", "insufficient") for outcome, _ in rows)
    assert "evidence:fairness_audit" in {rule for _, rule in rows}
    assert "Run the gate now" not in page  # an auditor is offered no write


def test_vote_then_decide_through_the_forms(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    rex, rex_csrf = as_user("rex")
    voted = rex.post(
        f"/reviews/{seeded.review_id}/vote",
        data={"csrf_token": rex_csrf, "vote": "reject", "rationale": "Evidence is missing."},
    )
    assert voted.status_code == 303
    lena, lena_csrf = as_user("lena")
    decided = lena.post(
        f"/reviews/{seeded.review_id}/decide",
        data={"csrf_token": lena_csrf, "decision": "reject", "rationale": "Not ready."},
    )
    assert decided.status_code == 303, decided.text
    review = reviews.get_review(context, seeded.review_id)
    assert (review.status, review.decision) == ("decided", "reject")
    assert systems.get_system(context, seeded.blocked_system).status == "rejected"
    page = lena.get(f"/reviews/{seeded.review_id}").text
    assert "Evidence is missing." in page
    assert 'id="decide-form"' not in page


def test_invalid_vote_fields_are_shown_back_and_nothing_is_saved(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    rex, csrf = as_user("rex")
    response = rex.post(
        f"/reviews/{seeded.review_id}/vote",
        data={"csrf_token": csrf, "vote": "maybe", "rationale": "  "},
    )
    assert response.status_code == 422
    assert re.search(r'id="error-vote">vote &#39;maybe&#39; is unknown', response.text)
    assert 'id="error-rationale"' in response.text
    assert reviews.get_review(context, seeded.review_id).votes == ()


def test_rules_of_the_services_hold_behind_the_forms(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    """A rai_lead without a seat is refused the vote (the policy wants the assigned
    reviewer); a decision needs a quorum: both refusals come back, nothing is saved."""
    lena, csrf = as_user("lena")
    unseated = lena.post(
        f"/reviews/{seeded.review_id}/vote",
        data={"csrf_token": csrf, "vote": "approve", "rationale": "fine"},
    )
    assert unseated.status_code == 403
    assert "assigned reviewer" in unseated.text
    early = lena.post(
        f"/reviews/{seeded.review_id}/decide",
        data={"csrf_token": csrf, "decision": "approve", "rationale": "fine"},
    )
    assert early.status_code in (409, 422)
    assert "quorum" in early.text
    review = reviews.get_review(context, seeded.review_id)
    assert (review.status, review.votes) == ("open", ())


def test_resolve_a_finding_with_evidence(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    omar, csrf = as_user("omar")
    missing = omar.post(
        f"/findings/{seeded.finding_id}/resolve", data={"csrf_token": csrf, "note": ""}
    )
    assert missing.status_code == 422
    assert 'id="error-evidence"' in missing.text
    assert 'id="error-note"' in missing.text
    assert findings.get_finding(context, seeded.finding_id).status == "open"
    done = omar.post(
        f"/findings/{seeded.finding_id}/resolve",
        data={"csrf_token": csrf, "evidence": str(seeded.evidence_id), "note": "Retrained."},
    )
    assert done.status_code == 303
    finding = findings.get_finding(context, seeded.finding_id)
    assert (finding.status, finding.fix_evidence) == ("resolved", (seeded.evidence_id,))


def test_finding_updates_keep_the_lead_only_fields_to_leads(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    omar, csrf = as_user("omar")
    refused = omar.post(
        f"/findings/{seeded.finding_id}/update", data={"csrf_token": csrf, "severity": "low"}
    )
    assert refused.status_code == 403
    moved = omar.post(
        f"/findings/{seeded.finding_id}/update",
        data={"csrf_token": csrf, "status": "in_remediation", "severity": "high"},
    )
    assert moved.status_code == 303
    assert findings.get_finding(context, seeded.finding_id).status == "in_remediation"
    bad_date = omar.post(
        f"/findings/{seeded.finding_id}/update", data={"csrf_token": csrf, "due_date": "soon"}
    )
    assert bad_date.status_code == 422
    assert 'id="error-due_date"' in bad_date.text


def test_report_an_incident_through_the_form(
    as_user: Login, seeded: Seeded, context: AppContext
) -> None:
    omar, csrf = as_user("omar")
    form = {
        "csrf_token": csrf,
        "title": "Applicants wrongly declined",
        "severity": "high",
        "systems": seeded.other_system,
        "detected_at": "2026-01-02T10:00",
        "aware_at": "2026-01-02T11:00",
        "people_affected_count": "many",
    }
    bad = omar.post("/incidents", data=form)
    assert bad.status_code == 422
    assert 'id="error-people_affected_count"' in bad.text
    assert "Applicants wrongly declined" in bad.text  # the user's input is kept
    form["people_affected_count"] = "12"
    created = omar.post("/incidents", data={**form, "serious": "1"})
    assert created.status_code == 303
    page = omar.get(created.headers["location"]).text
    assert "Applicants wrongly declined" in page
    assert "serious incident" in page
    assert "Art. 73" in page


@pytest.mark.parametrize(
    "path",
    ["/systems/no-such-system", "/reviews/999", "/findings/999", "/incidents/999", "/nowhere"],
)
def test_unknown_ids_are_a_404_page(as_user: Login, seeded: Seeded, path: str) -> None:
    client, _ = as_user("lena")
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text
    assert "404" in response.text


def test_audit_log_verifies_its_chain(as_user: Login, seeded: Seeded) -> None:
    client, _ = as_user("audrey")
    page = client.get("/audit?verify=true").text
    assert "Chain intact" in page
    assert "Records match the log" in page
    assert "review.open" in page


def test_logout_ends_the_session(as_user: Login, seeded: Seeded) -> None:
    client, csrf = as_user("lena")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/").status_code == 303


def test_ids_too_large_for_the_database_are_not_found(as_user: Login, seeded: Seeded) -> None:
    """Found by the schemathesis run: such an id used to overflow SQLite's driver (500)."""
    client, csrf = as_user("lena")
    huge = 2**63
    for path in (f"/reviews/{huge}", f"/findings/{huge}", f"/incidents/{huge}"):
        assert client.get(path).status_code == 404
    resolve = client.post(
        f"/findings/{seeded.finding_id}/resolve",
        data={"csrf_token": csrf, "evidence": str(huge), "note": "x"},
    )
    assert resolve.status_code == 422
    api_token_free = client.get(f"/api/v1/findings/{huge}")
    assert api_token_free.status_code == 401


def test_attach_evidence_by_upload(as_user: Login, seeded: Seeded, context: AppContext) -> None:
    omar, csrf = as_user("omar")
    before = len(evidence.list_evidence(context, seeded.other_system))
    form = {"csrf_token": csrf, "kind": "model_card", "version": "1.0.0", "summary": "Card"}
    missing = omar.post(f"/systems/{seeded.other_system}/evidence", data=form)
    assert missing.status_code == 422
    assert 'id="error-file"' in missing.text
    upload = {"file": ("../../card.md", b"# MailGuard model card\n", "text/markdown")}
    wrong_kind = omar.post(
        f"/systems/{seeded.other_system}/evidence", data={**form, "kind": "gossip"}, files=upload
    )
    assert wrong_kind.status_code == 422
    assert "evidence kind &#39;gossip&#39; is unknown" in wrong_kind.text
    assert len(evidence.list_evidence(context, seeded.other_system)) == before
    done = omar.post(f"/systems/{seeded.other_system}/evidence", data=form, files=upload)
    assert done.status_code == 303
    records = evidence.list_evidence(context, seeded.other_system)
    assert len(records) == before + 1
    assert records[-1].parameters["file_name"] == "card.md"  # no path from the client
    dots = {"file": ("..", b"content", "text/plain")}
    assert (
        omar.post(f"/systems/{seeded.other_system}/evidence", data=form, files=dots).status_code
        == 303
    )
    assert evidence.list_evidence(context, seeded.other_system)[-1].parameters["file_name"] == (
        "upload"
    )


@pytest.mark.parametrize(
    ("user", "vote_form", "decide_form"),
    [("rex", True, False), ("lena", True, True), ("omar", False, False), ("audrey", False, False)],
)
def test_a_review_offers_only_the_forms_the_role_may_use(
    as_user: Login, seeded: Seeded, user: str, vote_form: bool, decide_form: bool
) -> None:
    client, _ = as_user(user)
    page = client.get(f"/reviews/{seeded.review_id}").text
    assert ('id="vote-form"' in page) is vote_form
    assert ('id="decide-form"' in page) is decide_form


def test_systems_page_filters_by_latest_gate_and_pages(as_user: Login, seeded: Seeded) -> None:
    """Oracle: the seed's gate history (the blocked system ran the gate, the other did not)."""
    client, _ = as_user("audrey")
    everything = client.get("/systems").text
    assert seeded.blocked_system in everything
    assert seeded.other_system in everything
    assert "1–3 of 3" in everything
    never = client.get("/systems?gate=not+run").text
    assert seeded.other_system in never
    assert seeded.blocked_system not in never
    assert client.get("/systems?gate=bogus").status_code == 422
    dashboard = client.get("/").text
    assert 'href="/systems"' in dashboard
    assert 'href="/systems?gate=fail"' in dashboard
