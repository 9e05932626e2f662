"""Control catalogs, crosswalks between them, and what evidence covers which control.

Regulators and auditors each speak their own catalog (EU AI Act articles, NIST AI RMF
subcategories, ISO/IEC 42001 Annex A controls, sector rules); the evidence is the same.
This package holds the catalogs as versioned data, the links between them with their
sources, and pure functions that compute coverage from plain facts. No database.
See docs/compliance-catalogs.md.
"""

from ombud.compliance.catalogs._errors import CatalogError, UnknownFrameworkError
from ombud.compliance.catalogs._load import (
    EU_AI_ACT,
    FRAMEWORKS,
    eu_ai_act_catalog,
    load_control_catalog,
    load_crosswalks,
    parse_control_catalog,
)
from ombud.compliance.catalogs._model import (
    CatalogItem,
    ControlCatalog,
    CrosswalkLink,
    Crosswalks,
    EvidenceLink,
)

__all__ = [
    "EU_AI_ACT",
    "FRAMEWORKS",
    "CatalogError",
    "CatalogItem",
    "ControlCatalog",
    "CrosswalkLink",
    "Crosswalks",
    "EvidenceLink",
    "UnknownFrameworkError",
    "eu_ai_act_catalog",
    "load_control_catalog",
    "load_crosswalks",
    "parse_control_catalog",
]
