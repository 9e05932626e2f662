"""The impact of a legal amendment on the whole inventory, and recording it.

``amendment_impact`` re-reads every system's latest recorded answers and classifies them
under two catalog versions (nothing is written). ``apply_amendment`` then records the
new classifications one by one through the classification service, so each is audited
and diffed exactly as a hand-made re-classification, and opens a finding for every
system that becomes prohibited or gains a duty that already applies: the law moved
under it and someone must act. Systems whose answers miss the new catalog's questions
are recorded too (the classification lists them as unanswered) and flagged in the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ombud.compliance import available_catalog_versions, catalog_for_date, load_catalog
from ombud.compliance.impact import ImpactReport, SystemImpact, amendment_impact
from ombud.governance import Action, Target, authorize
from ombud.services.classification import classify_system
from ombud.services.context import Actor, AppContext
from ombud.services.findings import Finding, FindingDraft, open_finding
from ombud.services.system_queries import latest_classifications
from ombud.store.models import AISystemRow, ClassificationRow

__all__ = [
    "AppliedAmendment",
    "CatalogCurrency",
    "OutdatedClassification",
    "apply_amendment",
    "catalog_currency",
    "impact_report",
]

#: Days a finding opened by an amendment gives its owner to act.
FINDING_DUE_DAYS = 30


def _latest_classifications() -> Any:
    """Each classified system's newest classification row (one query, not one per system)."""
    newest = latest_classifications()
    return (
        select(ClassificationRow, AISystemRow)
        .join(newest, ClassificationRow.id == newest.c.id)
        .join(AISystemRow, AISystemRow.id == ClassificationRow.system_id)
        .order_by(ClassificationRow.system_id)
    )


def _records(context: AppContext) -> list[tuple[str, dict[str, Any]]]:
    """(system id, latest recorded answers) of every classified system, by id."""
    with context.read() as session:
        return [
            (row.system_id, dict(row.answers))
            for row, _ in session.execute(_latest_classifications()).all()
        ]


@dataclass(frozen=True)
class OutdatedClassification:
    """A system whose newest classification was made under an older law catalog."""

    system_id: str
    name: str
    owner: str
    catalog_version: str
    eu_category: str
    classified_at: dt.datetime


@dataclass(frozen=True)
class CatalogCurrency:
    """Which catalog is in force on ``on``, and the systems still classified under another."""

    on: dt.date
    in_force: str
    classified: int
    outdated: tuple[OutdatedClassification, ...]

    @property
    def oldest_version(self) -> str | None:
        """The oldest catalog an outdated system was classified under (the natural
        ``from`` of an amendment-impact report)."""
        versions = available_catalog_versions()
        found = {o.catalog_version for o in self.outdated}
        return next((v for v in versions if v in found), None)


def catalog_currency(context: AppContext, on: dt.date | None = None) -> CatalogCurrency:
    """The catalog in force on ``on`` (today by default) and who is not yet classified
    under it: the dashboard's "the law moved" panel and the amendment page read this."""
    day = on or dt.datetime.now(dt.UTC).date()
    in_force = catalog_for_date(day).version
    with context.read() as session:
        rows = session.execute(_latest_classifications()).all()
    outdated = tuple(
        OutdatedClassification(
            system_id=row.system_id,
            name=system.name,
            owner=system.owner,
            catalog_version=row.catalog_version,
            eu_category=row.eu_category,
            classified_at=row.created_at,
        )
        for row, system in rows
        if row.catalog_version != in_force
    )
    return CatalogCurrency(day, in_force, len(rows), outdated)


def impact_report(
    context: AppContext, from_version: str, to_version: str, on: dt.date | None = None
) -> ImpactReport:
    """Every classified system under both catalogs; unknown versions name the shipped ones."""
    old, new = load_catalog(from_version), load_catalog(to_version)
    return amendment_impact(_records(context), old, new, on or dt.datetime.now(dt.UTC).date())


@dataclass(frozen=True)
class AppliedAmendment:
    report: ImpactReport
    reclassified: tuple[str, ...]
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.report.to_dict(),
            "applied": {
                "reclassified": list(self.reclassified),
                "findings": [
                    {"id": f.id, "system_id": f.system_id, "title": f.title} for f in self.findings
                ],
            },
        }


def _finding_text(impact: SystemImpact, report: ImpactReport) -> tuple[str, str, str]:
    if impact.becomes_prohibited:
        bans = [r.citation for r in impact.new.reasons if r.code.startswith("art_5.1.")]
        title = f"Prohibited under catalog {report.to_version}: {'; '.join(bans) or 'Art. 5'}"
        return title, "critical", "The system now falls under an EU AI Act prohibition."
    duties = ", ".join(impact.gained_in_force)
    title = f"New duties already in force under catalog {report.to_version}: {duties}"
    return title, "high", f"Obligations gained and applying on {report.on.isoformat()}."


def apply_amendment(
    context: AppContext,
    actor: Actor,
    from_version: str,
    to_version: str,
    on: dt.date | None = None,
) -> AppliedAmendment:
    """Record every system's classification under ``to_version``; open the findings.

    A portfolio-wide act, so a lead's (rai_lead or admin): the same people who confirm a
    classification that lowers a tier, which an amendment may do.
    """
    authorize(actor.username, actor.roles, Action.CLASSIFICATION_CONFIRM, Target.unnamed())
    report = impact_report(context, from_version, to_version, on)
    done, findings = [], []
    for impact in report.systems:
        classify_system(context, actor, impact.system_id, catalog_version=to_version)
        done.append(impact.system_id)
        if impact.needs_finding:
            with context.read() as session:
                owner = session.get(AISystemRow, impact.system_id)
                assert owner is not None  # it was read above
                owner_name = owner.owner
            title, severity, why = _finding_text(impact, report)
            findings.append(
                open_finding(
                    context,
                    actor,
                    FindingDraft(
                        system_id=impact.system_id,
                        version_label=None,
                        title=title,
                        severity=severity,
                        source_kind="manual",
                        source_ref=f"amendment-impact:{from_version}->{to_version}",
                        owner=owner_name,
                        due_date=report.on + dt.timedelta(days=FINDING_DUE_DAYS),
                        description=why,
                    ),
                )
            )
    return AppliedAmendment(report, tuple(done), tuple(findings))
