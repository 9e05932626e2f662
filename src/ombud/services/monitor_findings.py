"""A monitoring check end to end: run it, record it, turn each breach into ONE finding.

``check_monitor`` runs :func:`~ombud.services.monitor_check.monitoring_check_run` through
``run_engine`` (evidence ``monitoring_run`` on the monitored version) and, in the SAME
write transaction, for every breached rule opens a finding owned by the system's owner,
or, when a finding for the same system and rule is still open (open, in remediation, or
an accepted risk), brings its description up to date with the latest run instead of
opening a second one. The evidence and its findings commit together: a finding that
cannot be opened (its owner deactivated, a text over its limit) leaves no evidence
behind either, so the record never shows a breach nobody was told about. A clear run
closes nothing: the owner resolves a finding with evidence, as for any finding.

When the policy pack's ``monitoring.incidents`` names the breached rule for the system's
risk tier, the check also opens an incident linked to the finding, in the same
transaction, through the incident service (so its Art. 73 clock and reporting duty are
those of any incident); one open incident per (system, rule): while one is open, a new
breach links its finding to it instead of opening another.

The finding's ``source_ref`` is the rule (``monitoring.drift``...), which is what makes
"one per (system, rule)" a query; its description names the evidence of the last run
that saw the breach, whose inputs list the window digests it read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ombud.governance import NotFoundError
from ombud.governance.findings import FindingSource, FindingStatus
from ombud.governance.incidents import IncidentStatus
from ombud.governance.policy import IncidentRule
from ombud.services import findings, incidents
from ombud.services.context import Actor, AppContext, Tx
from ombud.services.evidence import Evidence
from ombud.services.finding_records import FindingDraft
from ombud.services.gates import resolve_policy
from ombud.services.monitor_check import (
    Breach,
    MonitorCheck,
    MonitorSettings,
    monitoring_check_run,
)
from ombud.services.monitoring import DEFAULT_MONITOR, list_windows
from ombud.services.runs import RecordTarget, run_engine
from ombud.store.models import AISystemRow, ClassificationRow, EvidenceRow
from ombud.store.models_tracking import FindingRow, IncidentFindingRow, IncidentRow

__all__ = [
    "CheckOutcome",
    "FindingAction",
    "IncidentAction",
    "check_monitor",
    "open_monitor_finding",
    "settings_in_force",
]

#: A finding in one of these states still stands for its rule: a new breach updates it.
_STANDING = (
    FindingStatus.OPEN.value,
    FindingStatus.IN_REMEDIATION.value,
    FindingStatus.RISK_ACCEPTED.value,
)


@dataclass(frozen=True)
class FindingAction:
    """What a breach did to the record: ``opened`` a finding, ``updated`` the standing one,
    or ``pending (k of n runs)`` while the hysteresis waits (``finding_id`` 0)."""

    rule: str
    finding_id: int
    action: str


@dataclass(frozen=True)
class IncidentAction:
    """What a breach the policy calls an incident did: ``opened`` one, ``linked`` its
    finding to the incident already open for the system and rule, or nothing new
    (``already open``: that incident already holds the finding)."""

    rule: str
    incident_id: int
    action: str
    serious: bool


@dataclass(frozen=True)
class CheckOutcome:
    check: MonitorCheck
    evidence: Evidence | None
    findings: tuple[FindingAction, ...]
    incidents: tuple[IncidentAction, ...] = ()


def _standing(session: Session, system_id: str, rule: str) -> FindingRow | None:
    return session.execute(
        select(FindingRow)
        .where(
            FindingRow.system_id == system_id,
            FindingRow.source_kind == FindingSource.MONITORING.value,
            FindingRow.source_ref == rule,
            FindingRow.status.in_(_STANDING),
        )
        .order_by(FindingRow.id)
        .limit(1)
    ).scalar_one_or_none()


def settings_in_force(context: AppContext, system_id: str, **overrides: Any) -> MonitorSettings:
    """The check's thresholds for a system: the policy pack's ``monitoring:`` section for
    the system's risk tier (its latest classification), then ``overrides`` that are not None
    (command-line flags), then the settings' own defaults."""
    tier = _tier(context, system_id)
    pack = resolve_policy(context)
    values = pack.monitoring.thresholds(tier) if pack.monitoring is not None else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return MonitorSettings(**values)


