"""A monitoring check's record is one transaction, and the policy can make a breach an
incident (SQLite and PostgreSQL).

The breaches are provoked on the real COMPAS screenings with a SIMULATED plant (every age
raised by 25 years, every label flipped), as in test_monitoring_check.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest
from sqlalchemy import func, select

from ombud.governance import InvalidInput, PermissionDenied
from ombud.governance.policy import parse_policy
from ombud.services import incidents, monitoring
from ombud.services.context import AppContext
from ombud.services.monitor_check import MonitorSettings
from ombud.services.monitor_findings import check_monitor
from ombud.store.models import AuditEventRow, EvidenceRow, UserRow
from ombud.store.models_tracking import FindingRow, IncidentFindingRow, IncidentRow
from ombud.yamlsource import YamlSourceError, parse_yaml

from ._monitoring import MONITOR_COLUMNS, compas_log, monitored_team

SETTINGS = MonitorSettings(recent_windows=30)
BASE = 'name: t\nversion: "1"\ntiers:\n  1: {}\n  2: {}\n  3: {}\n  4: {}\n'
TIER_1_LINE = "    1: {accuracy_drop: 0.03, due_days: 14}"


@pytest.fixture
def team(context: AppContext) -> AppContext:
    context = monitored_team(context)
    monitoring.init_monitor(
        context,
        context.actor("olivia"),
        "recid",
        "1.0",
        compas_log("2013-01-01", "2013-07-01"),
        **MONITOR_COLUMNS,
    )
    return context


def _planted(start: str, end: str) -> pd.DataFrame:
    log = compas_log(start, end)
    return log.assign(age=log["age"] + 25, recid=1 - log["recid"])


def _count(context: AppContext, table: type[object]) -> int:
    with context.read() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def _policy(context: AppContext, incidents_yaml: str) -> None:
    """The default pack with a ``monitoring.incidents`` list, as the workspace's policy."""
    text = resources.files("ombud.governance").joinpath("data", "default-policy.yaml")
    own = text.read_text(encoding="utf-8").replace(
        TIER_1_LINE, TIER_1_LINE + "\n  incidents:\n" + incidents_yaml
    )
    assert own != text.read_text(encoding="utf-8")
    (context.workspace.root / "policy.yaml").write_text(own, encoding="utf-8")


# ----- atomicity -------------------------------------------------------------------------


def test_a_finding_that_cannot_be_opened_leaves_no_evidence_either(team: AppContext) -> None:
    """The finding's owner (the system owner) is no longer an active user: opening the
    finding is refused by the finding service's own check, and the whole record of the
    run, evidence included, is rolled back."""
    monitoring.ingest(team, team.actor("olivia"), "recid", _planted("2014-01-01", "2014-03-01"))
    with team.write(team.actor("ada")) as tx:
        user = tx.session.get(UserRow, "olivia")
        assert user is not None
        user.active = False
    before = (_count(team, EvidenceRow), _count(team, FindingRow))
    events = _count(team, AuditEventRow)
    with pytest.raises(InvalidInput, match="owner 'olivia' is not an active workspace user"):
        check_monitor(team, team.actor("lena"), "recid", settings=SETTINGS)
    assert (_count(team, EvidenceRow), _count(team, FindingRow)) == before == (0, 0)
    assert _count(team, AuditEventRow) == events
    # Once the owner is back, the same check records the evidence and its findings together.
    with team.write(team.actor("ada")) as tx:
        user = tx.session.get(UserRow, "olivia")
        assert user is not None
        user.active = True
    done = check_monitor(team, team.actor("lena"), "recid", settings=SETTINGS)
    assert done.evidence is not None
    assert _count(team, EvidenceRow) == 1
    assert _count(team, FindingRow) == len(done.findings) >= 2


# ----- incidents -------------------------------------------------------------------------


