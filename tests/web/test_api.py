"""The JSON API: OpenAPI, bearer tokens, the error shape, domain errors mapped to statuses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ombud.services import auth, findings, incidents, reviews, systems
from ombud.services.context import AppContext
from ombud.store import Workspace
from ombud.store.models_reviews import GateEvaluationRow

from ._seed import Seeded

Api = Callable[[str, str], tuple[TestClient, dict[str, str]]]


@pytest.fixture
def api(app_client: Callable[[], TestClient], context: AppContext) -> Api:
    def make(username: str, scope: str = "write") -> tuple[TestClient, dict[str, str]]:
        token, _ = auth.issue_token(context, context.actor("ada"), username, [scope])
        return app_client(), {"Authorization": f"Bearer {token}"}

    return lambda username, scope="write": make(username, scope)


def test_openapi_schema_lists_the_api(app_client: Callable[[], TestClient]) -> None:
    schema = app_client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/systems",
        "/api/v1/systems/{system_id}/evidence",
        "/api/v1/reviews/{review_id}/votes",
        "/api/v1/audit-log/verify",
    ):
        assert path in paths
    assert not any(p.startswith("/reviews") or p == "/" for p in paths)  # pages are not API
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_read_the_portfolio(api: Api, seeded: Seeded) -> None:
    client, headers = api("audrey", "read")
    listed = client.get("/api/v1/systems", headers=headers).json()
    assert {s["id"] for s in listed["items"]} == {
        seeded.blocked_system,
        seeded.other_system,
        seeded.hana_system,
    }
    assert (listed["limit"], listed["offset"], listed["next"]) == (100, 0, None)
    detail = client.get(f"/api/v1/systems/{seeded.blocked_system}", headers=headers).json()
    assert detail["classification"]["eu_category"] == "high_risk"
    evidence = client.get(f"/api/v1/systems/{seeded.blocked_system}/evidence", headers=headers)
    assert seeded.evidence_id in [e["id"] for e in evidence.json()["items"]]
    assert {e["kind"] for e in evidence.json()["items"]} == {"model_card", "third_party_audit"}
    verify = client.get("/api/v1/audit-log/verify", headers=headers).json()
    assert verify["ok"] is True
    assert verify["events"] > 10


def test_vote_decide_and_resolve_over_the_api(
    api: Api, seeded: Seeded, context: AppContext
) -> None:
    rex, rex_headers = api("rex")
    vote = rex.post(
        f"/api/v1/reviews/{seeded.review_id}/votes",
        json={"vote": "reject", "rationale": "FPR parity fails."},
        headers=rex_headers,
    )
    assert vote.status_code == 200, vote.text
    lena, lena_headers = api("lena")
    decided = lena.post(
        f"/api/v1/reviews/{seeded.review_id}/decision",
        json={"decision": "reject", "rationale": "Not ready."},
        headers=lena_headers,
    )
    assert decided.status_code == 200
    assert reviews.get_review(context, seeded.review_id).decision == "reject"
    again = lena.post(
        f"/api/v1/reviews/{seeded.review_id}/decision",
        json={"decision": "approve", "rationale": "Changed my mind."},
        headers=lena_headers,
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    omar, omar_headers = api("omar")
    resolved = omar.post(
        f"/api/v1/findings/{seeded.finding_id}/resolve",
        json={"evidence_ids": [seeded.evidence_id], "note": "Thresholds recalibrated."},
        headers=omar_headers,
    )
    assert resolved.json()["status"] == "resolved"


def test_domain_errors_map_to_statuses_with_one_shape(api: Api, seeded: Seeded) -> None:
    client, headers = api("omar")
    cases = [
        ("GET", "/api/v1/systems/nope", None, 404, "not_found"),
        ("GET", "/api/v1/findings/999", None, 404, "not_found"),
        ("GET", "/api/v1/nowhere", None, 404, "not_found"),
        ("GET", "/api/v1/findings?status=bogus", None, 422, "invalid_input"),
        ("GET", "/api/v1/reviews/abc", None, 422, "invalid_input"),
        (
            "POST",
            f"/api/v1/findings/{seeded.finding_id}/resolve",
            {"evidence_ids": [999], "note": "x"},
            422,
            "invalid_input",
        ),
        (
            "POST",
            "/api/v1/incidents",
            {
                "title": "t",
                "severity": "high",
                "system_ids": ["nope"],
                "detected_at": "2026-01-01T10:00:00Z",
                "aware_at": "2026-01-01T11:00:00Z",
            },
            422,
            "invalid_input",
        ),
        ("DELETE", "/api/v1/systems", None, 405, "method_not_allowed"),
    ]
    for method, path, body, status, code in cases:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
        error = response.json()["error"]
        assert error["code"] == code, path
        assert isinstance(error["message"], str)
        assert error["message"]
    # The service's separation of duties: the system's owner holds no seat, cannot vote.
    owner_vote = client.post(
        f"/api/v1/reviews/{seeded.review_id}/votes",
        json={"vote": "approve", "rationale": "mine"},
        headers=headers,
    )
    assert owner_vote.status_code == 403


def test_report_an_incident_over_the_api(api: Api, seeded: Seeded, context: AppContext) -> None:
    client, headers = api("omar")
    created = client.post(
        "/api/v1/incidents",
        json={
            "title": "Drift alarm",
            "severity": "medium",
            "system_ids": [seeded.other_system],
            "detected_at": "2026-01-01T10:00:00Z",
            "aware_at": "2026-01-01T11:00:00Z",
        },
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json()["systems"] == [seeded.other_system]
    assert findings.list_findings(context, system_id=seeded.other_system) == []


def test_ids_too_large_for_the_database_are_invalid_input(api: Api, seeded: Seeded) -> None:
    client, headers = api("omar")
    huge = 2**63
    for method, path, body in (
        ("GET", f"/api/v1/reviews/{huge}", None),
        (
            "POST",
            f"/api/v1/findings/{seeded.finding_id}/resolve",
            {"evidence_ids": [huge], "note": "x"},
        ),
    ):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_input"


def test_lists_are_paginated_with_a_next_offset(api: Api, seeded: Seeded) -> None:
    """Oracle: the three seeded systems, in id order, two to a page."""
    client, headers = api("audrey", "read")
    first = client.get("/api/v1/systems?limit=2", headers=headers).json()
    assert (first["limit"], first["offset"], first["next"]) == (2, 0, 2)
    second = client.get(f"/api/v1/systems?limit=2&offset={first['next']}", headers=headers).json()
    assert second["next"] is None
    ids = [s["id"] for s in first["items"] + second["items"]]
    assert ids == sorted([seeded.blocked_system, seeded.other_system, seeded.hana_system])
    beyond = client.get("/api/v1/findings?offset=50", headers=headers).json()
    assert (beyond["items"], beyond["next"]) == ([], None)
    for bad in ("limit=0", "limit=1001", "offset=-1", "limit=x"):
        response = client.get(f"/api/v1/findings?{bad}", headers=headers)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "invalid_input"


def test_a_damaged_database_is_a_503_with_its_reason_not_a_crash(
    api: Api, workspace: Workspace
) -> None:
    client, headers = api("ada", "read")
    assert client.get("/api/v1/systems", headers=headers).status_code == 200
    connection = sqlite3.connect(workspace.database_url.removeprefix("sqlite:///"))
    connection.execute("PRAGMA foreign_keys=OFF")
    connection.execute("DROP TABLE ai_systems")
    connection.commit()
    connection.close()
    response = client.get("/api/v1/systems", headers=headers)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "no such table: ai_systems" in error["message"]


# The keys of each body, in order, as the API served them before the services returned
# typed records (main at 1fc4b54, when they returned dicts): the wire contract.
_PROFILE = (
    "name", "purpose", "owner", "owner_team", "domain", "kind", "operator_role", "automation",
    "business_unit", "out_of_scope_uses", "vendor", "deployment_regions", "affected_people",
    "data_categories",
)  # fmt: skip
_SUMMARY = (
    "id", "system_id", "status", "quorum", "required_capacities", "vote_count", "decision",
    "rationale", "conditions", "decided_by",
)  # fmt: skip
WIRE_KEYS = {
    "/api/v1/systems": ("id", "status", *_PROFILE, "tier", "eu_category"),
    "/api/v1/systems/{system}": (
        "id", "status", *_PROFILE, "row_version", "created_at", "updated_at", "versions",
        "transitions", "classification",
    ),
    "/api/v1/reviews": (*_SUMMARY, "version", "gate", "opened_at"),
    "/api/v1/reviews/{review}": (
        *_SUMMARY, "version", "opened_by", "opened_at", "decided_at", "row_version",
        "gate_evaluation_id", "latest_gate", "assignments", "votes", "quorum_status", "snapshot",
    ),
    "/api/v1/findings/{finding}": (
        "id", "system_id", "version", "title", "description", "severity", "source_kind",
        "source_ref", "owner", "due_date", "status", "overdue", "fix_evidence",
        "resolution_note", "resolved_by", "resolved_at", "verified_by", "verified_at",
        "risk_justification", "risk_accepted_by", "risk_expires_on", "created_by",
        "created_at", "row_version",
    ),
    "/api/v1/incidents/{incident}": (
        "id", "title", "description", "severity", "affected_people", "people_affected_count",
        "serious", "involves_death", "widespread_infringement",
        "critical_infrastructure_disruption", "occurred_at", "detected_at", "aware_at",
        "status", "post_incident_review", "closed_by", "closed_at", "reported_by",
        "row_version", "systems", "findings", "notifications", "timeline", "reporting_duties",
        "art73_clock",
    ),
}  # fmt: skip


def test_bodies_keep_the_wire_shape_of_the_records(
    api: Api, seeded: Seeded, context: AppContext
) -> None:
    """Oracles: the key order the API served before the services were typed (pinned
    above), and each record's own ``to_dict()`` read through the service directly."""
    client, headers = api("audrey", "read")
    urls = {
        "/api/v1/systems": "/api/v1/systems",
        "/api/v1/systems/{system}": f"/api/v1/systems/{seeded.blocked_system}",
        "/api/v1/reviews": "/api/v1/reviews",
        "/api/v1/reviews/{review}": f"/api/v1/reviews/{seeded.review_id}",
        "/api/v1/findings/{finding}": f"/api/v1/findings/{seeded.finding_id}",
        "/api/v1/incidents/{incident}": f"/api/v1/incidents/{seeded.incident_id}",
    }
    bodies = {name: client.get(url, headers=headers).json() for name, url in urls.items()}
    for name, keys in WIRE_KEYS.items():
        body = bodies[name]
        item = body["items"][0] if "items" in body else body
        assert tuple(item) == keys, name
    system = systems.get_system(context, seeded.blocked_system)
    assert bodies["/api/v1/systems/{system}"] == json.loads(json.dumps(system.to_dict()))
    assert [v["label"] for v in bodies["/api/v1/systems/{system}"]["versions"]] == list(
        system.version_labels
    )
    review = reviews.get_review(context, seeded.review_id)
    assert bodies["/api/v1/reviews/{review}"] == json.loads(json.dumps(review.to_dict()))
    finding = findings.get_finding(context, seeded.finding_id)
    assert bodies["/api/v1/findings/{finding}"] == json.loads(json.dumps(finding.to_dict()))
    assert bodies["/api/v1/findings/{finding}"]["due_date"] == finding.due_date.isoformat()
    # The Art. 73 clock runs on between the two reads: compare the rest, and its deadline.
    served = dict(bodies["/api/v1/incidents/{incident}"])
    read = json.loads(json.dumps(incidents.get_incident(context, seeded.incident_id).to_dict()))
    clocks = served.pop("art73_clock"), read.pop("art73_clock")
    assert served == read
    assert (clocks[0] or {}).get("deadline") == (clocks[1] or {}).get("deadline")


