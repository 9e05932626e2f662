"""The typed records of the findings service: a finding as it is read, the draft a new
one is opened from, and the dashboard's counts.

Adapters read attributes; ``Finding.to_dict()`` is the JSON the API, the ``--json`` CLI
outputs and the audit log have always carried (same keys, same order, dates as ISO text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ombud.governance.findings import FindingSpec, FindingStatus, is_overdue
from ombud.store.models_tracking import FindingRow

__all__ = ["Finding", "FindingCounts", "FindingDraft"]


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class FindingDraft:
    """What opening a finding needs; the one input of ``create_finding``/``open_finding``.

    Checked when it is opened (the system, version and owner exist, the title is one
    line, the due date is not past); ``where`` (e.g. ``report.csv row 4``) prefixes the
    messages of an unknown system, version or owner.
    """

    system_id: str
    version_label: str | None
    title: str
    severity: str
    source_kind: str
    source_ref: str
    owner: str
    due_date: dt.date
    description: str = ""
    where: str = ""

    @classmethod
    def from_spec(cls, spec: FindingSpec, source_kind: str) -> FindingDraft:
        """A finding of an imported report (already checked for what needs no database)."""
        return cls(
            system_id=spec.system_id,
            version_label=spec.version_label,
            title=spec.title,
            severity=spec.severity.value,
            source_kind=source_kind,
            source_ref=spec.source_ref,
            owner=spec.owner,
            due_date=spec.due_date,
            description=spec.description,
            where=spec.where,
        )


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One finding as recorded; ``overdue`` is derived for the day it was read."""

    id: int
    system_id: str
    version: str | None
    title: str
    description: str
    severity: str
    source_kind: str
    source_ref: str
    owner: str
    due_date: dt.date
    status: str
    overdue: bool
    fix_evidence: tuple[int, ...]
    resolution_note: str
    resolved_by: str | None
    resolved_at: dt.datetime | None
    verified_by: str | None
    verified_at: dt.datetime | None
    risk_justification: str
    risk_accepted_by: str | None
    risk_expires_on: dt.date | None
    created_by: str
    created_at: dt.datetime
    row_version: int

    @classmethod
    def from_row(cls, row: FindingRow, today: dt.date) -> Finding:
        status = FindingStatus(row.status)
        return cls(
            id=row.id,
            system_id=row.system_id,
            version=row.version_label,
            title=row.title,
            description=row.description,
            severity=row.severity,
            source_kind=row.source_kind,
            source_ref=row.source_ref,
            owner=row.owner,
            due_date=row.due_date,
            status=row.status,
            overdue=is_overdue(status, row.due_date, row.risk_expires_on, today),
            fix_evidence=tuple(row.fix_evidence),
            resolution_note=row.resolution_note,
            resolved_by=row.resolved_by,
            resolved_at=row.resolved_at,
            verified_by=row.verified_by,
            verified_at=row.verified_at,
            risk_justification=row.risk_justification,
            risk_accepted_by=row.risk_accepted_by,
            risk_expires_on=row.risk_expires_on,
            created_by=row.created_by,
            created_at=row.created_at,
            row_version=row.row_version,
        )

    @property
    def working(self) -> bool:
        """Still being worked on: open or in remediation."""
        return self.status in (FindingStatus.OPEN.value, FindingStatus.IN_REMEDIATION.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "system_id": self.system_id,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "severity": self.severity,
            "source_kind": self.source_kind,
            "source_ref": self.source_ref,
            "owner": self.owner,
            "due_date": self.due_date.isoformat(),
            "status": self.status,
            "overdue": self.overdue,
            "fix_evidence": list(self.fix_evidence),
            "resolution_note": self.resolution_note,
            "resolved_by": self.resolved_by,
            "resolved_at": _iso(self.resolved_at),
            "verified_by": self.verified_by,
            "verified_at": _iso(self.verified_at),
            "risk_justification": self.risk_justification,
            "risk_accepted_by": self.risk_accepted_by,
            "risk_expires_on": _iso(self.risk_expires_on),
            "created_by": self.created_by,
            "created_at": _iso(self.created_at),
            "row_version": self.row_version,
        }

    def snapshot(self) -> dict[str, Any]:
        """What the audit digests cover: the record without derived or bookkeeping fields."""
        data = self.to_dict()
        for derived in ("overdue", "row_version"):
            data.pop(derived)
        return data


@dataclass(frozen=True)
class FindingCounts:
    """Counts over every finding: by status, open (open or in remediation) by severity,
    all open ones, and the overdue ones by the rule of ``is_overdue``."""

    by_status: Mapping[str, int] = field(default_factory=dict)
    open_by_severity: Mapping[str, int] = field(default_factory=dict)
    open: int = 0
    overdue: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "by_status": dict(self.by_status),
            "open_by_severity": dict(self.open_by_severity),
            "open": self.open,
            "overdue": self.overdue,
        }
