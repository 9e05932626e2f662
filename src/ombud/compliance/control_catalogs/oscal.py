"""OSCAL in and out: load an organization's official or licensed catalog text, and hand an
assessment to GRC tools as OSCAL assessment results.

Ombud ships ids, titles and its own summaries; the official wording of a framework (NIST
text in the public domain, or ISO text under an organization's licence) comes in as an
OSCAL catalog. Both directions go through compliance-trestle's pydantic models of the
NIST OSCAL schemas, so what we read and write is checked against the standard's own
model rather than a hand-kept subset.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from ombud import __version__
from ombud.compliance.control_catalogs._errors import CatalogError
from ombud.compliance.control_catalogs._model import CatalogItem, ControlCatalog
from ombud.compliance.control_catalogs.coverage import ControlCoverage, CoverageReport

if TYPE_CHECKING:
    from trestle.oscal import assessment_results as ar
    from trestle.oscal import common

# trestle's OSCAL models take ~1.5 s to import; they are imported inside the functions
# that use them, so that every `ombud` command does not pay for them at start-up.

__all__ = [
    "assessment_results",
    "import_oscal_catalog",
    "oscal_control_id",
    "read_assessment_results",
    "with_official_text",
]

_NAMESPACE = uuid.UUID("6a0f3c5e-5d1b-4c55-9a43-0b8f2a4e9d11")  # Ombud's uuid5 namespace


def _statement(parts: Sequence[common.Part] | None) -> str:
    """Prose of the statement part (``statement`` or ``*-statement``), sub-parts included."""

    def prose(part: common.Part) -> list[str]:
        texts = [part.prose] if part.prose else []
        for sub in part.parts or ():
            texts += prose(sub)
        return texts

    for part in parts or ():
        if part.name == "statement" or part.name.endswith("-statement"):
            return "\n".join(prose(part)).strip()
    return ""


def _kind(class_: str | None, default: str) -> str:
    return class_.rsplit("-", 1)[-1] if class_ else default


def import_oscal_catalog(
    path: str | Path,
    *,
    framework: str,
    id_from: Literal["id", "title"] = "id",
    license: str = "",
) -> ControlCatalog:
    """Every group and control of an OSCAL catalog JSON file as catalog items.

    ``id_from="title"`` takes item ids from the titles (the community NIST AI RMF
    catalog titles its controls ``GOVERN 1.1``, matching Ombud's ids). Summaries are the
    statement texts, which then are the publisher's words under the publisher's terms.
    """
    source = Path(path)
    if not source.is_file():
        raise CatalogError(f"{source}: no such file; pass the path of an OSCAL catalog JSON")
    from trestle.common.err import TrestleError
    from trestle.oscal.catalog import Catalog

    try:
        catalog = Catalog.oscal_read(source)
    except (TrestleError, ValidationError) as error:
        lines = [line.strip() for line in str(error).splitlines()[1:] if line.strip()]
        raise CatalogError(
            f"{source}: not a valid OSCAL catalog: {lines[0] if lines else error} "
            f"({len(lines)} problem(s) in all)"
        ) from None
    except ValueError as error:
        raise CatalogError(f"{source}: cannot read it as OSCAL JSON ({error})") from None
    if not isinstance(catalog, Catalog):
        raise CatalogError(f"{source}: the file holds no OSCAL catalog")
    meta = catalog.metadata
    origin = f"{meta.title} (version {meta.version}), imported from {source.name}"
    licence = license or f"as stated by the publisher of {source.name}"
    items: list[CatalogItem] = []

    def add(node: Any, kind: str, parent: str | None) -> str:
        item_id = str(node.title if id_from == "title" else node.id)
        text = _statement(node.parts)
        items.append(
            CatalogItem(
                framework=framework,
                id=item_id,
                kind=kind,
                title=str(node.title),
                summary=text or str(node.title),
                source=origin,
                license=licence,
                parent=parent,
                statement=text,
            )
        )
        return item_id

    def walk_controls(controls: Iterable[Any] | None, parent: str | None) -> None:
        for control in controls or ():
            own = add(control, _kind(control.class_, "control"), parent)
            walk_controls(control.controls, own)

    def walk_groups(groups: Iterable[Any] | None, parent: str | None) -> None:
        for group in groups or ():
            own = add(group, _kind(group.class_, "group"), parent)
            # trestle models a group as Group1 (with sub-groups) or Group2 (controls only)
            walk_groups(getattr(group, "groups", None), own)
            walk_controls(getattr(group, "controls", None), own)

    walk_groups(catalog.groups, None)
    walk_controls(catalog.controls, None)
    ids = [item.id for item in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"{source}: ids {duplicates[:5]} occur more than once; try id_from='id'")
    return ControlCatalog(
        framework=framework,
        title=str(meta.title),
        version=str(meta.version),
        source=origin,
        license=licence,
        items=tuple(items),
    )


def with_official_text(ours: ControlCatalog, official: ControlCatalog) -> ControlCatalog:
    """``ours`` with each item's ``statement`` taken from the same id in ``official``."""
    texts = {item.id: item.statement for item in official if item.statement}
    return replace(
        ours,
        items=tuple(replace(item, statement=texts.get(item.id, item.statement)) for item in ours),
    )


def oscal_control_id(item_ref: str) -> str:
    """An OSCAL token for ``framework:id`` (tokens allow no spaces or colons)."""
    token = re.sub(r"[^A-Za-z0-9._-]+", "-", item_ref.replace(":", "_")).strip("-").lower()
    return token if re.match(r"[A-Za-z_]", token) else f"_{token}"


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(p) for p in parts)))


