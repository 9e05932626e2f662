"""Reading catalog and crosswalk files, with ``file:line`` on every problem.

Catalogs are versioned data files (one per framework edition) so that a change of the
text or of our summaries is a reviewed diff, and an organization can load its own file
with the same checks. The EU AI Act catalog is not a file here: it is derived from the
legal catalog the classifier uses, so titles and paraphrases exist in one place only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ombud.compliance.control_catalogs._errors import CatalogError, UnknownFrameworkError
from ombud.compliance.control_catalogs._model import (
    CatalogItem,
    ControlCatalog,
    CrosswalkLink,
    Crosswalks,
    EvidenceLink,
)
from ombud.compliance.law_catalog import LegalCatalog, load_catalog
from ombud.yamlsource import KeyPath, LocatedYaml, YamlSourceError, load_yaml_file, parse_yaml

__all__ = [
    "EU_AI_ACT",
    "FRAMEWORKS",
    "check_crosswalks",
    "eu_ai_act_catalog",
    "load_control_catalog",
    "load_crosswalks",
    "parse_control_catalog",
]

EU_AI_ACT = "eu-ai-act"
_FILES = {
    "nist-ai-rmf": "nist-ai-rmf-1.0.yaml",
    "nist-ai-600-1": "nist-ai-600-1.yaml",
    "iso-42001": "iso-42001-2023.yaml",
    "sector-rules": "sector-rules.yaml",
}
#: Every framework shipped with Ombud, in display order.
FRAMEWORKS: tuple[str, ...] = (
    EU_AI_ACT,
    "nist-ai-rmf",
    "nist-ai-600-1",
    "iso-42001",
    "sector-rules",
)

_CATALOG_KEYS = {"framework", "title", "version", "source", "license"}
_CATALOG_KEYS_ALL = _CATALOG_KEYS | {"source_url", "id_pattern", "defaults", "items"}
_ITEM_KEYS = {"id", "kind", "title", "summary"}
_ITEM_KEYS_ALL = _ITEM_KEYS | {
    "parent",
    "citation",
    "source",
    "source_url",
    "license",
    "regimes",
    "verified",
}


def _data_file(name: str) -> Path:
    return Path(
        str(resources.files("ombud.compliance.control_catalogs").joinpath("data").joinpath(name))
    )


def _read(path: str | Path, text: str | None) -> LocatedYaml:
    try:
        return parse_yaml(text, str(path)) if text is not None else load_yaml_file(path)
    except YamlSourceError as error:
        raise CatalogError(str(error)) from error


def _mapping(
    doc: LocatedYaml, raw: Any, path: KeyPath, allowed: set[str], required: set[str]
) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{doc.where(path)}: expected a mapping")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise CatalogError(
            f"{doc.where(path)}: unknown key(s) {unknown}; allowed: {sorted(allowed)}"
        )
    missing = sorted(required - set(raw))
    if missing:
        raise CatalogError(f"{doc.where(path)}: missing key(s) {missing}")
    return raw


def _parent(item_id: str, known: set[str]) -> str | None:
    """The longest proper prefix of the id (cut at a space or dot) that is an item."""
    cuts = [m.start() for m in re.finditer(r"[ .]", item_id)]
    for cut in reversed(cuts):
        if item_id[:cut] in known:
            return item_id[:cut]
    return None


def parse_control_catalog(path: str | Path, text: str | None = None) -> ControlCatalog:
    """A catalog file in Ombud's format (see docs/compliance-catalogs.md), checked."""
    doc = _read(path, text)
    head = _mapping(doc, doc.data, (), _CATALOG_KEYS_ALL, _CATALOG_KEYS | {"items"})
    pattern = str(head.get("id_pattern", ""))
    try:
        id_regex = re.compile(pattern) if pattern else None
    except re.error as error:
        raise CatalogError(f"{doc.where(('id_pattern',))}: not a valid regex ({error})") from None
    defaults = head.get("defaults") or {}
    _mapping(doc, defaults, ("defaults",), {"verified"}, set())
    raw_items = head["items"]
    if not isinstance(raw_items, list) or not raw_items:
        raise CatalogError(f"{doc.where(('items',))}: expected a non-empty list of items")
    entries: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        where: KeyPath = ("items", index)
        entry = _mapping(doc, raw, where, _ITEM_KEYS_ALL, _ITEM_KEYS)
        item_id = str(entry["id"])
        if id_regex is not None and not id_regex.fullmatch(item_id):
            raise CatalogError(
                f"{doc.where((*where, 'id'))}: id '{item_id}' does not match the catalog's "
                f"id_pattern {pattern}"
            )
        if item_id in seen:
            raise CatalogError(f"{doc.where((*where, 'id'))}: duplicate id '{item_id}'")
        for key in _ITEM_KEYS:
            if not str(entry[key]).strip():
                raise CatalogError(f"{doc.where((*where, key))}: '{key}' must not be empty")
        seen.add(item_id)
        entries.append(entry)
    framework = str(head["framework"])
    items = []
    for entry in entries:
        item_id = str(entry["id"])
        parent = entry.get("parent")
        if parent is not None and str(parent) not in seen:
            raise CatalogError(
                f"{doc.where(('items',))}: '{item_id}' names unknown parent '{parent}'"
            )
        items.append(
            CatalogItem(
                framework=framework,
                id=item_id,
                kind=str(entry["kind"]),
                title=str(entry["title"]),
                summary=str(entry["summary"]),
                source=str(entry.get("source", head["source"])),
                license=str(entry.get("license", head["license"])),
                parent=str(parent) if parent is not None else _parent(item_id, seen),
                citation=str(entry.get("citation", "")),
                source_url=str(entry.get("source_url", head.get("source_url", ""))),
                regimes=tuple(str(r) for r in entry.get("regimes", ())),
                verified=bool(entry.get("verified", defaults.get("verified", True))),
            )
        )
    return ControlCatalog(
        framework=framework,
        title=str(head["title"]),
        version=str(head["version"]),
        source=str(head["source"]),
        license=str(head["license"]),
        items=tuple(items),
        id_pattern=pattern,
    )


