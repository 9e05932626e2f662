"""Risk classification of AI systems under the EU AI Act and related regimes.

A library without a database: plain mappings of questionnaire answers in, frozen
records out. The questionnaire, the legal catalog (versioned, one file per amendment)
and the default tiering policy are YAML files shipped in ``ombud/compliance/data``.
See docs/classification.md.

Which module is which: ``law_catalog`` is what the law says (EU AI Act and the other
regimes, one file per amendment); ``control_catalogs/`` holds control frameworks (NIST AI
RMF, ISO/IEC 42001...) with their crosswalks and coverage. ``classification_rules``
decides a system's category from the answers; ``classification_result`` is the record
of that decision.
"""

from ombud.compliance._errors import ClassificationInputError
from ombud.compliance.classification_result import (
    Classification,
    ClassificationFlags,
    EUCategory,
    Obligation,
    Reason,
    TriggeredRegime,
)
from ombud.compliance.classification_rules import classify
from ombud.compliance.diff import ClassificationDiff, diff_classifications
from ombud.compliance.law_catalog import (
    LegalCatalog,
    LegalItem,
    ObligationRule,
    RegimeRule,
    available_catalog_versions,
    catalog_for_date,
    load_catalog,
    obligation_schedule,
    parse_as_of,
)
from ombud.compliance.questionnaire import (
    Option,
    Question,
    Questionnaire,
    QuestionType,
    applicable_questions,
    check_answers,
    load_answers_yaml,
    load_questionnaire,
    pending_questions,
    validate_answers,
)
from ombud.compliance.tiering import TierAssignment, TierRule, assign_tier, load_tiering_rules

__all__ = [
    "Classification",
    "ClassificationDiff",
    "ClassificationFlags",
    "ClassificationInputError",
    "EUCategory",
    "LegalCatalog",
    "LegalItem",
    "Obligation",
    "ObligationRule",
    "Option",
    "Question",
    "QuestionType",
    "Questionnaire",
    "Reason",
    "RegimeRule",
    "TierAssignment",
    "TierRule",
    "TriggeredRegime",
    "applicable_questions",
    "assign_tier",
    "available_catalog_versions",
    "catalog_for_date",
    "check_answers",
    "classify",
    "diff_classifications",
    "load_answers_yaml",
    "load_catalog",
    "load_questionnaire",
    "load_tiering_rules",
    "obligation_schedule",
    "parse_as_of",
    "pending_questions",
    "validate_answers",
]