def _tier(context: AppContext, system_id: str) -> int | None:
    """The system's risk tier (its latest classification), None while unclassified."""
    with context.read() as session:
        if session.get(AISystemRow, system_id) is None:
            raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
        tier: int | None = session.execute(
            select(ClassificationRow.tier)
            .where(ClassificationRow.system_id == system_id)
            .order_by(ClassificationRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return tier


def _incident_rules(context: AppContext, system_id: str) -> dict[str, IncidentRule]:
    """Per rule, the pack's entry that makes its breach an incident on this system."""
    pack = resolve_policy(context)
    if pack.monitoring is None:
        return {}
    tier = _tier(context, system_id)
    out: dict[str, IncidentRule] = {}
    for entry in pack.monitoring.incidents:
        if entry.applies(entry.rule, tier):
            out.setdefault(entry.rule, entry)
    return out


def _owner(session: Session, system_id: str) -> str:
    return str(
        session.execute(select(AISystemRow.owner).where(AISystemRow.id == system_id)).scalar_one()
    )


def open_monitor_finding(
    tx: Tx,
    check: MonitorCheck,
    breach: Breach,
    evidence_id: int | None,
) -> FindingAction:
    """Open the finding of one breached rule, or update the one still standing, in the
    caller's transaction (the one that records the run's evidence)."""
    seen = f"evidence #{evidence_id}" if evidence_id is not None else "an unrecorded run"
    recent = (
        f"{check.recent_start.date()} to {check.recent_end.date()}"
        if check.recent_start is not None and check.recent_end is not None
        else "no windows"
    )
    description = (
        f"{breach.description} Seen by monitor '{check.monitor}' on the windows {recent} "
        f"({seen}; its inputs list the window digests)."
    )
    standing = _standing(tx.session, check.system_id, breach.rule)
    if standing is not None:
        findings.change_finding(tx, standing.id, description=description)
        return FindingAction(breach.rule, standing.id, "updated")
    draft = FindingDraft(
        system_id=check.system_id,
        version_label=check.version,
        title=breach.title,
        severity=breach.severity,
        source_kind=FindingSource.MONITORING.value,
        source_ref=breach.rule,
        owner=_owner(tx.session, check.system_id),
        due_date=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=check.settings.due_days),
        description=description,
    )
    opened = findings.create_finding(tx, draft)
    return FindingAction(breach.rule, opened.id, "opened")


def check_monitor(
    context: AppContext,
    actor: Actor,
    system_id: str,
    *,
    name: str = DEFAULT_MONITOR,
    settings: MonitorSettings | None = None,
    record: bool = True,
) -> CheckOutcome:
    """Check a monitor's stored windows; with ``record``, keep the run as evidence on the
    monitored version and open (or update) one finding per breached rule. Without
    ``settings``, the thresholds are those the policy pack in force sets for the system's
    tier (``settings_in_force``)."""
    chosen = settings or settings_in_force(context, system_id)
    monitor, stored = list_windows(context, system_id, name)
    run = monitoring_check_run(monitor, stored, chosen)
    if not record:
        return CheckOutcome(run_engine(run).result, None, ())
    rules = _incident_rules(context, system_id)
    actions: list[FindingAction] = []
    opened: list[IncidentAction] = []

    def consequences(tx: Tx, check: MonitorCheck, evidence: Evidence) -> None:
        for breach, action in _act_on_breaches(tx, check, evidence.id, name, chosen):
            actions.append(action)
            rule = rules.get(breach.rule)
            if rule is not None and action.finding_id:
                opened.append(_incident(tx, check, breach, action.finding_id, rule, evidence.id))

    target = RecordTarget(context, actor, system_id, monitor.version)
    outcome = run_engine(run, target, then=consequences)
    return CheckOutcome(outcome.result, outcome.evidence, tuple(actions), tuple(opened))


def _act_on_breaches(
    tx: Tx, check: MonitorCheck, evidence_id: int, name: str, settings: MonitorSettings
) -> list[tuple[Breach, FindingAction]]:
    """One action per breached rule, in the evidence's transaction (hysteresis first)."""
    actions = []
    for breach in check.breaches:
        rule = breach.rule
        run_of = _failed_runs(tx.session, check.system_id, name, rule, settings.raise_after)
        if run_of < settings.raise_after and _standing(tx.session, check.system_id, rule) is None:
            waiting = f"pending ({run_of} of {settings.raise_after} runs)"
            actions.append((breach, FindingAction(rule, 0, waiting)))
            continue
        actions.append((breach, open_monitor_finding(tx, check, breach, evidence_id)))
    return actions


def _open_incident(session: Session, system_id: str, rule: str) -> IncidentRow | None:
    """The open incident of a system already linked to a finding of this monitoring rule."""
    return session.execute(
        select(IncidentRow)
        .join(IncidentFindingRow, IncidentFindingRow.incident_id == IncidentRow.id)
        .join(FindingRow, FindingRow.id == IncidentFindingRow.finding_id)
        .where(
            FindingRow.system_id == system_id,
            FindingRow.source_kind == FindingSource.MONITORING.value,
            FindingRow.source_ref == rule,
            IncidentRow.status == IncidentStatus.OPEN.value,
        )
        .order_by(IncidentRow.id)
        .limit(1)
    ).scalar_one_or_none()


def _incident(
    tx: Tx,
    check: MonitorCheck,
    breach: Breach,
    finding_id: int,
    rule: IncidentRule,
    evidence_id: int,
) -> IncidentAction:
    """Open the incident the policy asks for, or link the finding to the one open."""
    standing = _open_incident(tx.session, check.system_id, breach.rule)
    if standing is not None:
        if tx.session.get(IncidentFindingRow, (standing.id, finding_id)) is not None:
            return IncidentAction(breach.rule, standing.id, "already open", standing.serious)
        incidents.link_findings_in(tx, standing.id, [finding_id])
        return IncidentAction(breach.rule, standing.id, "linked", standing.serious)
    now = dt.datetime.now(dt.UTC)
    report = incidents.IncidentReport(
        title=breach.title,
        description=(
            f"{breach.description} Opened by the monitoring check (evidence #{evidence_id}, "
            f"finding {finding_id}) because the policy pack's monitoring.incidents names "
            f"{breach.rule}."
        ),
        severity=rule.severity,
        system_ids=(check.system_id,),
        detected_at=now,
        aware_at=now,
        serious=rule.serious,
        finding_ids=(finding_id,),
    )
    filed = incidents.file_incident(tx, report)
    return IncidentAction(breach.rule, filed.id, "opened", rule.serious)


def _failed_runs(session: Session, system_id: str, name: str, rule: str, wanted: int) -> int:
    """How many of the monitor's latest recorded runs (at most ``wanted``, this one
    included) failed ``rule`` in a row: the hysteresis count."""
    if wanted <= 1:
        return wanted
    rows = session.execute(
        select(EvidenceRow.verdicts, EvidenceRow.parameters)
        .where(EvidenceRow.system_id == system_id, EvidenceRow.kind == "monitoring_run")
        .order_by(EvidenceRow.id.desc())
        .limit(wanted * 20)
    ).all()
    count = 0
    for verdicts, parameters in rows:
        if (parameters or {}).get("monitor") != name:
            continue
        if (verdicts or {}).get(rule) != "fail" or count == wanted:
            break
        count += 1
    return count
