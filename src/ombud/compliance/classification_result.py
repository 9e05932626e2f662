"""The result of classifying one AI system, as plain frozen records.

The workspace stores classifications, shows them to reviewers and compares them when
the law or the answers change, so the record is self-contained (texts and citations
copied from the catalog version it was made under) and round-trips through JSON with
``to_dict`` / ``from_dict``; nothing here needs the catalog to be read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from ombud.compliance._errors import ClassificationInputError

__all__ = [
    "Classification",
    "ClassificationFlags",
    "EUCategory",
    "Obligation",
    "Reason",
    "TriggeredRegime",
]


class EUCategory(StrEnum):
    """EU AI Act risk category of an AI system, most severe first."""

    PROHIBITED = "prohibited"
    HIGH_RISK = "high_risk"
    LIMITED_RISK_TRANSPARENCY = "limited_risk_transparency"
    MINIMAL_RISK = "minimal_risk"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Reason:
    """One step of the argument: a stable code, plain text, and the legal citation."""

    code: str
    text: str
    citation: str


@dataclass(frozen=True)
class Obligation:
    """A duty that evidence can later cover, for the operator role classified."""

    id: str
    title: str
    citation: str
    paraphrase: str
    role: str
    applies_from: dt.date | None = None

    def in_force(self, on: dt.date) -> bool:
        """True when the duty already applies on ``on`` (no date: it always applies)."""
        return self.applies_from is None or self.applies_from <= on

    def days_until(self, on: dt.date) -> int:
        """Days from ``on`` until the duty applies (0 once it does)."""
        if self.applies_from is None:
            return 0
        return max(0, (self.applies_from - on).days)


@dataclass(frozen=True)
class TriggeredRegime:
    id: str
    jurisdiction: str
    title: str
    citation: str
    paraphrase: str
    why: str
    applies_from: dt.date | None = None
    note: str | None = None

    def in_force(self, on: dt.date) -> bool:
        return self.applies_from is None or self.applies_from <= on


@dataclass(frozen=True)
class ClassificationFlags:
    gpai: bool = False
    gpai_systemic_risk: bool = False
    art_50_duties: tuple[str, ...] = ()
    art_6_3_derogation_applied: bool = False


@dataclass(frozen=True)
class Classification:
    eu_category: EUCategory
    operator_role: str
    flags: ClassificationFlags
    reasons: tuple[Reason, ...]
    obligations: tuple[Obligation, ...]
    other_regimes: tuple[TriggeredRegime, ...]
    catalog_version: str
    triggered_items: tuple[str, ...] = ()
    unanswered: tuple[str, ...] = ()
    ignored_answers: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when every applicable question was answered (none read as 'no')."""
        return not self.unanswered

    def reason_codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    def obligation_ids(self) -> tuple[str, ...]:
        return tuple(obligation.id for obligation in self.obligations)

    def regime_ids(self) -> tuple[str, ...]:
        return tuple(regime.id for regime in self.other_regimes)

    def obligations_in_force(self, on: dt.date) -> tuple[Obligation, ...]:
        """The duties that apply on ``on``; the others are upcoming."""
        return tuple(o for o in self.obligations if o.in_force(on))

    def upcoming_obligations(self, on: dt.date) -> tuple[Obligation, ...]:
        """Duties that do not apply yet on ``on``, soonest first."""
        later = [o for o in self.obligations if not o.in_force(on)]
        return tuple(sorted(later, key=lambda o: (o.applies_from or on, o.id)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (dates as ISO text, tuples as lists)."""
        return {
            "eu_category": self.eu_category.value,
            "operator_role": self.operator_role,
            "flags": {
                "gpai": self.flags.gpai,
                "gpai_systemic_risk": self.flags.gpai_systemic_risk,
                "art_50_duties": list(self.flags.art_50_duties),
                "art_6_3_derogation_applied": self.flags.art_6_3_derogation_applied,
            },
            "reasons": [_plain(reason) for reason in self.reasons],
            "obligations": [_plain(obligation) for obligation in self.obligations],
            "other_regimes": [_plain(regime) for regime in self.other_regimes],
            "catalog_version": self.catalog_version,
            "triggered_items": list(self.triggered_items),
            "unanswered": list(self.unanswered),
            "ignored_answers": list(self.ignored_answers),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Classification:
        """Inverse of ``to_dict``; raises ClassificationInputError on a malformed record."""
        try:
            flags = data["flags"]
            obligations = []
            for raw in data["obligations"]:
                when = raw.get("applies_from")
                obligations.append(
                    Obligation(
                        **{**raw, "applies_from": dt.date.fromisoformat(when) if when else None}
                    )
                )
            return cls(
                eu_category=EUCategory(data["eu_category"]),
                operator_role=str(data["operator_role"]),
                flags=ClassificationFlags(
                    gpai=bool(flags["gpai"]),
                    gpai_systemic_risk=bool(flags["gpai_systemic_risk"]),
                    art_50_duties=tuple(flags["art_50_duties"]),
                    art_6_3_derogation_applied=bool(flags["art_6_3_derogation_applied"]),
                ),
                reasons=tuple(Reason(**raw) for raw in data["reasons"]),
                obligations=tuple(obligations),
                other_regimes=tuple(_regime(raw) for raw in data["other_regimes"]),
                catalog_version=str(data["catalog_version"]),
                triggered_items=tuple(data.get("triggered_items", ())),
                unanswered=tuple(data.get("unanswered", ())),
                ignored_answers=tuple(data.get("ignored_answers", ())),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ClassificationInputError(
                f"classification record: cannot read it ({type(error).__name__}: {error}); "
                "pass a dict made by Classification.to_dict()"
            ) from None


def _regime(raw: Mapping[str, Any]) -> TriggeredRegime:
    when = raw.get("applies_from")
    return TriggeredRegime(**{**raw, "applies_from": dt.date.fromisoformat(when) if when else None})


def _plain(record: Reason | Obligation | TriggeredRegime) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields(record):
        value = getattr(record, field.name)
        out[field.name] = value.isoformat() if isinstance(value, dt.date) else value
    return out
