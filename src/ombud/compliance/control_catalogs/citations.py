"""Reading a policy's ``cites:`` text as catalog references.

Policy packs cite the way people write ("NIST AI RMF MEASURE 2.11", "EU AI Act
Art. 10(2)(f)", "29 CFR 1607.4(D)"), so a requirement written for the gate can also say
which controls it evidences without a second, hand-kept list. A citation more precise
than the catalog (a paragraph of an article) resolves to the item that contains it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ombud.compliance.control_catalogs._load import EU_AI_ACT
from ombud.compliance.control_catalogs._model import ControlCatalog, ref

__all__ = ["resolve_citation"]

_NIST = re.compile(r"NIST AI RMF (GOVERN|MAP|MEASURE|MANAGE) (\d+\.\d+)")
_EU_ARTICLE = re.compile(r"EU AI Act Art\. (\d+)(?:\((\d+)\))?")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _eu(text: str, catalog: ControlCatalog) -> list[str]:
    if text.strip() == "Annex IV" and "art_11" in catalog:
        return [ref(EU_AI_ACT, "art_11")]
    match = _EU_ARTICLE.search(text)
    if match is None:
        return []
    article, paragraph = match.groups()
    candidates = [f"art_{article}.{paragraph}"] if paragraph else []
    for candidate in (*candidates, f"art_{article}"):
        if candidate in catalog:
            return [ref(EU_AI_ACT, candidate)]
    return [item.ref for item in catalog if item.id.startswith(f"art_{article}.")]


def resolve_citation(text: str, catalogs: Iterable[ControlCatalog]) -> tuple[str, ...]:
    """Refs (``framework:id``) that ``text`` cites; empty when it names none we know."""
    found: list[str] = []
    for catalog in catalogs:
        if catalog.framework == "nist-ai-rmf":
            match = _NIST.search(text)
            if match and f"{match[1]} {match[2]}" in catalog:
                found.append(ref(catalog.framework, f"{match[1]} {match[2]}"))
        elif catalog.framework == EU_AI_ACT:
            found += _eu(text, catalog)
        else:
            cited = _norm(text)
            found += [
                item.ref
                for item in catalog
                if item.citation
                and (
                    cited.startswith(_norm(item.citation)) or _norm(item.citation).startswith(cited)
                )
            ]
    return tuple(dict.fromkeys(found))
