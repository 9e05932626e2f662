"""Documents generated from the record: model cards, system cards, datasheets, Annex IV files.

Pure functions from a :class:`SystemRecord` (or a datasheet YAML and a data file) to a
:class:`Document`, and from a document to Markdown, HTML, PDF or schema-valid JSON. No
database: the service layer gathers the record, a notebook can build one by hand.
"""

from ombud.cards._annex_iv import ANNEX_IV_FIELDS, annex_iv
from ombud.cards._cyclonedx import cyclonedx_bom, validate_cyclonedx
from ombud.cards._datasheet import (
    DATASHEET_QUESTIONS,
    DataFacts,
    DatasheetAnswers,
    datasheet,
    measure_data,
    parse_datasheet,
)
from ombud.cards._document import (
    DOCUMENT_KINDS,
    SCHEMA_ID,
    CardError,
    Completeness,
    Document,
    Field,
    Section,
    Table,
    required_fields,
)
from ombud.cards._evidence import MEDIA_TYPES, evidence_draft, evidence_names
from ombud.cards._model_card import model_card
from ombud.cards._record import (
    EvidenceRecord,
    FairnessAnalysis,
    FindingRecord,
    GateRecord,
    GroupMetrics,
    ReviewRecord,
    SystemRecord,
)
from ombud.cards._render import (
    FORMATS,
    document_schema,
    render,
    render_html,
    render_json,
    render_markdown,
    render_pdf,
    validate_document,
)
from ombud.cards._system_card import system_card

__all__ = [
    "ANNEX_IV_FIELDS",
    "DATASHEET_QUESTIONS",
    "DOCUMENT_KINDS",
    "FORMATS",
    "MEDIA_TYPES",
    "SCHEMA_ID",
    "CardError",
    "Completeness",
    "DataFacts",
    "DatasheetAnswers",
    "Document",
    "EvidenceRecord",
    "FairnessAnalysis",
    "Field",
    "FindingRecord",
    "GateRecord",
    "GroupMetrics",
    "ReviewRecord",
    "Section",
    "SystemRecord",
    "Table",
    "annex_iv",
    "cyclonedx_bom",
    "datasheet",
    "document_schema",
    "evidence_draft",
    "evidence_names",
    "measure_data",
    "model_card",
    "parse_datasheet",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
    "render_pdf",
    "required_fields",
    "system_card",
    "validate_cyclonedx",
    "validate_document",
]