GATE_KEYS = (
    "evaluation_id", "evaluated_by", "outcome", "system_id", "version", "tier", "policy",
    "evaluated_at", "checks", "to_pass", "waived", "requirements", "obligations_in_force",
    "upcoming_obligations",
)  # fmt: skip
CHECK_KEYS = ("id", "category", "outcome", "message", "evidence_ids", "remedy", "cites")


def test_gate_bodies_keep_the_wire_shape_of_the_stored_run(
    api: Api, seeded: Seeded, context: AppContext
) -> None:
    """Oracles: the key order the API served before gate runs were typed (pinned above),
    and the stored row itself, read with SQL, as the service used to serve it
    (``evaluation_id`` and ``evaluated_by`` ahead of the stored result JSON)."""
    client, headers = api("lena", "write")
    url = f"/api/v1/systems/{seeded.blocked_system}/gate"
    posted = client.post(url, headers=headers)
    assert posted.status_code == 200, posted.text
    ran = posted.json()
    listed = client.get(url, headers=headers).json()["items"]
    assert listed[-1] == ran
    with context.read() as session:
        rows = session.execute(
            select(GateEvaluationRow)
            .where(GateEvaluationRow.system_id == seeded.blocked_system)
            .order_by(GateEvaluationRow.id)
        ).scalars()
        stored = [{"evaluation_id": r.id, "evaluated_by": r.evaluated_by, **r.result} for r in rows]
    assert listed == json.loads(json.dumps(stored))
    for body in listed:
        assert tuple(body) == GATE_KEYS
        assert body["checks"], "a run with no check would not pin the check shape"
        assert all(tuple(c) == CHECK_KEYS for c in body["checks"])
        assert tuple(body["policy"]) == ("name", "version", "sha256")
    assert ran["evaluated_by"] == "lena"
    assert ran["evaluation_id"] == max(b["evaluation_id"] for b in listed)
