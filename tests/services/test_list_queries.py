"""The aggregate and paginated queries the dashboard and list APIs use, on both backends.

Each is checked against an independent oracle: the per-row Python rules (``is_overdue``
via ``finding_of``), the one-system reads (``list_gate_evaluations``, ``get_system``,
``get_incident``) and plain Python sorting and counting over the full lists.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import replace
from pathlib import Path

from ombud.governance import SystemProfile
from ombud.records import Verdict
from ombud.services import classification, evidence, findings, gates, incidents, systems
from ombud.services.context import AppContext
from ombud.store.models_tracking import FindingRow

from .test_gates import HIRING_ANSWERS, POLICY, audit_draft, setup_hiring_system

TODAY = dt.date(2026, 3, 15)
STATUSES = ("open", "in_remediation", "resolved", "verified", "risk_accepted")
SEVERITIES = ("critical", "high", "medium", "low")


def _seed_findings(context: AppContext) -> None:
    """Every status x due date around TODAY x acceptance end around TODAY x severity."""
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    days = (-3, -1, 0, 1)
    rows = []
    combos = itertools.product(STATUSES, days, (None, *days), SEVERITIES)
    for n, (status, due, expires, severity) in enumerate(combos):
        if expires is not None and status != "risk_accepted":
            continue
        rows.append(
            FindingRow(
                system_id="screening",
                version_label="1.0",
                title=f"finding {n}",
                description="",
                severity=severity,
                source_kind="manual",
                source_ref=str(n),
                owner="olivia",
                due_date=TODAY + dt.timedelta(days=due),
                status=status,
                fix_evidence=[],
                risk_accepted_by="lena" if status == "risk_accepted" else None,
                risk_expires_on=None if expires is None else TODAY + dt.timedelta(days=expires),
                created_by="lena",
                created_at=now,
                updated_at=now,
            )
        )
    with context.sessions() as session, session.begin():
        session.add_all(rows)


def test_overdue_in_sql_agrees_with_the_python_rule(context: AppContext) -> None:
    """Oracle: ``overdue`` as ``finding_of`` computes it row by row with ``is_overdue``."""
    setup_hiring_system(context)
    _seed_findings(context)
    everything = findings.list_findings(context, today=TODAY)
    assert len(everything) == 4 * 4 * 4 + 4 * 5 * 4  # four statuses x due x severity + accepted
    python_overdue = [f for f in everything if f.overdue]
    assert 0 < len(python_overdue) < len(everything)  # both outcomes are exercised
    assert findings.list_findings(context, overdue=True, today=TODAY) == python_overdue
    assert findings.count_findings(context, overdue=True, today=TODAY) == len(python_overdue)
    counts = findings.finding_counts(context, today=TODAY)
    assert counts.overdue == len(python_overdue)
    assert counts.by_status == dict(Counter(f.status for f in everything))
    working = [f for f in everything if f.status in ("open", "in_remediation")]
    assert counts.open_by_severity == dict(Counter(f.severity for f in working))
    assert counts.open == len(working)


def test_finding_pages_and_urgent_order(context: AppContext) -> None:
    """Oracles: the unpaginated list cut in Python, and filtered in Python."""
    setup_hiring_system(context)
    _seed_findings(context)
    everything = findings.list_findings(context, today=TODAY)
    pages = [
        findings.list_findings(context, today=TODAY, limit=7, offset=start)
        for start in range(0, len(everything) + 7, 7)
    ]
    assert [f for page in pages for f in page] == everything
    assert pages[-1] == []
    working = [f for f in everything if f.status in ("open", "in_remediation")]
    expected = [f for f in working if f.severity in ("critical", "high")]  # already by due
    assert findings.urgent_findings(context, limit=10, today=TODAY) == expected[:10]


def _more_systems(context: AppContext, names: tuple[str, ...]) -> None:
    olivia = context.actor("olivia")
    base = systems.get_system(context, "screening")
    profile = SystemProfile.from_mapping({k: getattr(base, k) for k in SystemProfile.field_names()})
    for name in names:
        systems.register_system(context, olivia, name, replace(profile, name=name))
        systems.add_version(context, olivia, name, "1.0")
    for name in names[:-1]:  # the last one stays unclassified
        classification.classify_system(context, olivia, name, answers=HIRING_ANSWERS)


def test_latest_gate_per_system_and_portfolio_counts(context: AppContext, tmp_path: Path) -> None:
    """Oracles: each system's own gate history (its last run) and ``get_system``."""
    setup_hiring_system(context)
    _more_systems(context, ("alpha", "beta", "gamma"))
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    olivia = context.actor("olivia")
    gates.check_gate(context, olivia, "screening", policy_path=policy)  # insufficient
    evidence.record_evidence(context, olivia, "screening", "1.0", audit_draft(Verdict.FAIL))
    gates.check_gate(context, olivia, "screening", policy_path=policy)  # then fail
    gates.check_gate(context, olivia, "alpha", policy_path=policy)  # insufficient
    evidence.record_evidence(context, olivia, "beta", "1.0", audit_draft(Verdict.PASS))
    gates.check_gate(context, olivia, "beta", policy_path=policy)  # pass; gamma never runs

    ids = [s.id for s in systems.list_systems(context)]
    oracle = {}
    for system_id in ids:
        runs = gates.list_gate_evaluations(context, system_id)
        oracle[system_id] = runs[-1].outcome if runs else systems.NOT_RUN
        assert gates.latest_gate_evaluation(context, system_id) == (runs[-1] if runs else None)
    assert oracle == {
        "alpha": "insufficient",
        "beta": "pass",
        "gamma": "not run",
        "screening": "fail",
    }
    assert gates.latest_outcomes(context) == {k: v for k, v in oracle.items() if v != "not run"}
    assert gates.latest_outcomes(context, ["beta", "gamma"]) == {"beta": "pass"}
    assert gates.outcome_counts(context) == dict(Counter(oracle.values()))
    for outcome in systems.GATE_FILTERS:
        listed = [s.id for s in systems.list_systems(context, gate=outcome)]
        assert listed == sorted(k for k, v in oracle.items() if v == outcome)
        assert systems.count_systems(context, gate=outcome) == len(listed)

    details = {i: systems.get_system(context, i).classification for i in ids}
    tiers = Counter(d.tier if d else None for d in details.values())
    categories = Counter(d.eu_category if d else None for d in details.values())
    counts = systems.portfolio_counts(context)
    assert counts.tier == dict(tiers)
    assert counts.tier_label == {d.tier: d.tier_label for d in details.values() if d}
    assert counts.eu_category == dict(categories)
    assert counts.status == dict(Counter(s.status for s in systems.list_systems(context)))
    assert counts.total == len(ids)
    listed = systems.list_systems(context)
    assert [s.tier for s in listed] == [d.tier if d else None for d in details.values()]
    assert systems.list_systems(context, limit=2, offset=1) == listed[1:3]


def test_incident_list_batches_what_get_incident_reads(context: AppContext) -> None:
    """Oracle: ``get_incident`` of each listed incident, read on its own."""
    setup_hiring_system(context)
    _more_systems(context, ("alpha",))
    now = dt.datetime.now(dt.UTC)
    olivia = context.actor("olivia")
    for k, targets in enumerate((["screening"], ["alpha", "screening"], ["alpha"])):
        incidents.report_incident(
            context,
            olivia,
            title=f"incident {k}",
            description="",
            severity="high",
            system_ids=targets,
            detected_at=now - dt.timedelta(hours=3 + k),
            aware_at=now - dt.timedelta(hours=2 + k),
            serious=k == 1,
        )
    listed = incidents.list_incidents(context, now=now)
    assert [i.title for i in listed] == ["incident 0", "incident 1", "incident 2"]
    assert listed == [incidents.get_incident(context, i.id, now=now) for i in listed]
    assert incidents.list_incidents(context, now=now, limit=1, offset=1) == listed[1:2]
    assert incidents.list_incidents(context, system_id="alpha", now=now) == listed[1:]
    assert incidents.count_incidents(context, status="open") == 3