def test_a_breach_the_policy_names_opens_one_incident(team: AppContext) -> None:
    _policy(team, "    - {rule: monitoring.performance, severity: high, serious: true}\n")
    olivia, lena = team.actor("olivia"), team.actor("lena")
    monitoring.ingest(team, olivia, "recid", _planted("2014-01-01", "2014-03-01"))
    first = check_monitor(team, olivia, "recid", settings=SETTINGS)
    assert first.check.verdicts["monitoring.performance"] == "fail"
    assert first.check.verdicts["monitoring.drift"] == "fail"
    # Only the rule the policy names opens an incident (drift stays a finding).
    assert [(a.rule, a.action, a.serious) for a in first.incidents] == [
        ("monitoring.performance", "opened", True)
    ]
    incident = incidents.get_incident(team, first.incidents[0].incident_id)
    finding = {a.rule: a.finding_id for a in first.findings}["monitoring.performance"]
    assert incident.systems == ("recid",)
    assert finding in incident.findings
    assert incident.severity == "high"
    assert incident.serious
    assert incident.art73_clock is not None  # the reporting duty of a serious incident
    assert first.evidence is not None
    assert f"evidence #{first.evidence.id}" in incident.description
    # A later run: no second incident while the first is open (de-duplicated).
    monitoring.ingest(team, olivia, "recid", _planted("2014-03-01", "2014-04-01"))
    second = check_monitor(team, lena, "recid", settings=SETTINGS)
    assert [(a.rule, a.incident_id, a.action) for a in second.incidents] == [
        ("monitoring.performance", incident.id, "already open")
    ]
    assert _count(team, IncidentRow) == 1
    assert _count(team, IncidentFindingRow) == 1


def test_the_tier_decides(team: AppContext) -> None:
    """An entry for tier 1 only does not apply to an unclassified system."""
    _policy(team, "    - {rule: monitoring.performance, severity: critical, tiers: [1]}\n")
    olivia = team.actor("olivia")
    monitoring.ingest(team, olivia, "recid", _planted("2014-01-01", "2014-03-01"))
    outcome = check_monitor(team, olivia, "recid", settings=SETTINGS)
    assert outcome.check.verdicts["monitoring.performance"] == "fail"
    assert outcome.incidents == ()
    assert _count(team, IncidentRow) == 0


def test_an_owner_of_another_system_cannot_cause_an_incident(team: AppContext) -> None:
    _policy(team, "    - {rule: monitoring.drift, severity: medium}\n")
    monitoring.ingest(team, team.actor("olivia"), "recid", _planted("2014-01-01", "2014-03-01"))
    with pytest.raises(PermissionDenied, match="hana"):
        check_monitor(team, team.actor("hana"), "recid", settings=SETTINGS)
    assert (_count(team, IncidentRow), _count(team, EvidenceRow), _count(team, FindingRow)) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("entries", "line", "says"),
    [
        ("    - {rule: monitoring.drfit, severity: high}\n", 10, "'rule' must be one of"),
        ("    - {rule: monitoring.drift, severity: huge}\n", 10, "'severity' must be one of"),
        ("    - {rule: monitoring.drift}\n", 10, "'severity' must be one of"),
        ("    - {rule: monitoring.drift, severity: low, tiers: [5]}\n", 10, "'tiers' must be"),
        ("    - {rule: monitoring.drift, severity: low, serious: 1}\n", 10, "'serious' must be"),
        ("    - {rule: monitoring.drift, severity: low, when: x}\n", 10, "unknown incident key"),
        (
            "    - {rule: monitoring.drift, severity: low}\n"
            "    - {rule: monitoring.drift, severity: high, tiers: [1]}\n",
            11,
            "a second incident entry for 'monitoring.drift'",
        ),
        ("    {rule: monitoring.drift}\n", 9, "'incidents' must be a list"),
    ],
)
def test_a_bad_incidents_list_is_refused_at_its_line(entries: str, line: int, says: str) -> None:
    text = BASE + "monitoring:\n  incidents:\n" + entries
    with pytest.raises(YamlSourceError) as refused:
        parse_policy(parse_yaml(text, "p.yaml", scalar_keys=True))
    message = str(refused.value)
    assert message.startswith(f"p.yaml:{line}:"), message
    assert says in message
    assert "\n" not in message


def test_a_good_incidents_list_is_read() -> None:
    text = BASE + (
        "monitoring:\n  incidents:\n"
        "    - {rule: monitoring.fairness_gap, severity: high, tiers: [1, 2], serious: true}\n"
        "    - {rule: monitoring.fairness_gap, severity: low, tiers: [3]}\n"
    )
    pack = parse_policy(parse_yaml(text, "p.yaml", scalar_keys=True))
    assert pack.monitoring is not None
    high = pack.monitoring.incident_rule("monitoring.fairness_gap", 1)
    assert high is not None
    assert (high.severity, high.serious) == ("high", True)
    low = pack.monitoring.incident_rule("monitoring.fairness_gap", 3)
    assert low is not None
    assert low.severity == "low"
    assert pack.monitoring.incident_rule("monitoring.fairness_gap", 4) is None
    assert pack.monitoring.incident_rule("monitoring.drift", 1) is None
