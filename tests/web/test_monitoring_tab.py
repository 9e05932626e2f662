"""The system page's Monitoring tab and the dashboard's monitoring counts (TestClient).

The tab must draw the very numbers of ``ombud monitor report`` (same service, same SVG
code): the test compares every point of the page with the report file's, whose numbers
tests/services/test_monitor_report.py holds against the per-window engine. Data: a
SIMULATED stream (seeded, planted drift and bias; tests/services/_monitoring.py), labelled so.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ombud.services.context import AppContext
from ombud.services.monitor_findings import check_monitor
from ombud.services.monitor_report import monitoring_report

from ..services._monitoring import chart_data, simulated_monitor
from ._seed import Seeded

AsUser = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def monitored(context: AppContext, seeded: Seeded) -> AppContext:
    """blocked_system: a simulated monitor with one recorded (breaching) check;
    other_system: a monitor never checked (stale)."""
    simulated_monitor(context, seeded.blocked_system, days=75, version="1.0.0")
    check_monitor(context, context.actor("lena"), seeded.blocked_system, name="simulated")
    simulated_monitor(context, seeded.other_system, days=40, version="1.0.0")
    return context


def test_the_tab_draws_the_report_s_numbers(
    monitored: AppContext, seeded: Seeded, as_user: AsUser
) -> None:
    client, _ = as_user("audrey")  # an auditor: read-only, owns nothing
    page = client.get(f"/systems/{seeded.blocked_system}/monitoring?by=week")
    assert page.status_code == 200, page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    report = monitoring_report(monitored, seeded.blocked_system, "simulated", by="week")
    drawn, alerts = chart_data(page.text)
    expected, expected_alerts = chart_data(report.html())
    assert drawn == expected
    assert alerts == expected_alerts
    assert any(alerts.values())  # the planted shifts are marked
    assert "SIMULATED DATA" in page.text
    body = page.text
    assert "<script" not in body
    assert ' style="' not in body
    assert f"recorded: evidence #{report.runs[0].evidence_id}" in body
    overview = client.get(f"/systems/{seeded.blocked_system}")
    assert f'href="/systems/{seeded.blocked_system}/monitoring"' in overview.text


def test_the_tab_says_what_is_missing(
    monitored: AppContext, seeded: Seeded, as_user: AsUser
) -> None:
    client, _ = as_user("hana")  # an owner of another system may read
    none = client.get(f"/systems/{seeded.hana_system}/monitoring")
    assert none.status_code == 200
    assert "No monitor watches this system" in none.text
    empty = client.get(f"/systems/{seeded.other_system}/monitoring?from=2020-01-01&to=2020-02-01")
    assert empty.status_code == 200
    assert "no windows stored for" in empty.text
    assert client.get(f"/systems/{seeded.other_system}/monitoring?by=fortnight").status_code == 422
    assert client.get(f"/systems/{seeded.other_system}/monitoring?from=May").status_code == 422
    assert client.get(f"/systems/{seeded.other_system}/monitoring?monitor=x").status_code == 404
    assert client.get("/systems/nope/monitoring").status_code == 404


def test_the_dashboard_counts_breached_and_stale_monitoring(
    monitored: AppContext, seeded: Seeded, as_user: AsUser
) -> None:
    client, _ = as_user("rex")
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="monitoring-breached">1<' in page.text
    assert 'id="monitoring-stale">1<' in page.text  # other_system: never checked
    assert "within 30 days, as the policy in force asks" in page.text
    assert f'href="/systems/{seeded.other_system}/monitoring"' in page.text
