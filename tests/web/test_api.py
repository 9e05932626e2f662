"""The JSON API: OpenAPI, bearer tokens, the error shape, domain errors mapped to statuses."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ombud.services import auth, findings, reviews
from ombud.services.context import AppContext
from ombud.store import Workspace

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
