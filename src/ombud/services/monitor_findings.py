"""A monitoring check end to end: run it, record it, turn each breach into ONE finding.

``check_monitor`` runs :func:`~ombud.services.monitor_check.monitoring_check_run` through
``run_engine`` (evidence ``monitoring_run`` on the monitored version), then, for every
breached rule, opens a finding owned by the system's owner, or, when a finding for the
same system and rule is still open (open, in remediation, or an accepted risk), brings
its description up to date with the latest run instead of opening a second one. A clear
run closes nothing: the owner resolves a finding with evidence, as for any finding.

The finding's ``source_ref`` is the rule (``monitoring.drift``...), which is what makes
"one per (system, rule)" a query; its description names the evidence of the last run
that saw the breach, whose inputs list the window digests it read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ombud.governance import NotFoundError
from ombud.governance.findings import FindingSource, FindingStatus
from ombud.services import findings
from ombud.services.context import Actor, AppContext
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
from ombud.store.models_tracking import FindingRow

__all__ = [
    "CheckOutcome",
    "FindingAction",
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
class CheckOutcome:
    check: MonitorCheck
    evidence: Evidence | None
    findings: tuple[FindingAction, ...]


def _standing(context: AppContext, system_id: str, rule: str) -> FindingRow | None:
    with context.read() as session:
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
    with context.read() as session:
        if session.get(AISystemRow, system_id) is None:
            raise NotFoundError(f"no AI system '{system_id}'; see `ombud system list`")
        tier = session.execute(
            select(ClassificationRow.tier)
            .where(ClassificationRow.system_id == system_id)
            .order_by(ClassificationRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    pack = resolve_policy(context)
    values = pack.monitoring.thresholds(tier) if pack.monitoring is not None else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return MonitorSettings(**values)


def _owner(context: AppContext, system_id: str) -> str:
    with context.read() as session:
        return str(
            session.execute(
                select(AISystemRow.owner).where(AISystemRow.id == system_id)
            ).scalar_one()
        )


def open_monitor_finding(
    context: AppContext,
    actor: Actor,
    check: MonitorCheck,
    breach: Breach,
    evidence_id: int | None,
) -> FindingAction:
    """Open the finding of one breached rule, or update the one still standing."""
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
    standing = _standing(context, check.system_id, breach.rule)
    if standing is not None:
        findings.update_finding(context, actor, standing.id, description=description)
        return FindingAction(breach.rule, standing.id, "updated")
    draft = FindingDraft(
        system_id=check.system_id,
        version_label=check.version,
        title=breach.title,
        severity=breach.severity,
        source_kind=FindingSource.MONITORING.value,
        source_ref=breach.rule,
        owner=_owner(context, check.system_id),
        due_date=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=check.settings.due_days),
        description=description,
    )
    opened = findings.open_finding(context, actor, draft)
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
    target = RecordTarget(context, actor, system_id, monitor.version) if record else None
    outcome = run_engine(run, target)
    if not record:
        return CheckOutcome(outcome.result, None, ())
    evidence_id = outcome.evidence.id if outcome.evidence is not None else None
    actions = []
    for breach in outcome.result.breaches:
        run_of = _failed_runs(context, system_id, name, breach.rule, chosen.raise_after)
        if run_of < chosen.raise_after and _standing(context, system_id, breach.rule) is None:
            actions.append(
                FindingAction(breach.rule, 0, f"pending ({run_of} of {chosen.raise_after} runs)")
            )
            continue
        actions.append(open_monitor_finding(context, actor, outcome.result, breach, evidence_id))
    return CheckOutcome(outcome.result, outcome.evidence, tuple(actions))


def _failed_runs(context: AppContext, system_id: str, name: str, rule: str, wanted: int) -> int:
    """How many of the monitor's latest recorded runs (at most ``wanted``, this one
    included) failed ``rule`` in a row: the hysteresis count."""
    if wanted <= 1:
        return wanted
    with context.read() as session:
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
