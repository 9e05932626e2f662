"""A portfolio at the scale of issue 14 for bench/web_load.py: 1,000 systems, 100,000
evidence records, 10,000 findings, gate runs, reviews and incidents.

Two routes, said plainly:

- Through the services (audited, as the CLI would): users, the 1,000 systems (from the six
  demo manifests, renamed), one version each, their classifications, the gate runs (on
  900 systems, real ``check_gate`` over the seeded evidence), 60 reviews with a board
  seat each, and 120 incidents.
- Bulk inserts through the store's SQLAlchemy models (NOT audited: the hash chain does
  not cover these rows, and ``audit-log verify`` still passes because no event refers to
  them): the 100,000 evidence records (100 per system; kinds and metric keys shaped like
  the engines' output: fairness audits with ratio/lower/upper per attribute and metric,
  red-team runs with attack success rates, documents) and the 10,000 findings (every
  status, due dates spread around today so some are overdue, accepted risks with expiry
  dates). Every bulk row satisfies the same constraints the services enforce (known
  users, systems and versions; valid statuses and severities).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

import ombud.services
from ombud.governance import parse_system_manifest
from ombud.services import classification, gates, incidents, reviews, systems
from ombud.services.context import AppContext
from ombud.services.workspaces import add_user
from ombud.store.models import EvidenceRow, SystemVersionRow
from ombud.store.models_tracking import FindingRow
from ombud.yamlsource import parse_yaml

__all__ = ["SCALE", "seed_portfolio"]

SCALE = {"systems": 1000, "evidence_per_system": 100, "findings": 10_000}
MANIFESTS = (
    "benefit-eligibility.yaml",
    "mortgage-underwriting.yaml",
    "recidivism-risk.yaml",
    "resume-screening.yaml",
    "spam-filter.yaml",
    "support-assistant.yaml",
)
OWNERS = tuple(f"owner{i:02d}" for i in range(20))
REVIEWERS = tuple(f"reviewer{i:02d}" for i in range(5))
# Kinds and how many of each per 100 records of a system.
EVIDENCE_MIX = (
    ("fairness_audit", 10),
    ("redteam_run", 10),
    ("model_card", 20),
    ("datasheet", 20),
    ("annex_iv", 15),
    ("system_card", 10),
    ("third_party_audit", 15),
)
FAIRNESS_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "tnr", "ppv", "npv", "fdr", "for")
FAIRNESS_GROUPS = ("sex", "race", "age", "race+sex")
ATTACKS = ("prompt_injection", "secret_leakage", "system_prompt_leakage", "overall")


def _fairness(rng: random.Random) -> tuple[dict[str, float], dict[str, str]]:
    metrics: dict[str, float] = {"fairness.rows": float(rng.randint(2_000, 50_000))}
    verdicts: dict[str, str] = {}
    for group in FAIRNESS_GROUPS:
        for metric in FAIRNESS_METRICS:
            value = rng.uniform(0.5, 1.0)
            key = f"fairness.{group}.{metric}.ratio_min"
            metrics[key] = value
            metrics[f"{key}.lower"] = max(0.0, value - rng.uniform(0.02, 0.15))
            metrics[f"{key}.upper"] = min(1.0, value + rng.uniform(0.02, 0.15))
        worst = metrics[f"fairness.{group}.selection_rate.ratio_min.upper"]
        verdicts[f"fairness.{group}.four_fifths"] = "pass" if worst >= 0.8 else "fail"
    return metrics, verdicts


def _redteam(rng: random.Random) -> tuple[dict[str, float], dict[str, str]]:
    metrics: dict[str, float] = {}
    for attack in ATTACKS:
        rate = rng.uniform(0.0, 0.4)
        key = f"redteam.{attack}.attack_success_rate"
        metrics[f"redteam.{attack}.attempts"] = float(rng.randint(20, 200))
        metrics[key] = rate
        metrics[f"{key}.lower"] = max(0.0, rate - 0.05)
        metrics[f"{key}.upper"] = min(1.0, rate + 0.08)
    return metrics, {}


def _register_all(context: AppContext, count: int) -> list[tuple[str, int]]:
    """Systems, versions and classifications through the services; (id, version id)."""
    folder = Path(ombud.services.__file__).parent / "demo" / "portfolio"
    templates = [
        parse_system_manifest(parse_yaml((folder / n).read_text("utf-8"), n)) for n in MANIFESTS
    ]
    actors = {name: context.actor(name) for name in OWNERS}
    made = []
    for i in range(count):
        base = templates[i % len(templates)]
        owner = OWNERS[i % len(OWNERS)]
        system_id = f"{base.system_id}-{i:04d}"
        profile = replace(base.profile, owner=owner, name=f"{base.profile.name} #{i}")
        manifest = replace(base, system_id=system_id, profile=profile, versions=())
        systems.apply_manifest(context, actors[owner], manifest)
        systems.add_version(context, actors[owner], system_id, "1.0.0")
        classification.classify_system(
            context, actors[owner], system_id, answers=dict(base.classification_answers or {})
        )
        made.append(system_id)
    with context.read() as session:
        ids = dict(session.execute(select(SystemVersionRow.system_id, SystemVersionRow.id)).all())
    return [(s, ids[s]) for s in made]


def _bulk_evidence(context: AppContext, versions: list[tuple[str, int]], per: int) -> None:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    kinds = [kind for kind, n in EVIDENCE_MIX for _ in range(n)]
    rows: list[dict[str, Any]] = []
    with context.sessions() as session, session.begin():
        for system_id, version_id in versions:
            for j in range(per):
                kind = kinds[j % len(kinds)]
                metrics, verdicts = (
                    _fairness(rng)
                    if kind == "fairness_audit"
                    else _redteam(rng)
                    if kind == "redteam_run"
                    else ({}, {})
                )
                created = now - dt.timedelta(days=rng.randint(0, 300), minutes=j)
                rows.append(
                    {
                        "system_id": system_id,
                        "version_id": version_id,
                        "kind": kind,
                        "summary": f"{kind.replace('_', ' ')} #{j}",
                        "engine": "bench-seed",
                        "engine_version": "1",
                        "metrics": metrics,
                        "verdicts": verdicts,
                        "parameters": {},
                        "inputs": [],
                        "artifacts": [],
                        "created_by": OWNERS[j % len(OWNERS)],
                        "created_at": created,
                        "expires_at": created + dt.timedelta(days=365),
                    }
                )
            if len(rows) >= 5000:
                session.execute(insert(EvidenceRow), rows)
                rows.clear()
        if rows:
            session.execute(insert(EvidenceRow), rows)


def _bulk_findings(context: AppContext, versions: list[tuple[str, int]], count: int) -> None:
    rng = random.Random(11)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    statuses = ("open",) * 4 + ("in_remediation",) * 2 + ("resolved", "verified", "risk_accepted")
    rows: list[dict[str, Any]] = []
    for i in range(count):
        system_id, _ = versions[rng.randrange(len(versions))]
        status = statuses[i % len(statuses)]
        owner = OWNERS[rng.randrange(len(OWNERS))]
        accepted = status == "risk_accepted"
        done = status in ("resolved", "verified")
        rows.append(
            {
                "system_id": system_id,
                "version_label": "1.0.0",
                "title": f"Finding {i}: disparity above tolerance",
                "description": "Seeded for the load benchmark.",
                "severity": ("critical", "high", "medium", "low")[rng.randrange(4)],
                "source_kind": "manual",
                "source_ref": f"bench-{i}",
                "owner": owner,
                "due_date": today + dt.timedelta(days=rng.randint(-120, 180)),
                "status": status,
                "fix_evidence": [],
                "resolution_note": "fixed" if done else "",
                "resolved_by": owner if done else None,
                "resolved_at": now if done else None,
                "verified_by": "lena" if status == "verified" else None,
                "verified_at": now if status == "verified" else None,
                "risk_justification": "compensating control" if accepted else "",
                "risk_accepted_by": "lena" if accepted else None,
                "risk_expires_on": today + dt.timedelta(days=rng.randint(-30, 90))
                if accepted
                else None,
                "created_by": "lena",
                "created_at": now - dt.timedelta(days=rng.randint(1, 400)),
                "updated_at": now,
                "row_version": 1,
            }
        )
    with context.sessions() as session, session.begin():
        session.execute(insert(FindingRow), rows)


def seed_portfolio(context: AppContext, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Seed ``context``'s (empty, initialized) workspace; returns counts and timings."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    admin = context.actor("ada")
    add_user(context, admin, username="lena", roles=["rai_lead"], display_name="Lena")
    for name in OWNERS:
        add_user(context, admin, username=name, roles=["owner"], display_name=name.title())
    for name in REVIEWERS:
        add_user(context, admin, username=name, roles=["reviewer"], display_name=name.title())
    versions = _register_all(context, SCALE["systems"])
    timings["systems (services)"] = time.perf_counter() - started
    progress(f"  {len(versions)} systems registered and classified")

    mark = time.perf_counter()
    _bulk_evidence(context, versions, SCALE["evidence_per_system"])
    _bulk_findings(context, versions, SCALE["findings"])
    timings["evidence + findings (bulk)"] = time.perf_counter() - mark
    progress("  evidence and findings inserted")

    mark = time.perf_counter()
    lena = context.actor("lena")
    for system_id, _ in versions[:900]:
        gates.check_gate(context, lena, system_id)
    opened = 0
    for system_id, _ in versions[900:960]:
        review = reviews.open_review(context, lena, system_id)
        reviews.assign_reviewer(
            context, lena, review["id"], REVIEWERS[opened % len(REVIEWERS)], "board_member"
        )
        opened += 1
    now = dt.datetime.now(dt.UTC)
    owners = {name: context.actor(name) for name in OWNERS}
    for k in range(120):
        system_id, _ = versions[(k * 7) % len(versions)]
        owner = OWNERS[versions.index((system_id, _)) % len(OWNERS)]
        incident = incidents.report_incident(
            context,
            owners[owner],
            title=f"Output drift on {system_id}",
            description="Seeded for the load benchmark.",
            severity=("high", "medium", "low")[k % 3],
            system_ids=[system_id],
            detected_at=now - dt.timedelta(days=k % 20, hours=3),
            aware_at=now - dt.timedelta(days=k % 20, hours=2),
            serious=k % 4 == 0,
        )
        if k % 3 == 0 and k % 4 != 0:  # a serious one needs its authority notified first
            incidents.close_incident(context, lena, incident["id"], review="reviewed, fixed")
    timings["gates, reviews, incidents (services)"] = time.perf_counter() - mark
    progress("  gate runs, reviews and incidents recorded")
    return {
        "systems": len(versions),
        "evidence": len(versions) * SCALE["evidence_per_system"],
        "findings": SCALE["findings"],
        "gate_runs": 900 + opened,
        "reviews": opened,
        "incidents": 120,
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }
