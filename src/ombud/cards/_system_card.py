"""The system card: a whole application, not one model, as the people it affects meet it.

An LLM application or a chain of models fails in ways no single model card shows: how
data moves between components, which safeguards stand between a model and a person, and
what an adversary achieved against the assembled system. Sections follow that reading
order: overview, components, data flows, safeguards, red-team results by category, known
failure modes, governance.
"""

from __future__ import annotations

from ombud.cards._common import governance_fields, redteam_rows, redteam_section
from ombud.cards._document import Document, Field, Section, completeness
from ombud.cards._record import SystemRecord

__all__ = ["system_card"]

#: An attack success rate whose upper bound reaches this is a known failure mode.
FAILURE_UPPER_BOUND = 0.05


def _failure_modes(r: SystemRecord) -> list[str] | None:
    modes = []
    found = redteam_rows(r)
    run = r.latest("redteam_run")
    if found and run:
        for category, _, rate in found[1]:
            upper = run.metrics.get(f"redteam.{category}.attack_success_rate.upper")
            if category != "overall" and upper is not None and upper >= FAILURE_UPPER_BOUND:
                modes.append(f"{category}: attack success rate {rate}")
    modes += sorted(
        f"{name}: {verdict}"
        for e in r.evidence
        for name, verdict in e.verdicts.items()
        if verdict in ("fail", "concern")
    )
    modes += [f"finding #{f.id}: {f.title}" for f in r.findings]
    if modes:
        return modes
    return ["none found by the recorded tests"] if found else None


def system_card(record: SystemRecord) -> Document:
    r = record
    components = [
        f"{m.get('name')} ({m.get('uri')}, sha256 {m.get('sha256')})" for m in r.models
    ] or ([f"{r.text('vendor')}: {r.version_notes}"] if r.version_notes else [])
    sections = (
        Section(
            "overview",
            "Overview",
            (
                Field("overview.name", "Name", r.text("name") or None, "inventory: name"),
                Field("overview.purpose", "Purpose", r.text("purpose") or None, "inventory"),
                Field("overview.kind", "Kind of system", r.text("kind") or None, "inventory"),
                Field("overview.version", "Version", r.version, "system version"),
            ),
        ),
        Section(
            "components",
            "Components",
            (
                Field(
                    "components.models",
                    "Models and services",
                    components or None,
                    "system version: models, notes; inventory: vendor",
                    "pin the models: `ombud system version add SYSTEM V --model NAME=PATH`",
                ),
                Field(
                    "components.training_data",
                    "Data the components were built or tuned on",
                    [f"{d.get('name')} ({d.get('uri')})" for d in r.training_data] or None,
                    "system version: training_data",
                    "pin the data: `ombud system version add SYSTEM V --data NAME=PATH`",
                ),
            ),
        ),
        Section(
            "data_flows",
            "Data flows",
            (
                Field(
                    "data_flows.data_categories",
                    "Data categories processed",
                    r.items("data_categories") or None,
                    "inventory: data_categories",
                ),
                Field(
                    "data_flows.regions",
                    "Regions where it runs",
                    r.items("deployment_regions") or None,
                    "inventory: deployment_regions",
                ),
                Field(
                    "data_flows.affected_people",
                    "Whose data and decisions",
                    r.items("affected_people") or None,
                    "inventory: affected_people",
                ),
            ),
        ),
        Section(
            "safeguards",
            "Safeguards",
            (
                Field(
                    "safeguards.human_oversight",
                    "Human oversight",
                    f"automation: {r.text('automation')}" if r.text("automation") else None,
                    "inventory: automation",
                ),
                Field(
                    "safeguards.out_of_scope",
                    "Uses refused or out of scope",
                    r.items("out_of_scope_uses") or None,
                    "inventory: out_of_scope_uses",
                ),
                Field(
                    "safeguards.transparency",
                    "Transparency duties",
                    [
                        str(x)
                        for x in ((r.classification or {}).get("result") or {})
                        .get("flags", {})
                        .get("art_50_duties", ())
                    ]
                    or None,
                    "classification: EU AI Act Art. 50 duties",
                    "classify the system; none may apply",
                ),
            ),
        ),
        redteam_section(r, "Red-team results by category"),
        Section(
            "failure_modes",
            "Known failure modes",
            (
                Field(
                    "failure_modes.known",
                    "Failure modes",
                    _failure_modes(r),
                    f"red-team categories with an upper bound at or above "
                    f"{FAILURE_UPPER_BOUND:.0%}; failed verdicts; findings",
                    "run a red team and audits; failure modes come from their results",
                ),
            ),
        ),
        Section("governance", "Governance", governance_fields(r, "governance")),
    )
    return Document(
        kind="system_card",
        title=f"System card: {r.text('name') or r.system_id}",
        subject={"system_id": r.system_id, "version": r.version},
        metadata={
            "system_id": r.system_id,
            "kind": r.text("kind") or None,
            "risk_tier": r.tier,
            "eu_ai_act_category": (r.classification or {}).get("eu_category"),
        },
        sections=sections,
        completeness=completeness("system_card", r.tier, sections, r.text("kind")),
    )