def eu_ai_act_catalog(legal: LegalCatalog | None = None) -> ControlCatalog:
    """The EU AI Act obligations of the classifier's legal catalog, as catalog items.

    Titles, citations and paraphrases are read from the legal catalog, not repeated here.
    """
    legal = legal or load_catalog()
    source = f"{legal.title} (Ombud legal catalog {legal.version})"
    licence = (
        "EU law: reuse permitted (Commission Decision 2011/833/EU). Paraphrases: Ombud's "
        "own words, Apache-2.0 with the project."
    )
    items = tuple(
        CatalogItem(
            framework=EU_AI_ACT,
            id=rule.id,
            kind="obligation",
            title=rule.title,
            summary=rule.paraphrase,
            source=source,
            license=licence,
            citation=rule.citation,
            source_url=legal.regulation.get(
                "source", "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
            ),
            verified=rule.verified,
        )
        for rule in legal.obligations
    )
    return ControlCatalog(
        framework=EU_AI_ACT,
        title=f"EU AI Act obligations ({legal.regulation['name']})",
        version=legal.version,
        source=source,
        license=licence,
        items=items,
        id_pattern=r"^art_\d+[a-z]?(\.[0-9a-z]+)*$",
    )


def load_control_catalog(framework: str) -> ControlCatalog:
    """The shipped catalog of ``framework`` (one of ``FRAMEWORKS``)."""
    return _cached(framework)


