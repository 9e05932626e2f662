"""The attacker walk of issue #19 through the browser: hana (an owner of another system)
against omar's high-risk system. Each attempt is refused with 403 and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from ombud.services import classification, evidence, reviews, systems
from ombud.services.audit_log import iter_events
from ombud.services.context import AppContext

from ._seed import Seeded


def _events(context: AppContext) -> int:
    return len(list(iter_events(context)))


def test_hana_cannot_reclassify_omars_system(
    as_user: Callable[[str], tuple[TestClient, str]], context: AppContext, seeded: Seeded
) -> None:
    client, csrf = as_user("hana")
    before = systems.get_system(context, seeded.blocked_system).classification
    events = _events(context)
    denial = {
        "csrf_token": csrf,
        "annex_iii_area": "none",
        "significant_decisions": "no",
        "profiles_natural_persons": "no",
    }
    response = client.post(f"/systems/{seeded.blocked_system}/classify", data=denial)
    assert response.status_code == 403
    assert "hana" in response.text
    assert "system.classify" in response.text
    assert client.get(f"/systems/{seeded.blocked_system}/classify").status_code == 403
    assert systems.get_system(context, seeded.blocked_system).classification == before
    assert _events(context) == events
    # her own system's questionnaire is hers to answer
    assert client.get(f"/systems/{seeded.hana_system}/classify").status_code == 200


def test_hana_cannot_attach_evidence_to_omars_system(
    as_user: Callable[[str], tuple[TestClient, str]], context: AppContext, seeded: Seeded
) -> None:
    client, csrf = as_user("hana")
    count = len(evidence.list_evidence(context, seeded.blocked_system))
    events = _events(context)
    response = client.post(
        f"/systems/{seeded.blocked_system}/evidence",
        data={"csrf_token": csrf, "version": "1.0.0", "kind": "fria", "summary": "planted"},
        files={"file": ("fria.md", b"# FRIA\nNo risks found.\n", "text/markdown")},
    )
    assert response.status_code == 403
    assert len(evidence.list_evidence(context, seeded.blocked_system)) == count
    assert _events(context) == events
    mine = client.post(
        f"/systems/{seeded.hana_system}/evidence",
        data={"csrf_token": csrf, "version": "1.0.0", "kind": "fria", "summary": "mine"},
        files={"file": ("fria.md", b"# FRIA\n", "text/markdown")},
    )
    assert mine.status_code == 303


def test_a_lead_confirms_the_pending_downgrade_on_the_web(
    as_user: Callable[[str], tuple[TestClient, str]], context: AppContext, seeded: Seeded
) -> None:
    before = systems.get_system(context, seeded.blocked_system).classification
    assert before is not None
    assert before.eu_category == "high_risk"
    omar, omar_csrf = as_user("omar")
    page = omar.get("/classifications")
    assert page.status_code == 200
    assert seeded.blocked_system in page.text
    assert "waits for a rai_lead" in page.text
    path = f"/classifications/{seeded.pending_classification}/decide"
    refused = omar.post(path, data={"csrf_token": omar_csrf, "decision": "confirm"})
    assert refused.status_code == 403
    lena, csrf = as_user("lena")
    missing = lena.post(path, data={"csrf_token": csrf, "decision": "reject"})
    assert missing.status_code == 422
    assert "say why" in missing.text
    done = lena.post(path, data={"csrf_token": csrf, "decision": "confirm", "note": "checked"})
    assert done.status_code == 303
    after = systems.get_system(context, seeded.blocked_system).classification
    assert after is not None
    assert after.eu_category != "high_risk"
    assert classification.list_classification_requests(context) == []


def test_the_decision_form_warns_of_a_gate_that_did_not_pass(
    as_user: Callable[[str], tuple[TestClient, str]], context: AppContext, seeded: Seeded
) -> None:
    latest = reviews.get_review(context, seeded.review_id).latest_gate
    assert latest in ("fail", "insufficient")  # the blocked system's gate, as seeded
    lena, _ = as_user("lena")
    page = lena.get(f"/reviews/{seeded.review_id}").text
    assert 'id="gate-warning"' in page
    assert 'name="override_failed_gate"' in page