def assessment_results(
    reports: Sequence[CoverageReport], *, title: str, assessment_plan_href: str = "#"
) -> dict[str, Any]:
    """Coverage reports as one OSCAL assessment-results document (a JSON-able dict).

    One result per report (framework); one finding per applicable item, ``satisfied``
    only when its status is ``covered``; one observation per piece of evidence. Uuids
    are derived from the content, so the same assessment exports identically. The
    document is validated against trestle's model of the OSCAL schema before return.
    """
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal import assessment_results as ar

    if not reports:
        raise CatalogError("assessment_results: give at least one coverage report")
    stamp = max(r.as_of for r in reports)
    raw = {
        "uuid": _uuid("ar", *(r.system_id for r in reports), stamp.isoformat()),
        "metadata": {
            "title": title,
            "last-modified": stamp.isoformat(),
            "version": __version__,
            "oscal-version": OSCAL_VERSION,
        },
        "import-ap": {"href": assessment_plan_href},
        "results": [_result(report) for report in reports],
    }
    try:
        document = ar.AssessmentResults.model_validate(raw)
    except ValidationError as error:  # a bug here, not bad input: say what broke
        raise CatalogError(f"assessment results do not validate as OSCAL: {error}") from None
    data: dict[str, Any] = json.loads(document.oscal_serialize_json())
    return data


def _finding(
    subject: str, report: CoverageReport, control: ControlCoverage, obs: dict[int, str]
) -> dict[str, Any]:
    detail = f"{control.status}: {control.why}"
    if control.missing_kinds:
        detail += f"; missing evidence: {', '.join(control.missing_kinds)}"
    stale = [f"#{u.evidence_id} ({u.note})" for u in control.evidence if not u.fresh]
    if stale:
        detail += f"; stale: {', '.join(stale)}"
    failing = [r.id for r in control.rules if r.outcome == "fail"]
    if failing:
        detail += f"; failing rules: {', '.join(failing)}"
    finding: dict[str, Any] = {
        "uuid": _uuid("finding", subject, control.item.ref, report.as_of.isoformat()),
        "title": f"{control.item.id}: {control.item.title}",
        "description": detail,
        "props": [{"name": "ombud-status", "value": control.status, "ns": _NS}],
        "target": {
            "type": "objective-id",
            "target-id": oscal_control_id(control.item.ref),
            "status": {"state": "satisfied" if control.status == "covered" else "not-satisfied"},
        },
    }
    related = [{"observation-uuid": obs[u.evidence_id]} for u in control.evidence]
    if related:
        finding["related-observations"] = related
    return finding


def _result(report: CoverageReport) -> dict[str, Any]:
    subject = f"{report.system_id}@{report.version}"
    observations: dict[int, dict[str, Any]] = {}
    for control in report.controls:
        for use in control.evidence:
            observation = {
                "uuid": _uuid("obs", subject, use.evidence_id),
                "description": (
                    f"Ombud evidence #{use.evidence_id} ({use.kind}) on {subject}, "
                    f"recorded {use.created_at.isoformat()}"
                ),
                "methods": ["TEST"],
                "collected": use.created_at.isoformat(),
            }
            if use.expires_at is not None:
                observation["expires"] = use.expires_at.isoformat()
            observations.setdefault(use.evidence_id, observation)
    uuids = {key: value["uuid"] for key, value in observations.items()}
    selection: dict[str, Any] = (
        {
            "include-controls": [
                {"control-id": oscal_control_id(c.item.ref)} for c in report.controls
            ]
        }
        if report.controls
        else {"include-all": {}}
    )
    result: dict[str, Any] = {
        "uuid": _uuid("result", subject, report.framework, report.as_of.isoformat()),
        "title": f"{report.framework} coverage of {subject}",
        "description": (
            f"Coverage of {report.framework} {report.catalog_version} for {subject} "
            f"computed by Ombud {__version__}: "
            + ", ".join(f"{n} {s}" for s, n in report.counts().items())
        ),
        "start": report.as_of.isoformat(),
        "reviewed-controls": {"control-selections": [selection]},
    }
    if observations:
        result["observations"] = list(observations.values())
    findings = [_finding(subject, report, c, uuids) for c in report.controls]
    if findings:
        result["findings"] = findings
    return result


_NS = "https://ombud.dev/ns/oscal"


def read_assessment_results(path: str | Path) -> ar.AssessmentResults:
    """Parse and validate an OSCAL assessment-results JSON file (raises CatalogError)."""
    from trestle.common.err import TrestleError
    from trestle.oscal import assessment_results as ar

    if not Path(path).is_file():
        raise CatalogError(f"{path}: no such file")
    try:
        document = ar.AssessmentResults.oscal_read(Path(path))
    except (TrestleError, ValueError, FileNotFoundError) as error:
        first = str(error).splitlines()[1:2] or [str(error)]
        raise CatalogError(
            f"{path}: not valid OSCAL assessment results ({first[0].strip()})"
        ) from None
    if not isinstance(document, ar.AssessmentResults):
        raise CatalogError(f"{path}: holds no OSCAL assessment results")
    return document
