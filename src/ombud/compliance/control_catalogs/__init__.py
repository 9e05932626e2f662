"""Control catalogs, crosswalks between them, and what evidence covers which control.

Regulators and auditors each speak their own catalog (EU AI Act articles, NIST AI RMF
subcategories, ISO/IEC 42001 Annex A controls, sector rules); the evidence is the same.
This package holds the catalogs as versioned data, the links between them with their
sources, and pure functions that compute coverage from plain facts. No database.
See docs/compliance-catalogs.md.
"""

from ombud.compliance.control_catalogs._errors import CatalogError, UnknownFrameworkError
from ombud.compliance.control_catalogs._load import (
    EU_AI_ACT,
    FRAMEWORKS,
    check_crosswalks,
    eu_ai_act_catalog,
    load_control_catalog,
    load_crosswalks,
    parse_control_catalog,
)
from ombud.compliance.control_catalogs._model import (
    CatalogItem,
    ControlCatalog,
    CrosswalkLink,
    Crosswalks,
    EvidenceLink,
)
from ombud.compliance.control_catalogs.citations import resolve_citation
from ombud.compliance.control_catalogs.coverage import (
    STATUSES,
    ApplicableItem,
    ControlCoverage,
    CoverageReport,
    EvidenceRecord,
    EvidenceUse,
    KindRequirement,
    RuleOutcome,
    SystemScope,
    applicable_items,
    compute_coverage,
)
from ombud.compliance.control_catalogs.html import coverage_html
from ombud.compliance.control_catalogs.oscal import (
    assessment_results,
    import_oscal_catalog,
    oscal_control_id,
    read_assessment_results,
    with_official_text,
)

__all__ = [
    "EU_AI_ACT",
    "FRAMEWORKS",
    "STATUSES",
    "ApplicableItem",
    "CatalogError",
    "CatalogItem",
    "ControlCatalog",
    "ControlCoverage",
    "CoverageReport",
    "CrosswalkLink",
    "Crosswalks",
    "EvidenceLink",
    "EvidenceRecord",
    "EvidenceUse",
    "KindRequirement",
    "RuleOutcome",
    "SystemScope",
    "UnknownFrameworkError",
    "applicable_items",
    "assessment_results",
    "check_crosswalks",
    "compute_coverage",
    "coverage_html",
    "eu_ai_act_catalog",
    "import_oscal_catalog",
    "load_control_catalog",
    "load_crosswalks",
    "oscal_control_id",
    "parse_control_catalog",
    "read_assessment_results",
    "resolve_citation",
    "with_official_text",
]