@cache
def _cached(framework: str) -> ControlCatalog:
    if framework == EU_AI_ACT:
        return eu_ai_act_catalog()
    if framework not in _FILES:
        raise UnknownFrameworkError(
            f"unknown framework '{framework}'; known: {', '.join(FRAMEWORKS)}"
        )
    catalog = parse_control_catalog(_data_file(_FILES[framework]))
    if catalog.framework != framework:
        raise CatalogError(f"{_FILES[framework]}: says framework '{catalog.framework}'")
    return catalog


def _link_ref(doc: LocatedYaml, raw: Any, where: KeyPath) -> str:
    text = str(raw)
    framework, sep, item_id = text.partition(":")
    if not sep or not framework or not item_id:
        raise CatalogError(f"{doc.where(where)}: '{text}' is not a framework:id reference")
    return text


def load_crosswalks(path: str | Path | None = None, text: str | None = None) -> Crosswalks:
    """The shipped crosswalks, or another file in the same format."""
    if path is None and text is None:
        return _shipped_crosswalks()
    return _parse_crosswalks(path, text)


@cache  # the shipped file cannot change while the process runs; parsing it costs ~30 ms
def _shipped_crosswalks() -> Crosswalks:
    return _parse_crosswalks(None, None)


def _parse_crosswalks(path: str | Path | None, text: str | None) -> Crosswalks:
    doc = _read(path or _data_file("crosswalks.yaml"), text)
    head = _mapping(
        doc, doc.data, (), {"version", "sources", "links", "evidence"}, {"version", "sources"}
    )
    sources = {str(k): str(v) for k, v in dict(head["sources"]).items()}
    links = []
    for index, raw in enumerate(head.get("links") or ()):
        where: KeyPath = ("links", index)
        entry = _mapping(
            doc, raw, where, {"from", "to", "source", "basis"}, {"from", "to", "source"}
        )
        if entry["source"] not in sources:
            raise CatalogError(
                f"{doc.where((*where, 'source'))}: unknown source '{entry['source']}'; "
                f"declare it under sources ({', '.join(sources)})"
            )
        links.append(
            CrosswalkLink(
                _link_ref(doc, entry["from"], (*where, "from")),
                _link_ref(doc, entry["to"], (*where, "to")),
                str(entry["source"]),
                str(entry.get("basis", "")),
            )
        )
    evidence = []
    for index, raw in enumerate(head.get("evidence") or ()):
        where = ("evidence", index)
        entry = _mapping(
            doc, raw, where, {"kind", "control", "source", "basis"}, {"kind", "control", "source"}
        )
        if entry["source"] not in sources:
            raise CatalogError(
                f"{doc.where((*where, 'source'))}: unknown source '{entry['source']}'"
            )
        evidence.append(
            EvidenceLink(
                str(entry["kind"]),
                _link_ref(doc, entry["control"], (*where, "control")),
                str(entry["source"]),
                str(entry.get("basis", "")),
            )
        )
    return Crosswalks(str(head["version"]), sources, tuple(links), tuple(evidence))


def check_crosswalks(
    crosswalks: Crosswalks, catalogs: Mapping[str, ControlCatalog]
) -> tuple[str, ...]:
    """Every problem of ``crosswalks`` against ``catalogs``, one line each; empty if none."""
    known = {item.ref for catalog in catalogs.values() for item in catalog}
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for index, link in enumerate(crosswalks.links):
        for end in (link.source_ref, link.target_ref):
            if end not in known:
                problems.append(f"links[{index}]: '{end}' is in no catalog")
        if link.source_ref == link.target_ref:
            problems.append(f"links[{index}]: '{link.source_ref}' links to itself")
        pair = (link.source_ref, link.target_ref)
        if pair in seen or pair[::-1] in seen:
            problems.append(f"links[{index}]: {pair[0]} <-> {pair[1]} appears twice")
        seen.add(pair)
    for index, evidence in enumerate(crosswalks.evidence):
        if evidence.control_ref not in known:
            problems.append(f"evidence[{index}]: '{evidence.control_ref}' is in no catalog")
    return tuple(problems)
