"""Rules of a finding's life: who may move it where, and when it is late.

A finding is a deficiency someone must fix and someone else must confirm fixed. The
rules live here, with no I/O, so that the review board, the CLI and an import of a
third-party auditor's report cannot disagree on what "resolved" or "overdue" means.

Separation of duties (our choice, documented in docs/findings-incidents.md):

- a fix is *resolved* by the finding's owner (its assignee), the owner of its system, a
  rai_lead or an admin, and only with at least one piece of evidence recorded on the
  same system;
- it is *verified* by a rai_lead or an auditor who is neither the resolver nor the
  finding's owner: the person who did the work never signs it off;
- a risk is *accepted* only by a rai_lead (an admin runs the tool, they do not carry
  the risk) who does not own the finding, with a justification and an expiry no more
  than a year ahead, so an accepted risk comes back for a fresh look.

Who may make each move is a rule of governance/authorization.py (one table for every
object); this module names which rule each move falls under.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from ombud.governance.authorization import Action, Target
from ombud.governance.errors import InvalidInput
from ombud.governance.moves import Move, check_move

__all__ = [
    "FINDING_MOVES",
    "IMPORT_COLUMNS",
    "MAX_RISK_ACCEPTANCE_DAYS",
    "FindingMove",
    "FindingSeverity",
    "FindingSource",
    "FindingSpec",
    "FindingStatus",
    "ImportDefaults",
    "check_due_date",
    "check_finding_move",
    "check_risk_expiry",
    "finding_target",
    "is_overdue",
    "parse_finding_severity",
    "parse_finding_source",
    "parse_finding_status",
    "parse_import_record",
]

MAX_RISK_ACCEPTANCE_DAYS = 365

_E = TypeVar("_E", bound=StrEnum)


class FindingSeverity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class FindingStatus(StrEnum):
    OPEN = "open"
    IN_REMEDIATION = "in_remediation"
    RESOLVED = "resolved"
    VERIFIED = "verified"
    RISK_ACCEPTED = "risk_accepted"


class FindingSource(StrEnum):
    """Where a finding came from; its ``source_ref`` points at the record there."""

    GATE = "gate"
    AUDIT = "audit"
    THIRD_PARTY_AUDIT = "third_party_audit"
    REDTEAM = "redteam"
    MONITORING = "monitoring"
    REVIEW = "review"
    INCIDENT = "incident"
    MANUAL = "manual"


S = FindingStatus


#: A move of a finding's life; who may make it is the rule its ``action`` names.
FindingMove = Move[FindingStatus]


_WORK, _VERIFY = Action.FINDING_WORK, Action.FINDING_VERIFY
_ACCEPT, _REOPEN = Action.FINDING_ACCEPT_RISK, Action.FINDING_REOPEN_RISK

FINDING_MOVES: tuple[FindingMove, ...] = (
    FindingMove(S.OPEN, S.IN_REMEDIATION, _WORK, "start remediation of"),
    FindingMove(S.OPEN, S.RESOLVED, _WORK, "resolve"),
    FindingMove(S.IN_REMEDIATION, S.RESOLVED, _WORK, "resolve"),
    FindingMove(S.IN_REMEDIATION, S.OPEN, _WORK, "reopen"),
    FindingMove(S.RESOLVED, S.VERIFIED, _VERIFY, "verify the fix of"),
    FindingMove(S.RESOLVED, S.IN_REMEDIATION, _VERIFY, "send back for more work"),
    FindingMove(S.OPEN, S.RISK_ACCEPTED, _ACCEPT, "accept the risk of"),
    FindingMove(S.IN_REMEDIATION, S.RISK_ACCEPTED, _ACCEPT, "accept the risk of"),
    FindingMove(S.RISK_ACCEPTED, S.OPEN, _REOPEN, "reopen"),
)


def _parse(kind: type[_E], value: str, what: str) -> _E:
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(v.value for v in kind)
        raise InvalidInput(f"{what} '{value}' is unknown; use one of: {allowed}") from None


def parse_finding_severity(value: str) -> FindingSeverity:
    return _parse(FindingSeverity, value, "severity")


def parse_finding_status(value: str) -> FindingStatus:
    return _parse(FindingStatus, value, "finding status")


def parse_finding_source(value: str) -> FindingSource:
    return _parse(FindingSource, value, "finding source kind")


def finding_target(
    finding_id: int | str,
    *,
    assignee: str | None,
    system_owner: str | None,
    resolver: str | None = None,
) -> Target:
    """A finding as the authorization policy sees it: who it is assigned to, who fixed it,
    who owns its system."""
    return Target(
        "finding",
        str(finding_id),
        system_owners=frozenset({system_owner}) if system_owner else frozenset(),
        assignee=assignee,
        resolver=resolver,
    )


def check_due_date(due: dt.date, today: dt.date) -> None:
    if due < today:
        raise InvalidInput(
            f"due date {due.isoformat()} is in the past (today is {today.isoformat()}); "
            "give today or a later date"
        )


def check_risk_expiry(expires: dt.date, today: dt.date) -> None:
    """A risk acceptance expires after today and within MAX_RISK_ACCEPTANCE_DAYS."""
    if expires <= today:
        raise InvalidInput(
            f"risk acceptance expiry {expires.isoformat()} must be after today "
            f"({today.isoformat()})"
        )
    latest = today + dt.timedelta(days=MAX_RISK_ACCEPTANCE_DAYS)
    if expires > latest:
        raise InvalidInput(
            f"risk acceptance expiry {expires.isoformat()} is more than "
            f"{MAX_RISK_ACCEPTANCE_DAYS} days away; give {latest.isoformat()} or earlier "
            "and accept it again then"
        )


def check_finding_move(
    *,
    finding_id: int,
    source: FindingStatus,
    target: FindingStatus,
    actor: str,
    actor_roles: Iterable[str],
    owner: str,
    resolver: str | None,
    system_owner: str | None = None,
) -> FindingMove:
    """Return the move if ``actor`` may make it, else raise naming the rule."""
    return check_move(
        FINDING_MOVES,
        subject=f"finding {finding_id}",
        source=source,
        target=target,
        actor=actor,
        actor_roles=actor_roles,
        obj=finding_target(
            finding_id, assignee=owner, system_owner=system_owner, resolver=resolver
        ),
        final="nothing (final status)",
    )


def is_overdue(
    status: FindingStatus, due: dt.date, risk_expires: dt.date | None, today: dt.date
) -> bool:
    """Past its due date while still being worked on, or an accepted risk that expired."""
    if status in (S.OPEN, S.IN_REMEDIATION):
        return due < today
    if status == S.RISK_ACCEPTED:
        return risk_expires is not None and risk_expires <= today
    return False


# --- importing an auditor's report ------------------------------------------------------

#: Columns of an imported report (CSV header or JSON object keys), case-insensitive.
IMPORT_COLUMNS = {
    "title": "required: one-line statement of the deficiency",
    "severity": "required: critical, high, medium (or moderate), low (or informational)",
    "description": "optional: the auditor's detail",
    "recommendation": "optional: appended to the description",
    "reference": "optional: the auditor's own id for the finding (becomes source_ref)",
    "system": "optional when --system is given: the AI system id",
    "version": "optional: the system version the finding is about",
    "owner": "optional when --owner is given: a workspace user",
    "due_date": "optional when --due-in-days is given: YYYY-MM-DD, not in the past",
}
_SEVERITY_WORDS = {"moderate": "medium", "informational": "low", "info": "low"}


@dataclass(frozen=True)
class FindingSpec:
    """One finding to open, validated for everything that needs no database."""

    where: str
    system_id: str
    version_label: str | None
    title: str
    severity: FindingSeverity
    source_ref: str
    owner: str
    due_date: dt.date
    description: str


@dataclass(frozen=True)
class ImportDefaults:
    system_id: str | None
    owner: str | None
    due_date: dt.date | None


def parse_import_record(
    where: str, record: dict[str, str], defaults: ImportDefaults, today: dt.date
) -> FindingSpec:
    """Validate one row of an imported report; errors start with ``where`` (file and row)."""
    fields = {k.strip().lower(): (v or "").strip() for k, v in record.items() if k}

    def need(name: str, fallback: str | None, flag: str) -> str:
        value = fields.get(name) or fallback
        if not value:
            hint = f" or pass {flag}" if flag else ""
            raise InvalidInput(f"{where}: column '{name}' is empty; fill it in{hint}")
        return value

    title = need("title", None, "")
    word = need("severity", None, "").lower()
    try:
        severity = FindingSeverity(_SEVERITY_WORDS.get(word, word))
    except ValueError:
        raise InvalidInput(
            f"{where}: severity '{word}' is unknown; use critical, high, medium, low"
        ) from None
    due_text = fields.get("due_date")
    if due_text:
        try:
            due = dt.date.fromisoformat(due_text)
        except ValueError:
            raise InvalidInput(
                f"{where}: due_date '{due_text}' is not a date; write YYYY-MM-DD"
            ) from None
    elif defaults.due_date is not None:
        due = defaults.due_date
    else:
        raise InvalidInput(f"{where}: column 'due_date' is empty; fill it in or pass --due-in-days")
    try:
        check_due_date(due, today)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    description = fields.get("description", "")
    if fields.get("recommendation"):
        description = f"{description}\n\nRecommendation: {fields['recommendation']}".strip()
    return FindingSpec(
        where=where,
        system_id=need("system", defaults.system_id, "--system"),
        version_label=fields.get("version") or None,
        title=title,
        severity=severity,
        source_ref=fields.get("reference") or where,
        owner=need("owner", defaults.owner, "--owner"),
        due_date=due,
        description=description,
    )
