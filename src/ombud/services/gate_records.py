"""The typed record of a recorded gate run: its outcome, the policy it ran under, each
check, and the obligations the gate counted on its day.

A run is stored as the JSON of the governance ``GateResult`` plus its schedule; the record
reads that JSON back so adapters use attributes. ``GateEvaluation.to_dict()`` is the JSON
the API, ``ombud gate check --format json``, the audit log and the review's evidence pack
have always carried (same keys, same order, the time as ISO text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ombud.store.models_reviews import GateEvaluationRow

__all__ = ["GateCheck", "GateEvaluation", "GatePolicy", "UpcomingObligation"]

#: The outcomes of a check that keep the gate from passing.
BLOCKING = ("fail", "insufficient")


@dataclass(frozen=True)
class GatePolicy:
    """The policy pack a run was judged under, pinned by its digest."""

    name: str
    version: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True, kw_only=True)
class GateCheck:
    """One policy check of a run: pass, fail, insufficient or waived, and why."""

    id: str
    category: str  # classification | evidence | document | rule
    outcome: str
    message: str
    evidence_ids: tuple[int, ...]
    remedy: str
    cites: tuple[str, ...]

    @property
    def blocking(self) -> bool:
        return self.outcome in BLOCKING

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateCheck:
        return cls(
            id=str(data["id"]),
            category=str(data["category"]),
            outcome=str(data["outcome"]),
            message=str(data["message"]),
            evidence_ids=tuple(int(i) for i in data["evidence_ids"]),
            remedy=str(data["remedy"]),
            cites=tuple(str(c) for c in data["cites"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "outcome": self.outcome,
            "message": self.message,
            "evidence_ids": list(self.evidence_ids),
            "remedy": self.remedy,
            "cites": list(self.cites),
        }


@dataclass(frozen=True)
class UpcomingObligation:
    """A duty of the system's classification that did not apply yet on the run's day."""

    id: str
    applies_from: str  # YYYY-MM-DD
    days_left: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "applies_from": self.applies_from, "days_left": self.days_left}


@dataclass(frozen=True, kw_only=True)
class GateEvaluation:
    """One recorded gate run of a system version.

    ``requirements`` is what the policy asked of the system on that run, kept as the
    policy's own JSON (rules carry optional keys): the record of a past policy, not a
    structure the services compute with beyond ``document_kinds`` and ``approvals``.
    ``obligations_in_force`` is None for runs recorded before the gate kept its schedule;
    their JSON then has neither schedule key, as when they were recorded.
    """

    evaluation_id: int
    evaluated_by: str
    outcome: str  # pass | fail | insufficient
    system_id: str
    version: str
    tier: int | None
    policy: GatePolicy
    evaluated_at: dt.datetime
    checks: tuple[GateCheck, ...]
    to_pass: tuple[str, ...]
    waived: tuple[str, ...]
    requirements: Mapping[str, Any] | None
    obligations_in_force: tuple[str, ...] | None
    upcoming_obligations: tuple[UpcomingObligation, ...]

    @property
    def blocking(self) -> tuple[str, ...]:
        """The ids of the checks that kept this run from passing."""
        return tuple(c.id for c in self.checks if c.blocking)

    @property
    def document_kinds(self) -> frozenset[str]:
        """The evidence kinds the policy counted as documents, not measurements."""
        return frozenset(d["kind"] for d in (self.requirements or {}).get("documents", []))

    @property
    def approvals(self) -> tuple[int, tuple[str, ...]]:
        """The board's quorum and required capacities (1 and none when the policy is silent)."""
        approvals = (self.requirements or {}).get("approvals") or {}
        return int(approvals.get("quorum", 1)), tuple(approvals.get("capacities", ()))

    @classmethod
    def from_row(cls, row: GateEvaluationRow) -> GateEvaluation:
        result = row.result
        policy = result["policy"]
        in_force = result.get("obligations_in_force")
        return cls(
            evaluation_id=row.id,
            evaluated_by=row.evaluated_by,
            outcome=str(result["outcome"]),
            system_id=str(result["system_id"]),
            version=str(result["version"]),
            tier=result["tier"],
            policy=GatePolicy(str(policy["name"]), str(policy["version"]), str(policy["sha256"])),
            evaluated_at=dt.datetime.fromisoformat(result["evaluated_at"]),
            checks=tuple(GateCheck.from_dict(c) for c in result["checks"]),
            to_pass=tuple(result["to_pass"]),
            waived=tuple(result["waived"]),
            requirements=result["requirements"],
            obligations_in_force=tuple(in_force) if in_force is not None else None,
            upcoming_obligations=tuple(
                UpcomingObligation(str(u["id"]), str(u["applies_from"]), int(u["days_left"]))
                for u in result.get("upcoming_obligations", ())
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "evaluation_id": self.evaluation_id,
            "evaluated_by": self.evaluated_by,
            "outcome": self.outcome,
            "system_id": self.system_id,
            "version": self.version,
            "tier": self.tier,
            "policy": self.policy.to_dict(),
            "evaluated_at": self.evaluated_at.isoformat(),
            "checks": [c.to_dict() for c in self.checks],
            "to_pass": list(self.to_pass),
            "waived": list(self.waived),
            "requirements": self.requirements,
        }
        if self.obligations_in_force is not None:
            data["obligations_in_force"] = list(self.obligations_in_force)
            data["upcoming_obligations"] = [u.to_dict() for u in self.upcoming_obligations]
        return data
