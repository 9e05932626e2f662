"""A small workspace for web tests: six people, three systems, an open review, a finding,
an incident, evidence and a pending (downgrade) classification. Built through the
services, as the CLI would, in about a second.

omar owns the review's and the finding's system; hana is an owner too, of another
system only: the "owner of another system" of the authorization matrix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from argon2 import PasswordHasher

import ombud
from ombud.governance import parse_system_manifest
from ombud.services import auth, classification, findings, incidents, reviews, systems
from ombud.services.context import AppContext
from ombud.services.supplier import attach_evidence
from ombud.services.workspaces import add_user
from ombud.yamlsource import parse_yaml

PASSWORD = "correct horse battery staple"
# argon2id at its cheapest: the same code path, milliseconds instead of half a second.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PEOPLE = {
    "ada": ("admin",),
    "lena": ("rai_lead",),
    "omar": ("owner",),
    "hana": ("owner",),
    "rex": ("reviewer",),
    "audrey": ("auditor",),
}


@dataclass(frozen=True)
class Seeded:
    review_id: int
    finding_id: int
    incident_id: int
    evidence_id: int
    blocked_system: str
    other_system: str
    hana_system: str
    pending_classification: int


def _register(context: AppContext, name: str, owner: str) -> str:
    # Read by path: importing ombud.demo would load scikit-learn (seconds).
    text = (Path(ombud.__file__).parent / "demo" / "portfolio" / name).read_text("utf-8")
    manifest = parse_system_manifest(parse_yaml(text, name))
    manifest_owner = context.actor(owner)
    manifest = replace(manifest, profile=replace(manifest.profile, owner=owner), versions=())
    systems.apply_manifest(context, manifest_owner, manifest)
    systems.add_version(context, manifest_owner, manifest.system_id, "1.0.0")
    classification.classify_system(
        context,
        manifest_owner,
        manifest.system_id,
        answers=dict(manifest.classification_answers or {}),
        # The pages are tested with high-risk duties that apply today: catalog 2024.1
        # (from 2 August 2026). Catalog 2026.1 defers them to 2 December 2027, which
        # tests/services/test_coverage.py and tests/compliance cover.
        catalog_version="2024.1",
    )
    return manifest.system_id


def seed(context: AppContext, folder: Path) -> Seeded:
    admin = context.actor("ada")
    for name, roles in PEOPLE.items():
        if name != "ada":
            add_user(context, admin, username=name, roles=roles, display_name=name.title())
        auth.set_password(context, admin, name, PASSWORD, CHEAP_HASHER)
    blocked = _register(context, "recidivism-risk.yaml", "omar")
    other = _register(context, "spam-filter.yaml", "omar")
    hanas = _register(context, "resume-screening.yaml", "hana")
    omar = context.actor("omar")
    card = folder / "card.md"
    card.write_text("# Model card\nIntended use: triage.\n", encoding="utf-8")
    evidence = attach_evidence(
        context, omar, blocked, "1.0.0", kind="model_card", file=card, summary="model card"
    )
    report = folder / "audit-report.txt"
    report.write_text("External fairness audit, summary figures.\n", encoding="utf-8")
    attach_evidence(
        context,
        omar,
        blocked,
        "1.0.0",
        kind="third_party_audit",
        file=report,
        summary="external audit",
        metrics={
            "fairness.race.fpr.ratio_min": 0.55,
            "fairness.race.fpr.ratio_min.lower": 0.41,
            "fairness.race.fpr.ratio_min.upper": 0.70,
            "fairness.race.selection_rate.ratio_min": 0.93,
            "fairness.race.selection_rate.ratio_min.lower": 0.85,
            "fairness.race.selection_rate.ratio_min.upper": 1.02,
            "redteam.prompt_injection.attack_success_rate": 0.25,
        },
    )
    review = reviews.open_review(context, omar, blocked)
    reviews.assign_reviewer(context, context.actor("lena"), review.id, "rex", "board_member")
    lena = context.actor("lena")
    finding = findings.open_finding(
        context,
        lena,
        findings.FindingDraft(
            system_id=blocked,
            version_label="1.0.0",
            title="False-positive rates differ by race",
            severity="high",
            source_kind="manual",
            source_ref="web-test",
            owner="omar",
            due_date=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30),
        ),
    )
    now = dt.datetime.now(dt.UTC)
    incident = incidents.report_incident(
        context,
        omar,
        title="Scores shifted after a data refresh",
        description="Scores rose for one district.",
        severity="high",
        system_ids=[blocked],
        detected_at=now - dt.timedelta(hours=2),
        aware_at=now - dt.timedelta(hours=1),
        serious=True,
    )
    # omar asks to take his high-risk system out of Annex III: it waits for a rai_lead.
    downgrade = classification.classify_system(
        context,
        omar,
        blocked,
        answers={
            "annex_iii_area": ["none"],
            "significant_decisions": False,
            "profiles_natural_persons": False,
        },
    )
    assert downgrade.pending_request is not None
    return Seeded(
        review_id=review.id,
        finding_id=finding.id,
        incident_id=incident.id,
        evidence_id=evidence.id,
        blocked_system=blocked,
        other_system=other,
        hana_system=hanas,
        pending_classification=downgrade.pending_request,
    )
