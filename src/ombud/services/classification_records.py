"""The typed record of a classification request: a downgrade an owner asked for, waiting
for (or decided by) a rai_lead.

Adapters read attributes; ``ClassificationRequest.to_dict()`` is the JSON the ``--json``
CLI outputs have always carried (same keys, same order, times as ISO text), with the
previous and the proposed classification under ``from`` and ``to``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ombud.store.models import ClassificationRequestRow

__all__ = ["ClassificationRequest"]


@dataclass(frozen=True, kw_only=True)
class ClassificationRequest:
    """A pending, confirmed, rejected or superseded downgrade of one system.

    ``previous_*`` is the classification in force when it was asked; ``eu_category``,
    ``tier`` and ``tier_label`` the one asked for. ``classification_id`` is the
    classification a confirmation recorded (None until then).
    """

    id: int
    system_id: str
    status: str  # pending | confirmed | rejected | superseded
    catalog_version: str
    previous_eu_category: str
    previous_tier: int
    eu_category: str
    tier: int
    tier_label: str
    tier_reasons: tuple[str, ...]
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str
    classification_id: int | None

    @classmethod
    def from_row(cls, row: ClassificationRequestRow) -> ClassificationRequest:
        return cls(
            id=row.id,
            system_id=row.system_id,
            status=row.status,
            catalog_version=row.catalog_version,
            previous_eu_category=row.previous_eu_category,
            previous_tier=row.previous_tier,
            eu_category=row.eu_category,
            tier=row.tier,
            tier_label=row.tier_label,
            tier_reasons=tuple(row.tier_reasons),
            requested_by=row.requested_by,
            requested_at=row.requested_at,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            note=row.note,
            classification_id=row.classification_id,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "system_id": self.system_id,
            "status": self.status,
            "catalog_version": self.catalog_version,
            "from": {"eu_category": self.previous_eu_category, "tier": self.previous_tier},
            "to": {
                "eu_category": self.eu_category,
                "tier": self.tier,
                "tier_label": self.tier_label,
            },
            "tier_reasons": list(self.tier_reasons),
            "requested_by": self.requested_by,
            "requested_at": self.requested_at.isoformat(),
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "note": self.note,
            "classification_id": self.classification_id,
        }
