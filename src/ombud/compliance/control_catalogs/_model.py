"""Catalog items and crosswalk links as frozen records.

Every framework (a law's obligations, NIST AI RMF, ISO/IEC 42001, sector rules) is read
into the same shape, so coverage, crosswalks and exports work on any of them and an
organization can add its own catalog without new code. An item is addressed across
catalogs by its ``ref``, ``framework:id`` (``nist-ai-rmf:MEASURE 2.11``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ombud.compliance.control_catalogs._errors import CatalogError

__all__ = ["CatalogItem", "ControlCatalog", "CrosswalkLink", "Crosswalks", "EvidenceLink", "ref"]


def ref(framework: str, item_id: str) -> str:
    return f"{framework}:{item_id}"


@dataclass(frozen=True)
class CatalogItem:
    """One obligation, control, category or risk, with where its words come from."""

    framework: str
    id: str
    kind: str
    title: str
    summary: str
    source: str
    license: str
    parent: str | None = None
    citation: str = ""
    source_url: str = ""
    regimes: tuple[str, ...] = ()
    verified: bool = True
    statement: str = ""  # official text, only when imported from a catalog that carries it

    @property
    def ref(self) -> str:
        return ref(self.framework, self.id)

    def to_dict(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "framework": self.framework,
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "summary": self.summary,
            "parent": self.parent,
            "citation": self.citation,
            "source": self.source,
            "source_url": self.source_url,
            "license": self.license,
            "regimes": list(self.regimes),
            "verified": self.verified,
            "statement": self.statement,
        }


@dataclass(frozen=True)
class ControlCatalog:
    framework: str
    title: str
    version: str
    source: str
    license: str
    items: tuple[CatalogItem, ...]
    id_pattern: str = ""

    def __iter__(self) -> Iterator[CatalogItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return any(item.id == item_id for item in self.items)

    def ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def get(self, item_id: str) -> CatalogItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise CatalogError(
            f"catalog {self.framework} {self.version}: no item '{item_id}'; "
            f"ids look like {', '.join(self.ids()[:3])}"
        )

    def of_kind(self, kind: str) -> tuple[CatalogItem, ...]:
        return tuple(item for item in self.items if item.kind == kind)

    def children(self, item_id: str) -> tuple[CatalogItem, ...]:
        return tuple(item for item in self.items if item.parent == item_id)


@dataclass(frozen=True)
class CrosswalkLink:
    """Evidence for one end is relevant to the other (not: one satisfies the other)."""

    source_ref: str
    target_ref: str
    source: str
    basis: str = ""


@dataclass(frozen=True)
class EvidenceLink:
    """Evidence of ``kind`` helps cover ``control_ref``."""

    kind: str
    control_ref: str
    source: str
    basis: str = ""


@dataclass(frozen=True)
class Crosswalks:
    version: str
    sources: Mapping[str, str]
    links: tuple[CrosswalkLink, ...]
    evidence: tuple[EvidenceLink, ...]

    def neighbours(self, control_ref: str) -> tuple[str, ...]:
        """Refs linked to ``control_ref`` in either direction, in file order."""
        found: list[str] = []
        for link in self.links:
            if link.source_ref == control_ref:
                found.append(link.target_ref)
            elif link.target_ref == control_ref:
                found.append(link.source_ref)
        return tuple(dict.fromkeys(found))

    def kinds_for(self, control_ref: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.kind for e in self.evidence if e.control_ref == control_ref))
