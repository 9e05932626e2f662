"""The typed records the AI-system inventory's services return.

Adapters read attributes, not string keys; ``to_dict()`` gives the JSON shape the API,
the ``--json`` CLI outputs and the audit log have always carried (same keys, same order),
so the wire format does not depend on how the services are typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ombud.governance import SystemProfile
from ombud.store.models import AISystemRow, ClassificationRow, SystemVersionRow, TransitionRow

__all__ = [
    "LatestClassification",
    "ListedSystem",
    "PortfolioCounts",
    "SystemDetail",
    "SystemRecord",
    "SystemTransition",
    "SystemVersion",
]

_PROFILE_FIELDS = SystemProfile.field_names()


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


@dataclass(frozen=True, kw_only=True)
class SystemRecord:
    """One system as the inventory states it: its id, lifecycle status and profile."""

    id: str
    status: str
    name: str
    purpose: str
    owner: str
    owner_team: str
    domain: str
    kind: str
    operator_role: str
    automation: str
    business_unit: str = ""
    out_of_scope_uses: tuple[str, ...] = ()
    vendor: str = "in-house"
    deployment_regions: tuple[str, ...] = ()
    affected_people: tuple[str, ...] = ()
    data_categories: tuple[str, ...] = ()

    @classmethod
    def of(cls, system_id: str, status: str, profile: SystemProfile) -> SystemRecord:
        return cls(id=system_id, status=status, **_record_fields(profile))

    @classmethod
    def from_row(cls, row: AISystemRow) -> SystemRecord:
        """Read straight from the row without re-validating (rows are written only from
        a validated profile; a thousand systems a page must not be re-checked)."""
        return cls(id=row.id, status=row.status, **_record_fields(row))

    def profile(self) -> SystemProfile:
        """The profile as recorded (not re-checked, see ``SystemProfile.from_record``)."""
        return SystemProfile.from_record({name: getattr(self, name) for name in _PROFILE_FIELDS})

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "status": self.status}
        for name in _PROFILE_FIELDS:
            data[name] = _plain(getattr(self, name))
        return data


def _record_fields(source: Any) -> dict[str, Any]:
    return {name: _frozen(getattr(source, name)) for name in _PROFILE_FIELDS}


@dataclass(frozen=True, kw_only=True)
class ListedSystem(SystemRecord):
    """A row of the inventory list: the record with its latest tier and EU category."""

    tier: int | None = None
    eu_category: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "tier": self.tier, "eu_category": self.eu_category}


@dataclass(frozen=True)
class SystemVersion:
    """One immutable version: its label and the model and data it pins by sha256."""

    label: str
    models: tuple[Mapping[str, str], ...]
    training_data: tuple[Mapping[str, str], ...]
    notes: str
    created_by: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: SystemVersionRow) -> SystemVersion:
        return cls(
            label=row.label,
            models=tuple(row.models),
            training_data=tuple(row.training_data),
            notes=row.notes,
            created_by=row.created_by,
            created_at=row.created_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "models": [dict(m) for m in self.models],
            "training_data": [dict(d) for d in self.training_data],
            "notes": self.notes,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class SystemTransition:
    """One lifecycle move (``source`` and ``target`` are ``from``/``to`` on the wire)."""

    source: str
    target: str
    reason: str
    actor: str
    at: datetime

    @classmethod
    def from_row(cls, row: TransitionRow) -> SystemTransition:
        return cls(row.source, row.target, row.reason, row.actor, row.at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "reason": self.reason,
            "actor": self.actor,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class LatestClassification:
    """The system's latest classification; ``result`` is the free-form engine result
    (reasons, obligations, ...) kept as recorded."""

    catalog_version: str
    eu_category: str
    tier: int
    tier_label: str
    tier_reasons: tuple[Any, ...]
    result: Mapping[str, Any]
    created_at: datetime
    created_by: str

    @classmethod
    def from_row(cls, row: ClassificationRow) -> LatestClassification:
        return cls(
            catalog_version=row.catalog_version,
            eu_category=row.eu_category,
            tier=row.tier,
            tier_label=row.tier_label,
            tier_reasons=tuple(row.tier_reasons),
            result=row.result,
            created_at=row.created_at,
            created_by=row.created_by,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "catalog_version": self.catalog_version,
            "eu_category": self.eu_category,
            "tier": self.tier,
            "tier_label": self.tier_label,
            "tier_reasons": list(self.tier_reasons),
            "result": self.result,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
        }


@dataclass(frozen=True, kw_only=True)
class SystemDetail(SystemRecord):
    """Everything recorded about one system: the record, its revision and times, its
    versions (oldest first), lifecycle moves and latest classification."""

    row_version: int
    created_at: datetime
    updated_at: datetime
    versions: tuple[SystemVersion, ...] = ()
    transitions: tuple[SystemTransition, ...] = ()
    classification: LatestClassification | None = None

    @property
    def version_labels(self) -> list[str]:
        return [v.label for v in self.versions]

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "row_version": self.row_version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "versions": [v.to_dict() for v in self.versions],
            "transitions": [t.to_dict() for t in self.transitions],
            "classification": self.classification.to_dict() if self.classification else None,
        }


@dataclass(frozen=True)
class PortfolioCounts:
    """Systems counted by lifecycle status, latest tier and latest EU category (``None``
    for unclassified), with each counted tier's label as its classification recorded it."""

    status: Mapping[str, int] = field(default_factory=dict)
    tier: Mapping[int | None, int] = field(default_factory=dict)
    eu_category: Mapping[str | None, int] = field(default_factory=dict)
    tier_label: Mapping[int, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.status.values())
