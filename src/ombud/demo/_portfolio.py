"""Demo step 1: people and a portfolio registered from manifests, versioned, classified.

Each system is registered from a manifest (the same GitOps path a team would use) and
versioned with its training data pinned by the sha256 of the real file it was built on.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from ombud.datasets import DatasetNotFoundError, load
from ombud.governance import VersionSpec, parse_system_manifest
from ombud.services import classification, systems, workspaces
from ombud.services.context import AppContext
from ombud.services.coverage import CoverageMatrix
from ombud.services.finding_records import Finding
from ombud.services.gate_records import GateEvaluation
from ombud.services.incident_records import Incident
from ombud.services.review_records import Review
from ombud.services.system_records import SystemDetail
from ombud.store import SETTINGS_FILE, WorkspaceError
from ombud.yamlsource import parse_yaml

__all__ = ["DEMO_ADMIN", "PEOPLE", "VERSIONS", "DemoReport", "build_portfolio", "fresh_folder"]

DEMO_ADMIN = "ada"

PEOPLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("lena", "Lena Fischer, Responsible AI Lead", ("rai_lead",)),
    ("omar", "Omar Haddad, model owner (public sector)", ("owner",)),
    ("olivia", "Olivia Brandt, model owner (credit risk)", ("owner",)),
    ("hana", "Hana Sato, model owner (people and channels)", ("owner",)),
    ("rex", "Rex Okafor, review board member", ("reviewer",)),
    ("dana", "Dana Kowalski, statistician (domain expert)", ("reviewer",)),
    ("cora", "Cora Mensah, community representative", ("reviewer",)),
    ("audrey", "Audrey Lambert, internal auditor", ("auditor",)),
)

# system id -> (version label, data set it was built on, notes)
VERSIONS: dict[str, tuple[str, str | None, str]] = {
    "recidivism-risk": ("2.0.0", "compas", "decile score model, Broward County 2013-14 sample"),
    "mortgage-underwriting": ("1.3.0", "hmda", "logistic model on Boston HMDA 1990 applications"),
    "resume-screening": (
        "4.1.0",
        "bertrand_mullainathan",
        "vendor model; field-experiment test bed",
    ),
    "benefit-eligibility": ("0.9.0", "adult", "gradient boosting on census income records"),
    "support-assistant": ("1.0.0", None, "SmolLM2-135M-Instruct with a retail-bank system prompt"),
    "spam-filter": ("7.2.0", None, "vendor model, no training data shared"),
}


@dataclass
class DemoReport:
    workspace: Path
    systems: list[SystemDetail] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)
    gates: list[GateEvaluation] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    redteam: list[dict[str, Any]] = field(default_factory=list)
    monitoring: list[dict[str, Any]] = field(default_factory=list)
    explanations: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    coverage: CoverageMatrix | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON data: each service record in its wire shape."""
        data: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, list):
                value = [v.to_dict() if hasattr(v, "to_dict") else v for v in value]
            elif isinstance(value, CoverageMatrix):
                value = value.to_dict()
            elif value is None and item.name == "coverage":
                value = {}  # not computed: the empty object the report has always carried
            data[item.name] = str(value) if isinstance(value, Path) else value
        return data


def fresh_folder(root: Path) -> None:
    if not root.exists():
        return
    if not (root / SETTINGS_FILE).exists() and any(root.iterdir()):
        raise WorkspaceError(
            f"{root} exists and is not an Ombud workspace; refusing to delete it, pick another "
            "--workspace"
        )
    shutil.rmtree(root)


def _manifests() -> list[tuple[str, str]]:
    folder = resources.files("ombud.demo").joinpath("portfolio")
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def build_portfolio(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> set[str]:
    """People, then the systems; returns the ids registered in this run."""
    _people(context)
    return _portfolio(context, report, progress)


def _people(context: AppContext) -> None:
    admin = context.actor(DEMO_ADMIN)
    existing = {u.username for u in workspaces.list_users(context)}
    for username, name, roles in PEOPLE:
        if username not in existing:
            workspaces.add_user(context, admin, username=username, roles=roles, display_name=name)


def _portfolio(
    context: AppContext, report: DemoReport, progress: Callable[[str], None]
) -> set[str]:
    """Register, version and classify every demo system; return the newly registered ones."""
    new: set[str] = set()
    for filename, text in _manifests():
        manifest = parse_system_manifest(parse_yaml(text, f"portfolio/{filename}"))
        owner = context.actor(manifest.profile.owner)
        progress(f"registering {manifest.system_id}")
        if systems.apply_manifest(context, owner, manifest).outcome == "registered":
            new.add(manifest.system_id)
        label, dataset_name, notes = VERSIONS[manifest.system_id]
        training: tuple[VersionSpec, ...] = ()
        if dataset_name is not None:
            try:
                dataset = load(dataset_name)
            except DatasetNotFoundError as exc:
                report.notes.append(f"{manifest.system_id}: training data not pinned ({exc})")
            else:
                training = (
                    VersionSpec(dataset.name, Path(dataset.source).as_uri(), dataset.sha256),
                )
        shown = systems.get_system(context, manifest.system_id)
        if label not in shown.version_labels:
            systems.add_version(
                context, owner, manifest.system_id, label, training_data=training, notes=notes
            )
        if manifest.system_id in new:
            progress(f"classifying {manifest.system_id}")
            classification.classify_system(
                context,
                owner,
                manifest.system_id,
                answers=dict(manifest.classification_answers or {}),
            )
    return new
