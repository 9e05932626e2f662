"""Incidents against SQLite and the real PostgreSQL: clock, timeline, suspension, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ombud.governance import DomainError, InvalidInput, PermissionDenied, SystemProfile
from ombud.services import audit_log, findings, incidents, systems, workspaces
from ombud.services.context import AppContext
from ombud.store.models import AISystemRow, AuditEventRow

NOW = dt.datetime.now(dt.UTC)


def _events(context: AppContext) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


@pytest.fixture
def team(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    for name, roles in [("olivia", ["owner"]), ("lena", ["rai_lead"]), ("audrey", ["auditor"])]:
        workspaces.add_user(context, admin, username=name, roles=roles)
    profile = SystemProfile(
        name="Triage",
        purpose="Prioritises emergency calls",
        owner="olivia",
        owner_team="ops",
        domain="critical_infrastructure",
        kind="decision_model",
        operator_role="deployer",
        automation="human_in_the_loop",
    )
    for system_id in ("triage", "router"):
        systems.register_system(context, admin, system_id, profile)
    # Test setup only: put 'triage' in production without the review workflow, which
    # is not what these tests are about.
    with context.write(admin) as tx:
        row = tx.session.get(AISystemRow, "triage")
        assert row is not None
        row.status = "deployed"
    return context


def _report(context: AppContext, **changes: object) -> incidents.Incident:
    fields: dict[str, object] = {
        "title": "Calls from one district deprioritised",
        "description": "A data feed outage zeroed a feature",
        "severity": "high",
        "system_ids": ["triage", "router"],
        "detected_at": NOW - dt.timedelta(days=3),
        "aware_at": NOW - dt.timedelta(days=2),
        "affected_people": "callers from district 4",
        "people_affected_count": 120,
        "serious": True,
    }
    fields.update(changes)
    return incidents.report_incident(context, context.actor("olivia"), **fields)  # type: ignore[arg-type]


def test_report_clock_notify_suspend_link_close(team: AppContext) -> None:
    """Oracle for the clock: awareness 2 days ago + 15 days (Art. 73(2)) = 13 days left."""
    created = _report(team)
    iid = created.id
    clock = created.art73_clock
    assert clock is not None
    assert clock.days == 15
    assert clock.state == "running"
    deadline = NOW - dt.timedelta(days=2) + dt.timedelta(days=15)
    assert clock.deadline == deadline
    # NOW was taken at import; on a loaded machine the test may start minutes later.
    assert 0 <= 13 * 86400 - clock.remaining_seconds < 3600
    lena = team.actor("lena")
    assert incidents.suspend_affected_systems(team, lena, iid, "stop harm") == ["triage"]
    assert systems.get_system(team, "triage").status == "suspended"
    assert systems.get_system(team, "router").status == "proposed"
    finding = findings.open_finding(
        team,
        lena,
        findings.FindingDraft(
            system_id="triage",
            version_label=None,
            title="no alert on feature outage",
            severity="high",
            source_kind="incident",
            source_ref=f"incident {iid}",
            owner="olivia",
            due_date=NOW.date() + dt.timedelta(days=14),
        ),
    )
    incidents.link_findings(team, lena, iid, [finding.id])
    incidents.update_incident(team, lena, iid, note="feed restored", death=True)
    shown = incidents.get_incident(team, iid)
    assert shown.art73_clock is not None
    assert shown.art73_clock.days == 10  # a death shortens the limit (Art. 73(4))
    with pytest.raises(DomainError, match="no notification is recorded"):
        incidents.close_incident(team, lena, iid, review="root cause: feed")
    incidents.notify_authority(
        team, lena, iid, authority="Market surveillance authority DE", reference="MSA-1"
    )
    closed = incidents.close_incident(team, lena, iid, review="root cause: unmonitored feed")
    assert closed.status == "closed"
    assert closed.art73_clock is not None
    assert closed.art73_clock.state == "notified_in_time"
    assert closed.findings == (finding.id,)
    kinds = [e.kind for e in closed.timeline]
    assert kinds == ["reported", "suspension", "link", "update", "note", "notification", "closed"]
    actions = [e.action for e in audit_log.iter_events(team, entity_id=f"incident-{iid}")]
    assert actions == [
        "incident.report",
        "incident.suspend",
        "incident.link",
        "incident.update",
        "incident.notify",
        "incident.close",
    ]
    assert [i.id for i in incidents.list_incidents(team, system_id="router")] == [iid]
    assert incidents.list_incidents(team, status="open") == []


def test_refusals_change_nothing(team: AppContext) -> None:
    iid = _report(team, serious=False).id
    lena = team.actor("lena")
    incidents.close_incident(team, lena, iid, review="not reportable; fixed the feed")
    before = _events(team)
    with pytest.raises(
        DomainError, match=f"incident {iid} is closed; cannot record a notification"
    ):
        incidents.notify_authority(team, lena, iid, authority="MSA", reference="x")
    with pytest.raises(DomainError, match="is closed"):
        incidents.update_incident(team, lena, iid, note="late note")
    with pytest.raises(InvalidInput, match="after awareness time"):
        _report(team, detected_at=NOW - dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="no AI system 'ghost'"):
        _report(team, system_ids=["ghost"])
    with pytest.raises(PermissionDenied, match=r"audrey.*may not incident\.report"):
        incidents.report_incident(
            team,
            team.actor("audrey"),
            title="x",
            description="",
            severity="low",
            system_ids=["triage"],
            detected_at=NOW,
            aware_at=NOW,
        )
    assert _events(team) == before


def test_suspension_refused_when_nothing_is_deployed(team: AppContext) -> None:
    iid = _report(team, system_ids=["router"]).id
    before = _events(team)
    with pytest.raises(DomainError, match="router: proposed"):
        incidents.suspend_affected_systems(team, team.actor("lena"), iid, "stop")
    assert _events(team) == before


def test_an_update_that_also_suspends_commits_whole_or_not_at_all(team: AppContext) -> None:
    """A note, a finding link and a suspension asked for together: when the suspension is
    refused (nothing deployed), the note and the link are not recorded either."""
    lena = team.actor("lena")
    iid = _report(team, system_ids=["router"]).id
    before = _events(team)
    with pytest.raises(DomainError, match="nothing to suspend"):
        incidents.update_incident(
            team, lena, iid, note="suspending now", suspend_reason="stop harm"
        )
    assert _events(team) == before
    assert [e.kind for e in incidents.get_incident(team, iid).timeline] == ["reported"]
    deployed = _report(team).id
    done = incidents.update_incident(
        team, lena, deployed, note="suspending now", suspend_reason="stop harm"
    )
    assert [e.kind for e in done.timeline][-2:] == ["note", "suspension"]
    assert systems.get_system(team, "triage").status == "suspended"


def test_reporting_with_suspend_records_both_in_one_transaction(team: AppContext) -> None:
    reported = _report(team, suspend=True)
    assert [e.kind for e in reported.timeline] == ["reported", "suspension"]
    assert systems.get_system(team, "triage").status == "suspended"
    before = _events(team)
    with pytest.raises(DomainError, match="nothing to suspend"):
        _report(team, system_ids=["router"], suspend=True)
    assert _events(team) == before  # no incident left behind without its suspension


def test_times_in_other_zones_read_back_as_the_same_instant(team: AppContext) -> None:
    """Oracle: 10:00 at +01:00 is 09:00 UTC; + 10 days (Art. 73(4)) = 09:00 UTC ten days on."""
    zone = dt.timezone(dt.timedelta(hours=1))
    aware = (NOW - dt.timedelta(days=1)).astimezone(zone).replace(microsecond=0)
    iid = _report(team, death=True, detected_at=aware, aware_at=aware).id
    clock = incidents.get_incident(team, iid).art73_clock
    assert clock is not None
    expected = (aware + dt.timedelta(days=10)).astimezone(dt.UTC)
    assert clock.deadline == expected
    listed = incidents.list_incidents(team)[0].art73_clock
    assert listed is not None
    assert listed.deadline == clock.deadline
    assert listed.to_dict()["deadline"] == expected.isoformat()  # the wire form, in UTC
